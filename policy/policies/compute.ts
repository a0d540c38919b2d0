// Compute: hardened ECS containers and services, EC2 instances and launch
// templates with IMDSv2, no public IPs, encrypted EBS.
import { Config, Res, resourcePolicy, stackPolicy } from "../lib/core";
import { notNatInstance } from "../lib/natinstance";
import { asArray, isKnownString, isTrue, isUnknown, parseJsonInput, isKnownNotTrue } from "../lib/values";

export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
export const ECS_SERVICE = "aws:ecs/service:Service";
export const INSTANCE = "aws:ec2/instance:Instance";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration";
export const EBS_VOLUME = "aws:ebs/volume:Volume";

function containers(r: Res): any[] | undefined {
    const parsed = parseJsonInput(r.props.containerDefinitions);
    if (!parsed.known || !Array.isArray(parsed.value)) {
        return undefined;
    }
    return parsed.value.filter(c => c && typeof c === "object");
}

function cname(c: any): string {
    return typeof c.name === "string" ? c.name : "?";
}

export const ecsNoPrivileged = resourcePolicy({
    name: "paved-ecs-no-privileged",
    description: "ECS containers never run privileged.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Remove privileged: true; grant specific Linux capabilities only if strictly needed (linuxParameters.capabilities.add).",
    types: [TASK_DEFINITION],
    validate(r, _config, report) {
        for (const c of containers(r) ?? []) {
            if (isTrue(c.privileged)) {
                report(`container '${cname(c)}' is privileged.`);
            }
        }
    },
});

export const ecsReadonlyRootFs = resourcePolicy({
    name: "paved-ecs-readonly-root-filesystem",
    description: "ECS containers run with a read-only root filesystem (writable scratch space comes from a volume).",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Set readonlyRootFilesystem: true and mount a task volume at /tmp (mountPoints) for scratch files.",
    types: [TASK_DEFINITION],
    validate(r, _config, report) {
        for (const c of containers(r) ?? []) {
            if (isKnownNotTrue(c.readonlyRootFilesystem)) {
                report(`container '${cname(c)}' has a writable root filesystem.`);
            }
        }
    },
});

function isRootUser(user: string): boolean {
    const u = user.split(":")[0].trim();
    return u === "" || u === "root" || u === "0";
}

export const ecsNonRootUser = resourcePolicy({
    name: "paved-ecs-non-root-user",
    description: "ECS containers declare a non-root user (the image default is often root).",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Set user: \"1000:1000\" (or the image's unprivileged user, e.g. \"node\") in the container definition.",
    types: [TASK_DEFINITION],
    validate(r, _config, report) {
        for (const c of containers(r) ?? []) {
            const user = c.user;
            if (isUnknown(user)) {
                continue;
            }
            if (!isKnownString(user)) {
                report(`container '${cname(c)}' does not set user, so it runs as the image's default (often root).`);
            } else if (isRootUser(user)) {
                report(`container '${cname(c)}' runs as root (user '${user}').`);
            }
        }
    },
});

export const ecsLogConfiguration = resourcePolicy({
    name: "paved-ecs-log-configuration",
    description: "ECS containers ship logs (logConfiguration), so a crash loop leaves evidence.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Set logConfiguration: { logDriver: \"awslogs\", options: { \"awslogs-group\": logGroup.name, \"awslogs-region\": region, \"awslogs-stream-prefix\": \"app\" } }.",
    types: [TASK_DEFINITION],
    validate(r, _config, report) {
        for (const c of containers(r) ?? []) {
            const lc = c.logConfiguration;
            if (isUnknown(lc)) {
                continue;
            }
            if (!lc || typeof lc !== "object" || !isKnownString(lc.logDriver) && !isUnknown(lc.logDriver)) {
                report(`container '${cname(c)}' has no logConfiguration.`);
            }
        }
    },
});

export const ecsNoHostNamespaces = resourcePolicy({
    name: "paved-ecs-no-host-namespaces",
    description: "ECS tasks do not share the host's network, PID or IPC namespace.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Use networkMode \"awsvpc\" and remove pidMode/ipcMode \"host\".",
    types: [TASK_DEFINITION],
    validate(r, _config, report) {
        for (const field of ["networkMode", "pidMode", "ipcMode"]) {
            if (r.props[field] === "host") {
                report(`${field} is "host".`);
            }
        }
    },
});

export const ecsServiceNoPublicIp = resourcePolicy({
    name: "paved-ecs-service-no-public-ip",
    description: "ECS services run tasks in private subnets without public IPs; traffic arrives through the load balancer.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Set networkConfiguration.assignPublicIp: false and use private subnets with a NAT gateway or VPC endpoints for egress.",
    types: [ECS_SERVICE],
    validate(r, _config, report) {
        if (isTrue(r.props.networkConfiguration?.assignPublicIp)) {
            report("networkConfiguration.assignPublicIp is true.");
        }
    },
});

export const ecsServiceCircuitBreaker = resourcePolicy({
    name: "paved-ecs-service-circuit-breaker",
    description: "ECS services use the deployment circuit breaker with rollback, so a bad image rolls back instead of crash-looping.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Set deploymentCircuitBreaker: { enable: true, rollback: true }.",
    types: [ECS_SERVICE],
    validate(r, _config, report) {
        const controller = r.props.deploymentController?.type;
        if (isKnownString(controller) && controller !== "ECS") {
            return; // CODE_DEPLOY / EXTERNAL manage rollbacks themselves
        }
        const cb = r.props.deploymentCircuitBreaker;
        if (isUnknown(cb) || isUnknown(cb?.enable) || isUnknown(cb?.rollback)) {
            return;
        }
        if (!cb || !isTrue(cb.enable) || !isTrue(cb.rollback)) {
            report("deploymentCircuitBreaker is not { enable: true, rollback: true }.");
        }
    },
});

const EC2_TYPES = [INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION];

export const imdsv2 = resourcePolicy({
    name: "paved-ec2-imdsv2",
    description: "EC2 instances, launch templates and launch configurations require IMDSv2 (session tokens), blocking SSRF credential theft.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Set metadataOptions: { httpTokens: \"required\", httpEndpoint: \"enabled\", httpPutResponseHopLimit: 1 }.",
    types: EC2_TYPES,
    validate(r, _config, report) {
        const mo = r.props.metadataOptions;
        if (isUnknown(mo)) {
            return;
        }
        const tokens = mo?.httpTokens;
        if (isUnknown(tokens) || mo?.httpEndpoint === "disabled") {
            return;
        }
        if (tokens !== "required") {
            report(`metadataOptions.httpTokens is ${tokens === undefined ? "not set" : `'${tokens}'`}; IMDSv1 stays reachable.`);
        }
    },
});

export const ec2NoPublicIp = stackPolicy({
    name: "paved-ec2-no-public-ip",
    description: "EC2 instances and launch templates get no public IP unless allowPublicIp is configured, or the instance has exactly the NAT-instance shape: " +
        "sourceDestCheck false, a subnet routed to an internet gateway, IMDSv2 required, no key pair, and security groups (all in the stack) with no internet ingress and no SSH.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Set associatePublicIpAddress: false, place instances in private subnets and reach them through SSM Session Manager. " +
        "A NAT instance keeps its public IP: sourceDestCheck false, a public subnet, IMDSv2 required, no keyName, ingress only from the VPC's private ranges.",
    config: {
        allowPublicIp: {
            type: "boolean",
            default: false,
            description: "Deliberate relaxation for stacks that need public instances (e.g. a bastion-less edge box).",
        },
    },
    validate(resources, config: Config, report) {
        if (config.allowPublicIp) {
            return;
        }
        for (const r of resources.filter(x => EC2_TYPES.includes(x.type))) {
            const where: string[] = [];
            if (isTrue(r.props.associatePublicIpAddress)) {
                where.push("associatePublicIpAddress is true");
            }
            asArray(r.props.networkInterfaces).forEach((ni, i) => {
                if (isTrue(ni?.associatePublicIpAddress)) {
                    where.push(`networkInterfaces[${i}].associatePublicIpAddress is true`);
                }
            });
            if (where.length === 0) {
                continue;
            }
            const notNat = r.type === INSTANCE ? notNatInstance(r, resources) : undefined;
            if (r.type === INSTANCE && notNat === undefined) {
                continue; // the NAT-instance shape
            }
            report(`${where.join("; ")}${notNat ? ` (${notNat})` : ""}.`, r.urn);
        }
    },
});

export const ebsEncrypted = resourcePolicy({
    name: "paved-ebs-encrypted",
    description: "EBS volumes, instance block devices and launch template block devices are encrypted.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Set encrypted: true on every volume / block device (or kmsKeyId), or enable aws.ebs.EncryptionByDefault for the account and region.",
    types: [EBS_VOLUME, ...EC2_TYPES],
    validate(r, _config, report) {
        const check = (where: string, enc: unknown) => {
            if (isKnownNotTrue(enc)) {
                report(`${where} is not encrypted.`);
            }
        };
        if (r.type === EBS_VOLUME) {
            check("volume", r.props.encrypted);
            return;
        }
        if (r.type === LAUNCH_TEMPLATE) {
            asArray(r.props.blockDeviceMappings).forEach((m, i) => {
                if (m?.ebs && typeof m.ebs === "object") {
                    check(`blockDeviceMappings[${i}] (${m.deviceName ?? "?"})`, m.ebs.encrypted);
                }
            });
            return;
        }
        const root = r.props.rootBlockDevice;
        if (r.type === INSTANCE && (!root || typeof root !== "object")) {
            // No explicit root device: the AMI's snapshot settings decide, which we cannot see.
        } else if (root && typeof root === "object") {
            check("rootBlockDevice", root.encrypted);
        }
        asArray(r.props.ebsBlockDevices).forEach((d, i) => check(`ebsBlockDevices[${i}] (${d?.deviceName ?? "?"})`, d?.encrypted));
    },
});

export const computePolicies = [
    ecsNoPrivileged,
    ecsReadonlyRootFs,
    ecsNonRootUser,
    ecsLogConfiguration,
    ecsNoHostNamespaces,
    ecsServiceNoPublicIp,
    ecsServiceCircuitBreaker,
    imdsv2,
    ec2NoPublicIp,
    ebsEncrypted,
];
