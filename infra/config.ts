/**
 * Typed, validated configuration for the paved program.
 *
 * Every size, count and toggle lives here as one entry of CONFIG_KEYS. The same
 * table is declared in Pulumi.yaml (`config:` block, checked by a test) so the
 * Pulumi CLI and this module agree on types and defaults. Per-stack values live in
 * Pulumi.<stack>.yaml under the `paved:` namespace.
 *
 * A bad value fails the plan before any resource is built, with a message that
 * names the key, the value and what is allowed — a wrong instance class or a 7-day
 * backup window must never get as far as an AWS API call.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkInstanceTypeName, ec2Sizing, Ec2SizingError } from "./ec2-sizing";
import { currentRuntimeOptions, isRealRun, type RuntimeOptions } from "./runtime";
import { checkRdsInstanceClass } from "./rds-classes";

/** The config namespace (= Pulumi project name). */
export const NAMESPACE = "paved";

type KeyType = "string" | "integer" | "boolean";

interface KeySpec<T> {
    type: KeyType;
    /** Default used when the stack does not set the key (mirrored in Pulumi.yaml). */
    default: T;
    description: string;
    /** Allowed values (enumerations). */
    allowed?: readonly T[];
    /** Inclusive numeric range. */
    min?: number;
    max?: number;
    /** Extra check; returns an error text or undefined. */
    check?: (v: T) => string | undefined;
}

const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** TLS 1.2+ ALB policies we accept (TLS 1.0/1.1 policies are refused). */
export const ALLOWED_SSL_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
] as const;

/** Valid Fargate memory (MiB) per CPU unit setting. */
export const FARGATE_MEMORY: Record<number, number[]> = {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
    4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

const str = (def: string, description: string, extra: Partial<KeySpec<string>> = {}): KeySpec<string> => ({ type: "string", default: def, description, ...extra });
const int = (def: number, description: string, extra: Partial<KeySpec<number>> = {}): KeySpec<number> => ({ type: "integer", default: def, description, ...extra });
const bool = (def: boolean, description: string): KeySpec<boolean> => ({ type: "boolean", default: def, description });

/**
 * Every project config key. Keys without a meaningful default use "" (unset).
 * Order here is the order of the README table and of Pulumi.yaml.
 */
export const CONFIG_KEYS = {
    environment: str("", "Deployment tier; prod turns on Multi-AZ, deletion protection, final snapshots and Pulumi protect", { allowed: ["staging", "prod"] }),
    // --- network
    vpcCidr: str("10.0.0.0/16", "VPC IPv4 CIDR (a /16 to /20 private range)", {
        check: (v) => /^(10|172|192)\.\d{1,3}\.\d{1,3}\.\d{1,3}\/(1[6-9]|20)$/.test(v) ? undefined : "must be a private IPv4 CIDR with a /16 to /20 prefix, e.g. 10.0.0.0/16",
    }),
    azCount: int(2, "Availability zones to span (at least 2)", { min: 2, max: 3 }),
    natGateways: str("single", "NAT gateways: one shared (single) or one per AZ (perAz)", { allowed: ["single", "perAz"] }),
    // Cost lever for non-prod (refused for prod): a NAT instance costs ~$7/month against ~$37 for a
    // NAT gateway, but it is one instance in one AZ (egress stops while it is down) that you patch.
    natMode: str("gateway", "Egress for the private subnets: managed NAT gateways (gateway) or one hardened Amazon Linux 2023 NAT instance (instance, non-prod only)", { allowed: ["gateway", "instance"] }),
    natInstanceType: str("t4g.nano", "EC2 type of the NAT instance when natMode=instance", {
        check: (v) => /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v) ? undefined : "must be an EC2 instance type such as t4g.nano",
    }),
    // Cost lever: one KMS key per data class instead of one per purpose. Changing it on an existing
    // stack replaces the database and the ECR repository (their key cannot change in place): see docs/cost.md.
    kmsKeys: str("perPurpose", "KMS key layout: one key per purpose (perPurpose: logs, database, secrets, storage, image) or one per data class (perDataClass: logs for logs and alarms, data for database, secrets, attachments and images)", { allowed: ["perPurpose", "perDataClass"] }),
    // --- image
    imagePlatform: str("linux/amd64", "Platform the app image is built for and the tasks run on (Fargate, or the EC2 hosts' AMI and instance type)", { allowed: ["linux/amd64", "linux/arm64"] }),
    baseImage: str("", "BASE_IMAGE build arg for app/Dockerfile; empty keeps the Dockerfile's default"),
    buildOnPreview: bool(true, "Build the image during `pulumi preview` so CI previews catch broken images"),
    ecrKeepImages: int(30, "Tagged images the ECR lifecycle policy keeps", { min: 5, max: 1000 }),
    // --- database
    dbEngineVersion: str("16", "PostgreSQL major version", { allowed: ["16", "17"] }),
    dbInstanceClass: str("db.t4g.medium", "RDS instance class, offered for dbEngineVersion (infra/reference/rds-postgres-instance-classes.json)", {
        check: (v) => /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(v) ? undefined : "must look like db.<family>.<size>, e.g. db.t4g.medium",
    }),
    dbAllocatedStorageGb: int(20, "Initial gp3 storage (GiB)", { min: 20, max: 65536 }),
    dbMaxAllocatedStorageGb: int(100, "Storage autoscaling ceiling (GiB, at least 1.1 × dbAllocatedStorageGb, as RDS requires)", { min: 22, max: 65536 }),
    dbMultiAz: bool(false, "Multi-AZ standby (must be true for environment=prod)"),
    dbBackupRetentionDays: int(30, "Automated backup retention in days (30 to 35)", { min: 30, max: 35 }),
    dbDeletionProtection: bool(false, "RDS deletion protection (must be true for environment=prod)"),
    dbSkipFinalSnapshot: bool(false, "Skip the final snapshot on delete (staging only; refused for prod)"),
    dbName: str("paved", "Database name the app uses", {
        check: (v) => /^[a-z][a-z0-9_]{0,62}$/.test(v) ? undefined : "must start with a lowercase letter and contain only a-z, 0-9, _",
    }),
    dbAppUsername: str("paved_app", "The app's own database role (least privilege, RDS IAM authentication); created by the db-init step", {
        check: (v) => /^[a-z_][a-z0-9_]{0,62}$/.test(v) && !["postgres", "rdsadmin", "rds_iam", "public"].includes(v) ? undefined : "must be a lowercase PostgreSQL role name (a-z, 0-9, _) and not a reserved one",
    }),
    dbMasterUsername: str("paved_admin", "RDS master user name (its password is generated and kept by RDS in Secrets Manager)", {
        check: (v) => /^[a-z][a-z0-9_]{0,15}$/.test(v) && !["admin", "postgres", "rdsadmin"].includes(v) ? undefined : "must be 1-16 chars of a-z, 0-9, _ starting with a letter, and not a reserved name (admin, postgres, rdsadmin)",
    }),
    dbMonitoringIntervalSeconds: int(60, "Enhanced monitoring interval in seconds", { allowed: [1, 5, 10, 15, 30, 60] }),
    dbPerformanceInsightsRetentionDays: int(7, "Performance Insights retention (7, or a multiple of 31 up to 731)", {
        check: (v) => v === 7 || (v % 31 === 0 && v >= 31 && v <= 731) || v === 731 ? undefined : "must be 7, 731 or a multiple of 31 between 31 and 713",
    }),
    dbConnectionsAlarmThreshold: int(200, "DatabaseConnections alarm threshold", { min: 1, max: 100000 }),
    // An absolute floor, not a share of the *initial* size: storage autoscaling grows the volume,
    // after which "10 % of what we started with" means almost full. GiB left is what tells you how
    // long you have at your growth rate, whatever the volume has grown to.
    dbFreeStorageAlarmGb: int(10, "Alarm when RDS free storage falls below this many GiB (an absolute floor that keeps its meaning after storage autoscaling; below dbAllocatedStorageGb)", { min: 1, max: 65536 }),
    // --- service
    // Cost lever: Container Insights publishes ~20 custom metrics plus performance logs per cluster (~$6.50/month).
    containerInsights: bool(true, "ECS Container Insights on the cluster (per-task CPU/memory/network metrics); false keeps the service's standard metrics only"),
    taskCpu: int(512, "Task CPU units (Fargate sizes; with compute=ec2 the task must also fit the instance type)", { allowed: [256, 512, 1024, 2048, 4096] }),
    taskMemoryMib: int(1024, "Fargate task memory (MiB, must be valid for taskCpu)", { min: 512, max: 30720 }),
    desiredCount: int(2, "Tasks at first deploy (autoscaling owns it afterwards)", { min: 1, max: 100 }),
    minCapacity: int(2, "Autoscaling minimum tasks", { min: 1, max: 100 }),
    maxCapacity: int(4, "Autoscaling maximum tasks", { min: 1, max: 100 }),
    cpuTargetPercent: int(60, "Target-tracking CPU utilisation (%)", { min: 10, max: 90 }),
    memoryTargetPercent: int(70, "Target-tracking memory utilisation (%)", { min: 10, max: 90 }),
    requestsPerTarget: int(1000, "Target-tracking ALB requests per target per minute", { min: 10, max: 100000 }),
    healthCheckGraceSeconds: int(60, "ECS health-check grace period after a task starts (s)", { min: 0, max: 600 }),
    // On by default so a release can never reach users ahead of its schema; off = the manual
    // one-off `<name>-migrate` task (e.g. for migrations that must be run in a maintenance window).
    migrateOnDeploy: bool(true, "Run database migrations in every app task before the app starts (a non-essential `migrate` container the app depends on with SUCCESS); false = run the `<name>-migrate` task by hand"),
    migrateGraceSeconds: int(300, "Extra health-check grace for the migrate step (s), added to healthCheckGraceSeconds when migrateOnDeploy is true", { min: 0, max: 3600 }),
    logLevel: str("info", "App LOG_LEVEL", { allowed: ["fatal", "error", "warn", "info", "debug", "trace"] }),
    // Deliberate relaxation: ECS Exec opens an interactive shell path into tasks.
    enableEcsExec: bool(false, "Allow `aws ecs execute-command` into tasks (off by default; also makes the app container's root filesystem writable, which the SSM agent requires)"),
    // --- compute (EC2 capacity: docs/ec2.md; sizes checked against infra/reference/ec2-instance-types.json)
    compute: str("fargate", "Where the tasks run: fargate (AWS-managed capacity) or ec2 (the same task definition on an ECS capacity provider backed by an Auto Scaling group of hardened ECS-optimized hosts)", { allowed: ["fargate", "ec2"] }),
    ec2InstanceType: str("", "compute=ec2: host instance type from infra/reference/ec2-instance-types.json; empty = m6i.large (linux/amd64) or m7g.large (linux/arm64)", { check: checkInstanceTypeName }),
    ec2MinInstances: int(0, "compute=ec2: Auto Scaling group minimum; 0 = enough hosts for minCapacity tasks (at least 2 in prod)", { min: 0, max: 100 }),
    ec2MaxInstances: int(0, "compute=ec2: Auto Scaling group maximum; 0 = enough hosts for twice maxCapacity tasks (a rolling deploy at full scale)", { min: 0, max: 200 }),
    // Off by default: awsvpcTrunking is an account-wide, per-region ECS setting that outlives the
    // stack; turning it on here sets the account default (and keeps it on after a destroy).
    ec2EniTrunking: bool(false, "compute=ec2: turn on ECS ENI trunking (account setting awsvpcTrunking) so a host runs more awsvpc tasks than it has network interfaces; not supported by t3/t4g"),
    ec2RootVolumeGb: int(30, "compute=ec2: encrypted gp3 root volume per host (GiB; the ECS-optimized AL2023 AMI needs at least 30)", { min: 30, max: 1024 }),
    // Secure default. false is a deliberate relaxation for throw-away stacks: with ECS managed
    // termination protection the hosts are scale-in protected and `pulumi destroy` hangs on them.
    ec2TerminationProtection: bool(true, "compute=ec2: ECS managed termination protection (hosts running tasks are never scaled in; must be true for environment=prod); false lets `pulumi destroy` force-delete the hosts"),
    // --- load balancer / certificate
    domain: str("", "Public host name (e.g. app.example.com); with hostedZoneId, ACM issues a DNS-validated certificate", {
        check: (v) => v === "" || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v) ? undefined : "must be a lowercase DNS name such as app.example.com",
    }),
    hostedZoneId: str("", "Route 53 hosted zone id for domain (DNS validation and the alias record)", {
        check: (v) => v === "" || /^Z[A-Z0-9]{1,31}$/.test(v) ? undefined : "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
    }),
    certificateArn: str("", "Existing ACM certificate ARN for the HTTPS listener (instead of domain+hostedZoneId)", {
        check: (v) => v === "" || /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(v) ? undefined : "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
    }),
    sslPolicy: str("ELBSecurityPolicy-TLS13-1-2-2021-06", "HTTPS listener TLS policy (TLS 1.2+ only)", { allowed: ALLOWED_SSL_POLICIES }),
    hstsMaxAgeSeconds: int(31536000, "HSTS max-age injected by the HTTPS listener (at least one year)", { min: 31536000, max: 63072000 }),
    albDeletionProtection: bool(false, "ALB deletion protection (must be true for environment=prod)"),
    // One value for both ends of the ALB→app connection: the app keeps idle connections open this
    // long (KEEP_ALIVE_TIMEOUT_SECONDS) and the ALB's idle timeout is KEEP_ALIVE_MARGIN_SECONDS
    // shorter, so the ALB always closes first; the other way round gives intermittent 502s.
    keepAliveSeconds: int(65, "App HTTP keep-alive timeout (s); the ALB idle timeout is derived as keepAliveSeconds - 5, always below it", { min: 10, max: 4005 }),
    // --- storage
    noncurrentVersionDays: int(30, "Days before noncurrent attachment versions expire", { min: 1, max: 3650 }),
    destroyWithContents: bool(false, "Let `pulumi destroy` delete the S3 buckets (every object version) and the ECR repository (every image) with their contents (throw-away stacks only; refused for prod)"),
    accessLogRetentionDays: int(90, "Days ALB access logs are kept", { min: 1, max: 3650 }),
    // --- observability
    logRetentionDays: int(30, "CloudWatch log retention for app, flow and RDS logs (days)", { allowed: CLOUDWATCH_RETENTION_DAYS }),
    alarmEmail: str("", "E-mail subscribed to the alarm topic (confirm the e-mail AWS sends); prod needs this or alarmHttpsEndpoint", {
        check: (v) => v === "" || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : "must be an e-mail address",
    }),
    alarmHttpsEndpoint: str("", "HTTPS endpoint (e.g. a paging service's webhook) subscribed to the alarm topic; it must confirm the subscription", {
        check: (v) => v === "" || /^https:\/\/[a-z0-9.-]+(:\d+)?(\/\S*)?$/i.test(v) ? undefined : "must be an https:// URL",
    }),
    latencyP99AlarmSeconds: int(2, "Target p99 response time alarm threshold (s)", { min: 1, max: 60 }),
    error5xxAlarmPercent: int(5, "ALB 5xx rate alarm threshold (% of requests)", { min: 1, max: 100 }),
} satisfies Record<string, KeySpec<any>>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
type ValueOf<K extends ConfigKey> = (typeof CONFIG_KEYS)[K]["default"];

/** RFC 2606 example/reserved names: what the shipped stack files carry until a team sets its own. */
const EXAMPLE_HOST = /(^|\.)(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid))$/i;

/** The placeholder values a stack still carries: key → the `pulumi config set` command that replaces it. */
export function placeholderKeys(get: (key: string) => string | undefined, stack: string): { key: string; value: string; fix: string }[] {
    const host = (url: string) => { try { return new URL(url).hostname; } catch { return ""; } };
    const checks: [ConfigKey, (v: string) => boolean, string][] = [
        ["domain", (v) => EXAMPLE_HOST.test(v), "<your host name, e.g. app.yourcompany.com>"],
        ["hostedZoneId", (v) => /EXAMPLE/i.test(v), "<the Route 53 hosted zone id of that domain>"],
        ["certificateArn", (v) => /EXAMPLE|:123456789012:/i.test(v), "<your ACM certificate ARN>"],
        ["alarmEmail", (v) => EXAMPLE_HOST.test(v.split("@").pop() ?? ""), "<your on-call e-mail address>"],
        ["alarmHttpsEndpoint", (v) => EXAMPLE_HOST.test(host(v)), "<your paging webhook https:// URL>"],
    ];
    const out: { key: string; value: string; fix: string }[] = [];
    for (const [key, isPlaceholder, hint] of checks) {
        const v = get(key);
        if (v && isPlaceholder(v)) out.push({ key: `${NAMESPACE}:${key}`, value: v, fix: `pulumi config set ${NAMESPACE}:${key} '${hint}' --stack ${stack}` });
    }
    return out;
}

/** The smallest storage ceiling RDS accepts for an allocated size: 110 %, rounded up to a whole GiB. */
export function minMaxAllocatedStorageGb(allocatedGb: number): number {
    return Math.ceil((allocatedGb * 110) / 100);
}

/** The ALB idle timeout is this much below the app's keep-alive timeout. */
export const KEEP_ALIVE_MARGIN_SECONDS = 5;
/** ALB idle timeout (s) derived from paved:keepAliveSeconds: strictly below the app's keep-alive. */
export function albIdleTimeoutSeconds(keepAliveSeconds: number): number {
    return keepAliveSeconds - KEEP_ALIVE_MARGIN_SECONDS;
}

/** Config keys that were replaced: setting one fails with the key that replaces it. */
const REPLACED_KEYS: Record<string, string> = {
    albIdleTimeoutSeconds: "paved:keepAliveSeconds (the ALB idle timeout is now derived from the app's keep-alive: keepAliveSeconds - 5)",
};

/** Stack names usable in AWS resource names: lowercase letters, digits, single hyphens. */
const STACK_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** `paved-<stack>-attachments-` must fit S3's 37-character bucket prefix limit. */
export const MAX_STACK_NAME_LENGTH = 37 - "paved--attachments-".length;

/** The validated configuration the components consume. */
export type AppConfig = { [K in ConfigKey]: ValueOf<K> extends boolean ? boolean : ValueOf<K> extends number ? number : string } & {
    /** Stack name (staging, prod, …). */
    stack: string;
    /** AWS region from `aws:region`. */
    region: string;
    isProd: boolean;
    /** Resource name prefix, e.g. paved-staging. */
    name: string;
    /**
     * One line per placeholder value (example domain, zone, e-mail, ...). Only ever non-empty
     * under mocks (the offline plan prints them); a real preview/up refuses placeholders.
     */
    warnings: string[];
};

/** Thrown for every invalid config value; the message names the key and the allowed values. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

function describeAllowed(spec: KeySpec<any>): string {
    if (spec.allowed) return `one of: ${spec.allowed.join(", ")}`;
    if (spec.type === "boolean") return "true or false";
    if (spec.type === "integer") return `an integer${spec.min !== undefined ? ` from ${spec.min}` : ""}${spec.max !== undefined ? ` to ${spec.max}` : ""}`;
    return "a string";
}

function parseValue(key: string, spec: KeySpec<any>, raw: string, stack: string): any {
    const fq = `${NAMESPACE}:${key}`;
    const bad = (why?: string) => new ConfigError(`Invalid config ${fq}=${JSON.stringify(raw)}: ${why ?? `must be ${describeAllowed(spec)}`}. Fix it with \`pulumi config set ${fq} <value>\` or in Pulumi.${stack}.yaml.`);
    let v: any;
    if (spec.type === "boolean") {
        if (raw !== "true" && raw !== "false") throw bad();
        v = raw === "true";
    } else if (spec.type === "integer") {
        if (!/^-?\d+$/.test(raw.trim())) throw bad();
        v = Number(raw);
    } else {
        v = raw;
    }
    if (spec.allowed && !spec.allowed.includes(v)) throw bad();
    if (typeof v === "number" && ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))) throw bad();
    const err = spec.check?.(v);
    if (err) throw bad(err);
    return v;
}

/**
 * Reads and validates every key. `get` returns the raw string value of a key in
 * the `paved` namespace (the Pulumi config by default; tests pass a map).
 */
export function loadConfig(get: (key: string) => string | undefined = (k) => new pulumi.Config(NAMESPACE).get(k), region?: string, stack: string = pulumi.getStack(), runtime: RuntimeOptions = currentRuntimeOptions()): AppConfig {
    const out: Record<string, any> = {};
    for (const [key, replacement] of Object.entries(REPLACED_KEYS)) {
        if (get(key) !== undefined) throw new ConfigError(`Config ${NAMESPACE}:${key} is no longer used: set ${replacement} instead, and remove the old key (\`pulumi config rm ${NAMESPACE}:${key}\`).`);
    }
    for (const [key, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec<any>][]) {
        const raw = get(key);
        out[key] = raw === undefined ? spec.default : parseValue(key, spec, String(raw), stack);
    }
    const c = out as AppConfig;
    const fail = (msg: string) => { throw new ConfigError(msg); };
    const awsRegion = region ?? new pulumi.Config("aws").get("region");
    if (!awsRegion) fail("Missing config aws:region: set it with `pulumi config set aws:region <region>` (e.g. us-east-1).");
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(awsRegion!)) fail(`Invalid config aws:region=${JSON.stringify(awsRegion)}: must be an AWS region such as us-east-1.`);

    // The stack name becomes part of AWS resource names (`paved-<stack>` prefix): the ALB name
    // (<= 32 chars), the S3 bucket prefixes (<= 37 chars, lowercase), the RDS identifier and
    // parameter group (letters, digits, single hyphens). A name AWS would refuse half-way through
    // `pulumi up` is refused here instead.
    if (!STACK_NAME.test(stack) || stack.length > MAX_STACK_NAME_LENGTH) {
        fail(`Invalid stack name ${JSON.stringify(stack)}: AWS resource names are derived from it, so it must be 1-${MAX_STACK_NAME_LENGTH} characters of lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. staging, prod, qa-eu). Create the stack with such a name: \`pulumi stack init <name>\` and Pulumi.<name>.yaml.`);
    }
    if (c.certificateArn !== "") {
        const certRegion = c.certificateArn.split(":")[3];
        // ALB listeners can only use an ACM certificate from their own region.
        if (certRegion !== awsRegion) fail(`Invalid config ${NAMESPACE}:certificateArn: the certificate is in ${certRegion} but the stack deploys to aws:region=${awsRegion}; an ALB can only use an ACM certificate from its own region. Request or import the certificate in ${awsRegion}, or use ${NAMESPACE}:domain + ${NAMESPACE}:hostedZoneId.`);
    }
    if (c.environment === "") fail(`Missing config ${NAMESPACE}:environment: must be one of: staging, prod. Set it in Pulumi.${stack}.yaml.`);
    const isProd = c.environment === "prod";

    // Cross-key rules. Prod hardening is not optional: each relaxation is refused by name.
    if (!FARGATE_MEMORY[c.taskCpu].includes(c.taskMemoryMib)) {
        fail(`Invalid config ${NAMESPACE}:taskMemoryMib=${c.taskMemoryMib}: with taskCpu=${c.taskCpu} it must be one of: ${FARGATE_MEMORY[c.taskCpu].join(", ")}.`);
    }
    if (c.minCapacity > c.maxCapacity) fail(`Invalid config ${NAMESPACE}:minCapacity=${c.minCapacity}: must be <= ${NAMESPACE}:maxCapacity (${c.maxCapacity}).`);
    if (c.desiredCount < c.minCapacity || c.desiredCount > c.maxCapacity) fail(`Invalid config ${NAMESPACE}:desiredCount=${c.desiredCount}: must be between ${NAMESPACE}:minCapacity (${c.minCapacity}) and ${NAMESPACE}:maxCapacity (${c.maxCapacity}).`);
    // RDS refuses MaxAllocatedStorage below 110 % of AllocatedStorage (equal values included).
    const minMax = minMaxAllocatedStorageGb(c.dbAllocatedStorageGb);
    if (c.dbMaxAllocatedStorageGb < minMax) fail(`Invalid config ${NAMESPACE}:dbMaxAllocatedStorageGb=${c.dbMaxAllocatedStorageGb}: RDS storage autoscaling needs it at least 10 % above ${NAMESPACE}:dbAllocatedStorageGb (${c.dbAllocatedStorageGb}), i.e. >= ${minMax}. Raise ${NAMESPACE}:dbMaxAllocatedStorageGb or lower ${NAMESPACE}:dbAllocatedStorageGb.`);
    const classProblem = checkRdsInstanceClass(c.dbInstanceClass, c.dbEngineVersion);
    if (classProblem) fail(`Invalid config ${NAMESPACE}:dbInstanceClass=${JSON.stringify(c.dbInstanceClass)} with ${NAMESPACE}:dbEngineVersion=${c.dbEngineVersion}: ${classProblem}. Fix it with \`pulumi config set ${NAMESPACE}:dbInstanceClass <class>\` or in Pulumi.${stack}.yaml.`);
    if (c.dbAppUsername === c.dbMasterUsername) fail(`Invalid config ${NAMESPACE}:dbAppUsername=${c.dbAppUsername}: must differ from ${NAMESPACE}:dbMasterUsername; the app never connects as the master user.`);
    if (c.dbFreeStorageAlarmGb >= c.dbAllocatedStorageGb) fail(`Invalid config ${NAMESPACE}:dbFreeStorageAlarmGb=${c.dbFreeStorageAlarmGb}: must be below ${NAMESPACE}:dbAllocatedStorageGb (${c.dbAllocatedStorageGb}), or the alarm fires as soon as the database exists.`);
    if (isProd) {
        if (!c.dbMultiAz) fail(`Invalid config ${NAMESPACE}:dbMultiAz=false: must be true when ${NAMESPACE}:environment=prod.`);
        if (!c.dbDeletionProtection) fail(`Invalid config ${NAMESPACE}:dbDeletionProtection=false: must be true when ${NAMESPACE}:environment=prod.`);
        if (c.dbSkipFinalSnapshot) fail(`Invalid config ${NAMESPACE}:dbSkipFinalSnapshot=true: prod always keeps a final snapshot; allowed: false.`);
        if (c.destroyWithContents) fail(`Invalid config ${NAMESPACE}:destroyWithContents=true: prod never deletes bucket contents or images on destroy; allowed: false.`);
        if (!c.albDeletionProtection) fail(`Invalid config ${NAMESPACE}:albDeletionProtection=false: must be true when ${NAMESPACE}:environment=prod.`);
        if (c.natMode !== "gateway") fail(`Invalid config ${NAMESPACE}:natMode=${c.natMode}: prod keeps managed NAT gateways (a NAT instance is a single point of failure for egress); allowed: gateway.`);
        if (c.minCapacity < 2) fail(`Invalid config ${NAMESPACE}:minCapacity=${c.minCapacity}: prod needs at least 2 tasks (one per AZ).`);
        // Without a subscriber the alarm topic publishes into the void: nobody hears about an outage.
        if (c.alarmEmail === "" && c.alarmHttpsEndpoint === "") {
            fail(`No alarm subscriber for stack "${stack}": prod needs ${NAMESPACE}:alarmEmail or ${NAMESPACE}:alarmHttpsEndpoint, or its alarms notify no one. Set one: \`pulumi config set ${NAMESPACE}:alarmEmail oncall@yourcompany.com --stack ${stack}\` (confirm the e-mail AWS sends).`);
        }
    }
    if (c.compute === "ec2") {
        if (isProd && !c.ec2TerminationProtection) fail(`Invalid config ${NAMESPACE}:ec2TerminationProtection=false: must be true when ${NAMESPACE}:environment=prod (hosts running tasks must never be scaled in).`);
        try {
            ec2Sizing(ec2SizingInput(c, isProd));
        } catch (e) {
            if (e instanceof Ec2SizingError) fail(`${e.message} (stack "${stack}": set it with \`pulumi config set\` or in Pulumi.${stack}.yaml)`);
            throw e;
        }
    }
    if ((c.domain === "") !== (c.hostedZoneId === "") && c.certificateArn === "") {
        fail(`Incomplete certificate config: ${NAMESPACE}:domain and ${NAMESPACE}:hostedZoneId must be set together (or set ${NAMESPACE}:certificateArn).`);
    }
    // A certificate source is mandatory: the ALB never serves the app over plain HTTP.
    const hasZoneCert = c.domain !== "" && c.hostedZoneId !== "";
    if (!hasZoneCert && c.certificateArn === "") {
        fail(`No certificate source for stack "${stack}": set ${NAMESPACE}:domain and ${NAMESPACE}:hostedZoneId (ACM certificate validated in Route 53) or ${NAMESPACE}:certificateArn (an existing ACM certificate). The HTTPS listener cannot be built without one.`);
    }
    // Placeholders (the stack files' example domain, zone and e-mail): the offline plan accepts them
    // with a warning per key; a real preview/up would build everything and then fail late (the
    // certificate never validates, alarms reach nobody), so it refuses them up front.
    const placeholders = placeholderKeys((k) => (typeof out[k] === "string" ? out[k] : undefined), stack);
    if (placeholders.length && isRealRun(runtime)) {
        fail(`Placeholder config in stack "${stack}": ${placeholders.map((p) => `${p.key}=${p.value}`).join(", ")} ${placeholders.length === 1 ? "is an example value" : "are example values"} from the shipped stack file; a real deployment would fail late (certificate validation, alarms nobody receives). Set your own:\n${placeholders.map((p) => `  ${p.fix}`).join("\n")}`);
    }
    const warnings = placeholders.map((p) => `warning: ${p.key}=${p.value} is a placeholder; a real pulumi preview/up refuses it. Set yours: ${p.fix}`);
    return { ...c, stack, region: awsRegion!, isProd, name: `paved-${stack}`, warnings };
}

/** The sizing inputs of compute=ec2 (infra/ec2-sizing.ts) from the validated config. */
export function ec2SizingInput(c: Pick<AppConfig, "ec2InstanceType" | "imagePlatform" | "taskCpu" | "taskMemoryMib" | "minCapacity" | "maxCapacity" | "ec2MinInstances" | "ec2MaxInstances" | "ec2EniTrunking">, isProd: boolean) {
    return {
        instanceType: c.ec2InstanceType, imagePlatform: c.imagePlatform, taskCpu: c.taskCpu, taskMemoryMib: c.taskMemoryMib,
        minCapacity: c.minCapacity, maxCapacity: c.maxCapacity, minInstances: c.ec2MinInstances, maxInstances: c.ec2MaxInstances,
        eniTrunking: c.ec2EniTrunking, isProd,
    };
}
