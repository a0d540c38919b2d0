// Compute: hardened ECS containers and services, EC2 instances and launch
// templates with IMDSv2, no public IPs, encrypted EBS.
import { Config, Res, resourcePolicy, stackPolicy } from "../lib/core";
import {
  ASG,
  CAPACITY_PROVIDER,
  EBS_ENCRYPTION_BY_DEFAULT,
  EBS_VOLUME,
  EC2_TYPES,
  Ec2Index,
  INSTANCE,
  INTERNET_GATEWAY,
  LAUNCH_CONFIGURATION,
  LAUNCH_TEMPLATE,
  metadataOptions,
  opensSsh,
  requiresImdsv2,
  ROUTE,
  ROUTE_TABLE,
  ROUTE_TABLE_ASSOCIATION,
  SECURITY_GROUP,
  SECURITY_GROUP_INGRESS_RULE,
  SECURITY_GROUP_RULE,
  SUBNET,
} from "../lib/ec2";
import { asArray, asInt, isKnownString, isTrue, isUnknown, joinWords, parseJsonInput, isKnownNotTrue } from "../lib/values";

export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
export const ECS_SERVICE = "aws:ecs/service:Service";

function containers(r: Res): any[] | undefined {
  const parsed = parseJsonInput(r.props.containerDefinitions);
  if (!parsed.known || !Array.isArray(parsed.value)) {
    return undefined;
  }
  return parsed.value.filter((c) => c && typeof c === "object");
}

function cname(c: any): string {
  return typeof c.name === "string" ? c.name : "?";
}

export const ecsNoPrivileged = resourcePolicy({
  name: "paved-ecs-no-privileged",
  description: "ECS containers never run privileged.",
  rationale: "A privileged container owns the host.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove privileged: true; grant specific Linux capabilities only if strictly needed (linuxParameters.capabilities.add).",
  types: [TASK_DEFINITION],
  validate(r, _config, report) {
    for (const c of containers(r) ?? []) {
      if (isTrue(c.privileged)) {
        report(`Task definition '${r.name}': container '${cname(c)}' is privileged.`);
      }
    }
  },
});

export const ecsReadonlyRootFs = resourcePolicy({
  name: "paved-ecs-readonly-root-filesystem",
  description: "ECS containers run with a read-only root filesystem (writable scratch space comes from a volume).",
  rationale: "Stops attackers persisting tools in the container.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set readonlyRootFilesystem: true and mount a task volume at /tmp (mountPoints) for scratch files. " +
    "If the writable root is deliberate (paved:enableEcsExec=true: the SSM agent ECS Exec runs needs it), record a reviewed, expiring exemption instead: " +
    '`npm run policy -- exempt paved-ecs-readonly-root-filesystem <resource> --reason "..." --expires YYYY-MM-DD --stack <stack>`.',
  types: [TASK_DEFINITION],
  validate(r, _config, report) {
    for (const c of containers(r) ?? []) {
      if (isKnownNotTrue(c.readonlyRootFilesystem)) {
        report(`Task definition '${r.name}': container '${cname(c)}' has a writable root filesystem.`);
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
  rationale: "Limits the blast radius of an app compromise.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set user: "1000:1000" (or the image\'s unprivileged user, e.g. "node") in the container definition.',
  types: [TASK_DEFINITION],
  validate(r, _config, report) {
    for (const c of containers(r) ?? []) {
      const user = c.user;
      if (isUnknown(user)) {
        continue;
      }
      if (!isKnownString(user)) {
        report(`Task definition '${r.name}': container '${cname(c)}' does not set user, so it runs as the image's default (often root).`);
      } else if (isRootUser(user)) {
        report(`Task definition '${r.name}': container '${cname(c)}' runs as root (user '${user}').`);
      }
    }
  },
});

export const ecsLogConfiguration = resourcePolicy({
  name: "paved-ecs-log-configuration",
  description: "ECS containers ship logs (logConfiguration), so a crash loop leaves evidence.",
  rationale: "Users' failure write-ups: a container that exits silently with no logs.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": "app" } }.',
  types: [TASK_DEFINITION],
  validate(r, _config, report) {
    for (const c of containers(r) ?? []) {
      const lc = c.logConfiguration;
      if (isUnknown(lc)) {
        continue;
      }
      if (!lc || typeof lc !== "object" || (!isKnownString(lc.logDriver) && !isUnknown(lc.logDriver))) {
        report(`Task definition '${r.name}': container '${cname(c)}' has no logConfiguration, so a crash leaves no logs.`);
      }
    }
  },
});

export const ecsNoHostNamespaces = resourcePolicy({
  name: "paved-ecs-no-host-namespaces",
  description: "ECS tasks do not share the host's network, PID or IPC namespace.",
  rationale: "Host namespaces break container isolation.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Use networkMode "awsvpc" and remove pidMode/ipcMode "host".',
  types: [TASK_DEFINITION],
  validate(r, _config, report) {
    for (const field of ["networkMode", "pidMode", "ipcMode"]) {
      if (r.props[field] === "host") {
        report(`Task definition '${r.name}' shares the host's namespace: ${field} is "host".`);
      }
    }
  },
});

export const ecsServiceNoPublicIp = resourcePolicy({
  name: "paved-ecs-service-no-public-ip",
  description: "ECS services run tasks in private subnets without public IPs; traffic arrives through the load balancer.",
  rationale: "Tasks must only be reachable through the ALB.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set networkConfiguration.assignPublicIp: false and use private subnets with a NAT gateway or VPC endpoints for egress.",
  types: [ECS_SERVICE],
  validate(r, _config, report) {
    if (isTrue(r.props.networkConfiguration?.assignPublicIp)) {
      report(`ECS service '${r.name}' gives its tasks public IPs (networkConfiguration.assignPublicIp is true).`);
    }
  },
});

export const ecsServiceCircuitBreaker = resourcePolicy({
  name: "paved-ecs-service-circuit-breaker",
  description: "ECS services use the deployment circuit breaker with rollback, so a bad image rolls back instead of crash-looping.",
  rationale: "Users' failure write-ups: crash-looping deployments; roll back automatically instead.",
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
      report(
        `ECS service '${r.name}' does not roll back failed deployments (deploymentCircuitBreaker is not { enable: true, rollback: true }).`,
      );
    }
  },
});

function kind(r: Res): string {
  return r.type === INSTANCE ? "Instance" : r.type === LAUNCH_TEMPLATE ? "Launch template" : "Launch configuration";
}

function usedBy(idx: Ec2Index, r: Res): string {
  const users = idx.usersOf(r);
  return users === "" ? "" : ` (used by ${users})`;
}

export const imdsv2 = stackPolicy({
  name: "paved-ec2-imdsv2",
  description:
    'EC2 instances, launch templates and launch configurations require IMDSv2 (httpTokens "required", or the endpoint disabled); an instance may inherit it ' +
    "from its launch template. Container hosts (ECS user data, or a template behind an ECS capacity provider) also keep httpPutResponseHopLimit at 1.",
  rationale:
    "IMDSv1 lets an SSRF bug steal the instance role's credentials; on a container host, a hop limit above 1 lets every container reach the host's metadata and its role.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 } on the launch template (or instance / launch configuration); ' +
    "containers get credentials from their task role, not the host's metadata.",
  types: [INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, ASG, CAPACITY_PROVIDER],
  validate(resources, _config, report) {
    if (!resources.some((r) => EC2_TYPES.includes(r.type))) {
      return;
    }
    const idx = new Ec2Index(resources);
    for (const r of resources) {
      if (!EC2_TYPES.includes(r.type)) {
        continue;
      }
      const mo = metadataOptions(r);
      if (mo.unknown) {
        continue;
      }
      if (r.type === INSTANCE && !mo.set && mo.endpoint !== "disabled") {
        const ref = idx.templateOf(r);
        if (ref.unknown) {
          continue;
        }
        if (ref.template) {
          continue; // inherits: the template is judged (and named with its users) on its own
        }
        if (ref.label !== undefined) {
          report(
            `Instance '${r.name}' launches from launch template '${ref.label}', which is not in this stack, and does not set metadataOptions.httpTokens "required" itself, so IMDSv1 may stay reachable.`,
            r.urn,
          );
          continue;
        }
      }
      if (!requiresImdsv2(r)) {
        const tokens =
          mo.tokens === undefined || mo.tokens === null
            ? "does not set metadataOptions.httpTokens"
            : `sets metadataOptions.httpTokens to '${mo.tokens}'`;
        report(`${kind(r)} '${r.name}'${usedBy(idx, r)} ${tokens}, so IMDSv1 stays reachable; set it to "required".`, r.urn);
        continue;
      }
      if (idx.containerHosts.has(r) && mo.endpoint !== "disabled") {
        const hop = asInt(mo.hopLimit);
        if (isUnknown(mo.hopLimit)) {
          continue;
        }
        if (hop === undefined) {
          report(
            `${kind(r)} '${r.name}'${usedBy(idx, r)} runs ECS container hosts but does not set metadataOptions.httpPutResponseHopLimit, so the AMI decides ` +
              "(Amazon Linux 2023 uses 2, which lets containers reach the host's credentials); set it to 1.",
            r.urn,
          );
        } else if (hop > 1) {
          report(
            `${kind(r)} '${r.name}'${usedBy(idx, r)} runs ECS container hosts with metadataOptions.httpPutResponseHopLimit ${hop}, so containers can reach the host's credentials; set it to 1.`,
            r.urn,
          );
        }
      }
    }
  },
});

/** Why an instance with a public IP is (or is not) the NAT-instance shape; undefined when it is one. */
function notNatInstance(idx: Ec2Index, r: Res): string | undefined {
  const sdc = r.props.sourceDestCheck;
  if (sdc !== false && sdc !== "false") {
    return "it is not a NAT instance (sourceDestCheck is not false)";
  }
  const problems: string[] = [];
  const pub = idx.subnetIsPublic(r);
  if (pub !== true) {
    problems.push(
      pub === false
        ? "its subnet has no route to an internet gateway"
        : "its subnet is not in this stack, so it cannot be shown to be public",
    );
  }
  const ref = idx.templateOf(r);
  const imds = requiresImdsv2(r) || (!metadataOptions(r).set && ref.template !== undefined && requiresImdsv2(ref.template));
  if (!imds) {
    problems.push("it does not require IMDSv2");
  }
  if (isKnownString(r.props.keyName) && r.props.keyName !== "") {
    problems.push(`it has the SSH key pair '${r.props.keyName}'`);
  }
  const { groups, unresolved } = idx.groupsOf(r);
  if (unresolved) {
    problems.push("not all of its security groups are in this stack");
  }
  for (const g of groups) {
    const rules = idx.ingressOf(g);
    if (rules.some((x) => x.publicSource)) {
      problems.push(`its security group '${g.name}' allows ingress from the internet`);
    } else if (rules.some(opensSsh)) {
      problems.push(`its security group '${g.name}' allows SSH (port 22)`);
    }
  }
  return problems.length === 0 ? undefined : `it has sourceDestCheck false like a NAT instance, but ${joinWords(problems)}`;
}

export const ec2NoPublicIp = stackPolicy({
  name: "paved-ec2-no-public-ip",
  description:
    "EC2 instances, launch templates and launch configurations get no public IP, unless allowPublicIp is configured or the instance has exactly the NAT-instance shape: " +
    "sourceDestCheck false, a subnet routed to an internet gateway, IMDSv2 required, no key pair, and security groups (all in the stack) with no internet ingress and no SSH rule.",
  rationale:
    "Users' failure write-ups: an EC2 box with a public IP serving everything. A NAT instance needs its public IP, and is safe with it only when nothing can reach it from the internet.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set associatePublicIpAddress: false, place instances in private subnets and reach them through SSM Session Manager. " +
    "A NAT instance keeps its public IP: set sourceDestCheck: false, put it in a public subnet, require IMDSv2, drop keyName and allow ingress only from the VPC's private ranges.",
  types: [
    INSTANCE,
    LAUNCH_TEMPLATE,
    LAUNCH_CONFIGURATION,
    SUBNET,
    ROUTE_TABLE,
    ROUTE,
    ROUTE_TABLE_ASSOCIATION,
    INTERNET_GATEWAY,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SECURITY_GROUP_INGRESS_RULE,
  ],
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
    let idx: Ec2Index | undefined;
    for (const r of resources) {
      if (!EC2_TYPES.includes(r.type)) {
        continue;
      }
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
      idx ??= new Ec2Index(resources);
      let why = "";
      if (r.type === INSTANCE) {
        const notNat = notNatInstance(idx, r);
        if (notNat === undefined) {
          continue;
        }
        why = `; ${notNat}`;
      }
      report(`${kind(r)} '${r.name}'${usedBy(idx, r)} gets a public IP (${joinWords(where)})${why}.`, r.urn);
    }
  },
});

function encryptedOrDefault(v: unknown): boolean {
  return isTrue(v);
}

export const ebsEncrypted = stackPolicy({
  name: "paved-ebs-encrypted",
  description:
    "EBS volumes and every block device of instances, launch templates and launch configurations are encrypted, the root volume included " +
    "(a root volume left to the AMI counts as unencrypted), unless the stack enables aws.ebs.EncryptionByDefault.",
  rationale:
    "Volumes and their snapshots must be unreadable without KMS access; an AMI's snapshot settings are outside the stack's control.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set encrypted: true (and kmsKeyId) on every volume and block device, including rootBlockDevice on instances and launch configurations and a " +
    "blockDeviceMappings entry for the root device on launch templates; or add aws.ebs.EncryptionByDefault { enabled: true } to the stack.",
  types: [EBS_VOLUME, INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, EBS_ENCRYPTION_BY_DEFAULT],
  validate(resources, _config, report) {
    if (!resources.some((r) => r.type === EBS_VOLUME || EC2_TYPES.includes(r.type))) {
      return;
    }
    const idx = new Ec2Index(resources);
    if (idx.encryptionByDefault !== false) {
      return; // AWS encrypts every new volume in the account and region (or we cannot tell yet)
    }
    for (const r of resources) {
      if (r.type !== EBS_VOLUME && !EC2_TYPES.includes(r.type)) {
        continue;
      }
      const problems: string[] = [];
      const check = (where: string, enc: unknown) => {
        if (!isUnknown(enc) && !encryptedOrDefault(enc)) {
          problems.push(`${where} is not encrypted`);
        }
      };
      if (r.type === EBS_VOLUME) {
        if (isKnownNotTrue(r.props.encrypted)) {
          report(
            `EBS volume '${r.name}' is not encrypted (encrypted is ${r.props.encrypted === undefined ? "not set" : String(r.props.encrypted)}).`,
            r.urn,
          );
        }
        continue;
      }
      if (r.type === LAUNCH_TEMPLATE) {
        const mappings = asArray(r.props.blockDeviceMappings);
        if (isUnknown(r.props.blockDeviceMappings)) {
          continue;
        }
        const ebs = mappings.filter((m) => m?.ebs && typeof m.ebs === "object");
        if (ebs.length === 0 && mappings.every((m) => !isKnownString(m?.virtualName))) {
          problems.push("the root volume's encryption is left to the AMI (no blockDeviceMappings entry with ebs.encrypted)");
        }
        mappings.forEach((m, i) => {
          if (m?.ebs && typeof m.ebs === "object") {
            check(`blockDeviceMappings[${i}] (${isKnownString(m.deviceName) ? m.deviceName : "no deviceName"})`, m.ebs.encrypted);
          }
        });
      } else {
        const root = r.props.rootBlockDevice;
        const rootObj = Array.isArray(root) ? root[0] : root;
        if (isUnknown(root)) {
          // preview: not known yet
        } else if (rootObj && typeof rootObj === "object") {
          check("rootBlockDevice", rootObj.encrypted);
        } else if (r.type === INSTANCE) {
          const ref = idx.templateOf(r);
          if (ref.unknown || ref.template) {
            // inherits the template's block devices; the template is judged on its own
          } else if (ref.label !== undefined) {
            problems.push(
              `it sets no rootBlockDevice and launches from launch template '${ref.label}', which is not in this stack, so the root volume's encryption cannot be verified`,
            );
          } else {
            problems.push("the root volume's encryption is left to the AMI (no rootBlockDevice with encrypted: true)");
          }
        } else {
          problems.push("the root volume's encryption is left to the AMI (no rootBlockDevice with encrypted: true)");
        }
        asArray(r.props.ebsBlockDevices).forEach((d, i) =>
          check(`ebsBlockDevices[${i}] (${isKnownString(d?.deviceName) ? d.deviceName : "no deviceName"})`, d?.encrypted),
        );
      }
      if (problems.length > 0) {
        report(`${kind(r)} '${r.name}'${usedBy(idx, r)}: ${joinWords(problems)}.`, r.urn);
      }
    }
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
];

export const computeStackPolicies = [imdsv2, ec2NoPublicIp, ebsEncrypted];
