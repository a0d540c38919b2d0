/**
 * Typed, validated configuration for the paved program.
 *
 * Every size, count and toggle lives here as ONE entry of CONFIG_KEYS (type, default,
 * description, allowed values or range, check): the single declaration of a key. Validation
 * reads it, and `npm run docs` generates Pulumi.yaml's `config:` block and the reference
 * docs/config.md from it (a freshness test fails when they are stale). Per-stack values live
 * in Pulumi.<stack>.yaml under the `paved:` namespace; a key not declared here is refused
 * with the closest known one.
 *
 * A bad value fails the plan before any resource is built, with a message that
 * names the key, the value and what is allowed — a wrong instance class or a 7-day
 * backup window must never get as far as an AWS API call.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkInstanceTypeName, ec2Sizing, Ec2SizingError } from "./ec2-sizing";
import { closest } from "./offline/options";
import { HEALTH_PATH } from "./app";
import { currentRuntimeOptions, isRealRun, type RuntimeOptions } from "./runtime";
import { checkRdsInstanceClass } from "./rds-classes";
import { lowestFloor, TIER_NAMES, tierOf, type TierProfile } from "./tiers";
import { Naming } from "./components/naming";

/** The config namespace (= Pulumi project name). */
export const NAMESPACE = "paved";

type KeyType = "string" | "integer" | "boolean";

export interface KeySpec<T> {
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
  /**
   * For keys whose default does not pass `check` (e.g. ""): a value of the right format the
   * offline plan uses when the stack sets the key as `secure:` (it cannot decrypt it).
   */
  placeholder?: (region: string) => string;
}

const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
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

const str = (def: string, description: string, extra: Partial<KeySpec<string>> = {}): KeySpec<string> => ({
  type: "string",
  default: def,
  description,
  ...extra,
});
const int = (def: number, description: string, extra: Partial<KeySpec<number>> = {}): KeySpec<number> => ({
  type: "integer",
  default: def,
  description,
  ...extra,
});
const bool = (def: boolean, description: string): KeySpec<boolean> => ({ type: "boolean", default: def, description });

/**
 * Every project config key. Keys without a meaningful default use "" (unset).
 * Order here is the order of the README table and of Pulumi.yaml.
 */
export const CONFIG_KEYS = {
  environment: str(
    "",
    "Deployment tier (infra/tiers.ts); prod turns on Multi-AZ, deletion protection, final snapshots and Pulumi protect",
    { allowed: TIER_NAMES },
  ),
  // --- network
  vpcCidr: str("10.0.0.0/16", "VPC IPv4 CIDR (a /16 to /20 private range)", {
    check: (v) =>
      /^(10|172|192)\.\d{1,3}\.\d{1,3}\.\d{1,3}\/(1[6-9]|20)$/.test(v)
        ? undefined
        : "must be a private IPv4 CIDR with a /16 to /20 prefix, e.g. 10.0.0.0/16",
  }),
  azCount: int(2, "Availability zones to span (2 or 3)", { min: 2, max: 3 }),
  natGateways: str("single", "NAT gateways: one shared (single) or one per AZ (perAz)", { allowed: ["single", "perAz"] }),
  // Cost lever for non-prod (refused for prod): a NAT instance costs ~$7/month against ~$37 for a
  // NAT gateway, but it is one instance in one AZ (egress stops while it is down) that you patch.
  natMode: str(
    "gateway",
    "Egress for the private subnets: managed NAT gateways (gateway) or one hardened Amazon Linux 2023 NAT instance (instance, non-prod only)",
    { allowed: ["gateway", "instance"] },
  ),
  natInstanceType: str("t4g.nano", "EC2 type of the NAT instance when natMode=instance", {
    check: (v) => (/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v) ? undefined : "must be an EC2 instance type such as t4g.nano"),
  }),
  // Cost lever: one KMS key per data class instead of one per purpose. Changing it on an existing
  // stack replaces the database and the ECR repository (their key cannot change in place): see docs/cost.md.
  kmsKeys: str(
    "perPurpose",
    "KMS key layout: one key per purpose (perPurpose: logs, database, secrets, storage, image) or one per data class (perDataClass: logs for logs and alarms, data for database, secrets, attachments and images)",
    { allowed: ["perPurpose", "perDataClass"] },
  ),
  // --- app (the contract file describes the app; these override a field per stack)
  appContract: str(
    "app/paved.app.json",
    "The app contract (JSON, relative to the project): image build, port, health checks, migrations, environment (docs/your-app.md)",
    {
      check: (v) =>
        /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+\.json$/.test(v)
          ? undefined
          : "must be a .json file path relative to the project directory, e.g. app/paved.app.json",
    },
  ),
  appPort: int(0, "Container port for this stack; 0 keeps the contract's `port`", { min: 0, max: 65535 }),
  appHealthCheckPath: str("", "ALB health-check path for this stack; empty keeps the contract's `healthCheck.path`", {
    check: (v) => (v === "" || HEALTH_PATH.test(v) ? undefined : "must be an HTTP path starting with /, e.g. /health"),
  }),
  // --- image
  imagePlatform: str(
    "linux/amd64",
    "Platform the app image is built for and the tasks run on (Fargate, or the EC2 hosts' AMI and instance type)",
    { allowed: ["linux/amd64", "linux/arm64"] },
  ),
  baseImage: str("", "BASE_IMAGE build arg for app/Dockerfile; empty keeps the Dockerfile's default"),
  buildOnPreview: bool(true, "Build the image during `pulumi preview` so CI previews catch broken images"),
  ecrKeepImages: int(30, "Tagged images the ECR lifecycle policy keeps", { min: 5, max: 1000 }),
  // --- database
  dbEngineVersion: str("16", "PostgreSQL major version", { allowed: ["16", "17"] }),
  dbInstanceClass: str(
    "db.t4g.medium",
    "RDS instance class, offered for dbEngineVersion (infra/reference/rds-postgres-instance-classes.json)",
    {
      check: (v) => (/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(v) ? undefined : "must look like db.<family>.<size>, e.g. db.t4g.medium"),
    },
  ),
  dbAllocatedStorageGb: int(20, "Initial gp3 storage (GiB)", { min: 20, max: 65536 }),
  dbMaxAllocatedStorageGb: int(100, "Storage autoscaling ceiling (GiB, at least 1.1 × dbAllocatedStorageGb, as RDS requires)", {
    min: 22,
    max: 65536,
  }),
  dbMultiAz: bool(false, "Multi-AZ standby (must be true for environment=prod)"),
  dbBackupRetentionDays: int(
    lowestFloor("dbBackupRetentionDays"),
    `Automated backup retention in days (${lowestFloor("dbBackupRetentionDays")} to 35)`,
    { min: lowestFloor("dbBackupRetentionDays"), max: 35 },
  ),
  dbDeletionProtection: bool(false, "RDS deletion protection (must be true for environment=prod)"),
  dbSkipFinalSnapshot: bool(false, "Skip the final snapshot on delete (staging only; refused for prod)"),
  dbName: str("paved", "Database name the app uses", {
    check: (v) => (/^[a-z][a-z0-9_]{0,62}$/.test(v) ? undefined : "must start with a lowercase letter and contain only a-z, 0-9, _"),
  }),
  dbAppUsername: str("paved_app", "The app's own database role (least privilege, RDS IAM authentication); created by the db-init step", {
    check: (v) =>
      /^[a-z_][a-z0-9_]{0,62}$/.test(v) && !["postgres", "rdsadmin", "rds_iam", "public"].includes(v)
        ? undefined
        : "must be a lowercase PostgreSQL role name (a-z, 0-9, _) and not a reserved one",
  }),
  dbMasterUsername: str("paved_admin", "RDS master user name (its password is generated and kept by RDS in Secrets Manager)", {
    check: (v) =>
      /^[a-z][a-z0-9_]{0,15}$/.test(v) && !["admin", "postgres", "rdsadmin"].includes(v)
        ? undefined
        : "must be 1-16 chars of a-z, 0-9, _ starting with a letter, and not a reserved name (admin, postgres, rdsadmin)",
  }),
  dbMonitoringIntervalSeconds: int(60, "Enhanced monitoring interval in seconds", { allowed: [1, 5, 10, 15, 30, 60] }),
  dbPerformanceInsightsRetentionDays: int(7, "Performance Insights retention (7, or a multiple of 31 up to 731)", {
    check: (v) =>
      v === 7 || (v % 31 === 0 && v >= 31 && v <= 731) || v === 731 ? undefined : "must be 7, 731 or a multiple of 31 between 31 and 713",
  }),
  dbConnectionsAlarmThreshold: int(200, "DatabaseConnections alarm threshold", { min: 1, max: 100000 }),
  // An absolute floor, not a share of the *initial* size: storage autoscaling grows the volume,
  // after which "10 % of what we started with" means almost full. GiB left is what tells you how
  // long you have at your growth rate, whatever the volume has grown to.
  dbFreeStorageAlarmGb: int(
    10,
    "Alarm when RDS free storage falls below this many GiB (an absolute floor that keeps its meaning after storage autoscaling; below dbAllocatedStorageGb)",
    { min: 1, max: 65536 },
  ),
  // --- service
  // Cost lever: Container Insights publishes ~20 custom metrics plus performance logs per cluster (~$6.50/month).
  containerInsights: bool(
    true,
    "ECS Container Insights on the cluster (per-task CPU/memory/network metrics); false keeps the service's standard metrics only",
  ),
  taskCpu: int(512, "Task CPU units (Fargate sizes; with compute=ec2 the task must also fit the instance type)", {
    allowed: [256, 512, 1024, 2048, 4096],
  }),
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
  migrateOnDeploy: bool(
    true,
    "Run database migrations in every app task before the app starts (a non-essential `migrate` container the app depends on with SUCCESS); false = run the `<name>-migrate` task by hand",
  ),
  migrateGraceSeconds: int(
    300,
    "Extra health-check grace for the migrate step (s), added to healthCheckGraceSeconds when migrateOnDeploy is true",
    { min: 0, max: 3600 },
  ),
  rateLimitPerMinute: int(
    300,
    "App RATE_LIMIT_PER_MINUTE: API requests per minute per client IP, counted by each task separately (N tasks allow up to N times this)",
    { min: 1, max: 1000000 },
  ),
  logLevel: str("info", "App LOG_LEVEL", { allowed: ["fatal", "error", "warn", "info", "debug", "trace"] }),
  // Deliberate relaxation: ECS Exec opens an interactive shell path into tasks.
  enableEcsExec: bool(
    false,
    "Allow `aws ecs execute-command` into tasks (off by default; also makes the app container's root filesystem writable, which the SSM agent requires, so the pack's paved-ecs-readonly-root-filesystem blocks it until you record an expiring exemption: `npm run policy -- exempt paved-ecs-readonly-root-filesystem service-app --reason \"...\" --expires YYYY-MM-DD --stack <stack>`)",
  ),
  // --- compute (EC2 capacity: docs/ec2.md; sizes checked against infra/reference/ec2-instance-types.json)
  compute: str(
    "fargate",
    "Where the tasks run: fargate (AWS-managed capacity) or ec2 (the same task definition on an ECS capacity provider backed by an Auto Scaling group of hardened ECS-optimized hosts)",
    { allowed: ["fargate", "ec2"] },
  ),
  ec2InstanceType: str(
    "",
    "compute=ec2: host instance type from infra/reference/ec2-instance-types.json; empty = m6i.large (linux/amd64) or m7g.large (linux/arm64)",
    { check: checkInstanceTypeName },
  ),
  ec2MinInstances: int(0, "compute=ec2: Auto Scaling group minimum; 0 = enough hosts for minCapacity tasks (at least 2 in prod)", {
    min: 0,
    max: 100,
  }),
  ec2MaxInstances: int(
    0,
    "compute=ec2: Auto Scaling group maximum; 0 = enough hosts for twice maxCapacity tasks (a rolling deploy at full scale)",
    { min: 0, max: 200 },
  ),
  // Off by default: awsvpcTrunking is an account-wide, per-region ECS setting that outlives the
  // stack; turning it on here sets the account default (and keeps it on after a destroy).
  ec2EniTrunking: bool(
    false,
    "compute=ec2: turn on ECS ENI trunking (account setting awsvpcTrunking) so a host runs more awsvpc tasks than it has network interfaces; not supported by t3/t4g",
  ),
  ec2RootVolumeGb: int(30, "compute=ec2: encrypted gp3 root volume per host (GiB; the ECS-optimized AL2023 AMI needs at least 30)", {
    min: 30,
    max: 1024,
  }),
  // Secure default. false is a deliberate relaxation for throw-away stacks: with ECS managed
  // termination protection the hosts are scale-in protected and `pulumi destroy` hangs on them.
  ec2TerminationProtection: bool(
    true,
    "compute=ec2: ECS managed termination protection (hosts running tasks are never scaled in; must be true for environment=prod); false lets `pulumi destroy` force-delete the hosts",
  ),
  // --- load balancer / certificate
  domain: str("", "Public host name (e.g. app.example.com); with hostedZoneId, ACM issues a DNS-validated certificate", {
    check: (v) =>
      v === "" || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v)
        ? undefined
        : "must be a lowercase DNS name such as app.example.com",
    placeholder: () => "offline-placeholder.example.com",
  }),
  hostedZoneId: str("", "Route 53 hosted zone id for domain (DNS validation and the alias record)", {
    check: (v) => (v === "" || /^Z[A-Z0-9]{1,31}$/.test(v) ? undefined : "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
    placeholder: () => "Z0FFLINEPLACEHOLDER",
  }),
  certificateArn: str("", "Existing ACM certificate ARN for the HTTPS listener (instead of domain+hostedZoneId)", {
    check: (v) =>
      v === "" || /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(v)
        ? undefined
        : "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
    placeholder: (region) => `arn:aws:acm:${region}:123456789012:certificate/offline-placeholder`,
  }),
  sslPolicy: str("ELBSecurityPolicy-TLS13-1-2-2021-06", "HTTPS listener TLS policy (TLS 1.2+ only)", { allowed: ALLOWED_SSL_POLICIES }),
  hstsMaxAgeSeconds: int(31536000, "HSTS max-age injected by the HTTPS listener (at least one year)", {
    min: lowestFloor("hstsMaxAgeSeconds"),
    max: 63072000,
  }),
  albDeletionProtection: bool(false, "ALB deletion protection (must be true for environment=prod)"),
  // One value for both ends of the ALB→app connection: the app keeps idle connections open
  // KEEP_ALIVE_MARGIN_SECONDS longer (KEEP_ALIVE_TIMEOUT_SECONDS in the app contract), so the
  // ALB always closes an idle connection first; the other way round gives intermittent 502s.
  albIdleTimeoutSeconds: int(
    60,
    "ALB idle timeout (s); the app's keep-alive (KEEP_ALIVE_TIMEOUT_SECONDS) is set 5 s longer, so the ALB always closes an idle connection first",
    { min: 1, max: 4000 },
  ),
  // --- storage
  noncurrentVersionDays: int(30, "Days before noncurrent attachment versions expire", { min: 1, max: 3650 }),
  destroyWithContents: bool(
    false,
    "Let `pulumi destroy` delete the S3 buckets (every object version) and the ECR repository (every image) with their contents (throw-away stacks only; refused for prod)",
  ),
  accessLogRetentionDays: int(90, "Days ALB access logs are kept", { min: 1, max: 3650 }),
  // --- observability
  logRetentionDays: int(30, "CloudWatch log retention for app, flow and RDS logs (days)", { allowed: CLOUDWATCH_RETENTION_DAYS }),
  alarmEmail: str("", "E-mail subscribed to the alarm topic (confirm the e-mail AWS sends); prod needs this or alarmHttpsEndpoint", {
    check: (v) => (v === "" || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : "must be an e-mail address"),
    placeholder: () => "offline-placeholder@example.com",
  }),
  alarmHttpsEndpoint: str(
    "",
    "HTTPS endpoint (e.g. a paging service's webhook) subscribed to the alarm topic; it must confirm the subscription",
    {
      check: (v) => (v === "" || /^https:\/\/[a-z0-9.-]+(:\d+)?(\/\S*)?$/i.test(v) ? undefined : "must be an https:// URL"),
    },
  ),
  latencyP99AlarmSeconds: int(2, "Target p99 response time alarm threshold (s)", { min: 1, max: 60 }),
  error5xxAlarmPercent: int(5, "ALB 5xx rate alarm threshold (% of requests)", { min: 1, max: 100 }),
  // --- delivery pipeline (infra/bootstrap): with the bootstrap's deploy roles, AWS refuses a role without it.
  permissionsBoundaryArn: str(
    "",
    "IAM permissions boundary (policy ARN) that every IAM role of the stack carries: the bootstrap program's permissionsBoundaryArn output; empty = none",
    {
      check: (v) =>
        v === "" || /^arn:aws[a-z-]*:iam::\d{12}:policy\/[\w+=,.@/-]{1,512}$/.test(v)
          ? undefined
          : "must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>), e.g. the bootstrap program's permissionsBoundaryArn output",
    },
  ),
} satisfies Record<string, KeySpec<any>>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
type ValueOf<K extends ConfigKey> = (typeof CONFIG_KEYS)[K]["default"];

/** RFC 2606 example/reserved names: what the shipped stack files carry until a team sets its own. */
const EXAMPLE_HOST = /(^|\.)(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid))$/i;

/** The placeholder values a stack still carries: key → the `pulumi config set` command that replaces it. */
export function placeholderKeys(get: (key: string) => string | undefined, stack: string): { key: string; value: string; fix: string }[] {
  const host = (url: string) => {
    try {
      return new URL(url).hostname;
    } catch {
      return "";
    }
  };
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
    if (v && isPlaceholder(v))
      out.push({ key: `${NAMESPACE}:${key}`, value: v, fix: `pulumi config set ${NAMESPACE}:${key} '${hint}' --stack ${stack}` });
  }
  return out;
}

/** The smallest storage ceiling RDS accepts for an allocated size: 110 %, rounded up to a whole GiB. */
export function minMaxAllocatedStorageGb(allocatedGb: number): number {
  return Math.ceil((allocatedGb * 110) / 100);
}

/** The app's keep-alive timeout is this much above the ALB idle timeout. */
export const KEEP_ALIVE_MARGIN_SECONDS = 5;
/** The app's HTTP keep-alive (s) for an ALB idle timeout: strictly above it, so the ALB closes first. */
export function appKeepAliveSeconds(albIdleTimeoutSeconds: number): number {
  return albIdleTimeoutSeconds + KEEP_ALIVE_MARGIN_SECONDS;
}

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
  /** The tier profile `environment` selects: floors, requirements, protect, deletion windows. */
  tier: TierProfile;
  /** Resource name prefix, e.g. paved-staging. */
  name: string;
  /** Keys the stack sets as `secure:` (encrypted) values. */
  secretKeys: string[];
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

export function describeAllowed(spec: KeySpec<any>): string {
  if (spec.allowed) return `one of: ${spec.allowed.join(", ")}`;
  if (spec.type === "boolean") return "true or false";
  if (spec.type === "integer")
    return `an integer${spec.min !== undefined ? ` from ${spec.min}` : ""}${spec.max !== undefined ? ` to ${spec.max}` : ""}`;
  return "a string";
}

/** Parses and checks one raw value: the typed value, or the problem (key, value, what is allowed, how to fix). */
function parseValue(key: string, spec: KeySpec<any>, raw: string, stack: string): { value?: any; problem?: string } {
  const fq = `${NAMESPACE}:${key}`;
  const bad = (why?: string) => ({
    problem: `Invalid config ${fq}=${JSON.stringify(raw)}: ${why ?? `must be ${describeAllowed(spec)}`}. Fix it with \`pulumi config set ${fq} <value>\` or in Pulumi.${stack}.yaml.`,
  });
  let v: any;
  if (spec.type === "boolean") {
    if (raw !== "true" && raw !== "false") return bad();
    v = raw === "true";
  } else if (spec.type === "integer") {
    if (!/^-?\d+$/.test(raw.trim())) return bad();
    v = Number(raw);
  } else {
    v = raw;
  }
  if (spec.allowed && !spec.allowed.includes(v)) return bad();
  if (typeof v === "number" && ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))) return bad();
  const err = spec.check?.(v);
  if (err) return bad(err);
  return { value: v };
}

/**
 * Where config values come from: the Pulumi config of the running stack (`pulumi up`, and the
 * offline plan, which sets the same config under mocks), or a map in tests.
 */
export interface ConfigSource {
  /** Raw string value of a key of the `paved` namespace (without the namespace). */
  get(key: string): string | undefined;
  /** Every key set in the `paved` namespace (without the namespace), to catch typos. */
  keys(): string[];
  /** Whether the value is a `secure:` (encrypted) one. */
  isSecret?(key: string): boolean;
}

// Not in the SDK's typings; the same module Config.get reads (stable across 3.x).

const runtimeConfig: { isConfigSecret(fqKey: string): boolean } = require("@pulumi/pulumi/runtime/config");

/** The running stack's config (what `pulumi up` and the offline plan pass the program). */
export function pulumiConfigSource(): ConfigSource {
  const config = new pulumi.Config(NAMESPACE);
  return {
    get: (k) => config.get(k),
    keys: () =>
      Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(`${NAMESPACE}:`))
        .map((k) => k.slice(NAMESPACE.length + 1)),
    isSecret: (k) => runtimeConfig.isConfigSecret(`${NAMESPACE}:${k}`),
  };
}

/** A config source over a plain map of `paved` keys (without the namespace). */
export function mapConfigSource(values: Record<string, string | undefined>, secretKeys: readonly string[] = []): ConfigSource {
  return {
    get: (k) => values[k],
    keys: () => Object.keys(values).filter((k) => values[k] !== undefined),
    isSecret: (k) => secretKeys.includes(k),
  };
}

/**
 * A value for a `secure:` key in the offline plan, which cannot decrypt it: one that satisfies
 * the key's format (so the plan runs the same code paths), never the real value.
 */
export function offlinePlaceholder(fqKey: string, region: string): string {
  const [ns, key] = fqKey.includes(":") ? fqKey.split(":", 2) : [NAMESPACE, fqKey];
  const spec = ns === NAMESPACE ? (CONFIG_KEYS as Record<string, KeySpec<any>>)[key] : undefined;
  // Every distinctive placeholder contains "placeholder": the plan marks what carries it as secret.
  if (!spec) return "offline-plan-placeholder";
  if (spec.placeholder) return spec.placeholder(region);
  if (spec.default !== "") return String(spec.default);
  if (spec.allowed) return String(spec.allowed[0]);
  return "offline-plan-placeholder";
}

/** Thrown when the config has problems: every problem found, one per line. */
export class ConfigErrors extends ConfigError {
  constructor(public readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} config problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Reads and validates every key and reports EVERY problem in one error (not just the first):
 * unknown `paved:` keys (with the closest known key), bad values, cross-key and prod rules.
 * `source` is the Pulumi config by default; a plain getter (key → raw value) is also accepted.
 */
export function loadConfig(
  source: ConfigSource | ((key: string) => string | undefined) = pulumiConfigSource(),
  region?: string,
  stack: string = pulumi.getStack(),
  runtime: RuntimeOptions = currentRuntimeOptions(),
): AppConfig {
  const src: ConfigSource = typeof source === "function" ? { get: source, keys: () => [] } : source;
  const problems: string[] = [];
  const fail = (msg: string) => {
    problems.push(msg);
  };
  const known = Object.keys(CONFIG_KEYS);
  for (const k of src.keys()) {
    if (known.includes(k)) continue;
    const near = closest(k, known);
    fail(
      `Unknown config ${NAMESPACE}:${k}${near ? ` (did you mean ${NAMESPACE}:${near}?)` : ""}: paved ignores no key silently. Fix the key in Pulumi.${stack}.yaml, or remove it with \`pulumi config rm ${NAMESPACE}:${k}\`. Every key: docs/config.md.`,
    );
  }

  const out: Record<string, any> = {};
  const invalid = new Set<string>();
  const secretKeys: string[] = [];
  // The tier first: its defaults stand in for keys the stack file leaves unset.
  const env = src.get("environment");
  const tier: TierProfile | undefined = env !== undefined && (TIER_NAMES as string[]).includes(env) ? tierOf(env) : undefined;
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec<any>][]) {
    const raw = src.get(key);
    if (raw !== undefined && src.isSecret?.(key)) secretKeys.push(key);
    if (raw === undefined) {
      out[key] = tier?.defaults[key as ConfigKey] ?? spec.default;
      continue;
    }
    const r = parseValue(key, spec, String(raw), stack);
    if (r.problem) {
      fail(r.problem);
      invalid.add(key);
      out[key] = spec.default;
    } else {
      out[key] = r.value;
    }
  }
  const c = out as AppConfig;
  /** A cross-key rule, checked only when every key it reads parsed (no follow-on noise from a bad value). */
  const rule = (keys: ConfigKey[], broken: boolean, msg: () => string) => {
    if (keys.some((k) => invalid.has(k))) return;
    if (broken) fail(msg());
  };
  const fq = (k: ConfigKey) => `${NAMESPACE}:${k}`;
  const kv = (k: ConfigKey) => `${fq(k)}=${c[k]}`;

  const awsRegion = region ?? new pulumi.Config("aws").get("region");
  if (!awsRegion) fail("Missing config aws:region: set it with `pulumi config set aws:region <region>` (e.g. us-east-1).");
  else if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(awsRegion))
    fail(`Invalid config aws:region=${JSON.stringify(awsRegion)}: must be an AWS region such as us-east-1.`);

  // The stack name becomes part of AWS resource names (`paved-<stack>` prefix): the ALB name
  // (<= 32 chars), the S3 bucket prefixes (<= 37 chars, lowercase), the RDS identifier and
  // parameter group (letters, digits, single hyphens). A name AWS would refuse half-way through
  // `pulumi up` is refused here instead.
  if (!STACK_NAME.test(stack) || stack.length > MAX_STACK_NAME_LENGTH) {
    fail(
      `Invalid stack name ${JSON.stringify(stack)}: AWS resource names are derived from it, so it must be 1-${MAX_STACK_NAME_LENGTH} characters of lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. staging, prod, qa-eu). Create the stack with such a name: \`pulumi stack init <name>\` and Pulumi.<name>.yaml.`,
    );
  }
  if (c.certificateArn !== "" && awsRegion) {
    const certRegion = c.certificateArn.split(":")[3];
    // ALB listeners can only use an ACM certificate from their own region.
    if (certRegion !== awsRegion)
      fail(
        `Invalid config ${NAMESPACE}:certificateArn: the certificate is in ${certRegion} but the stack deploys to aws:region=${awsRegion}; an ALB can only use an ACM certificate from its own region. Request or import the certificate in ${awsRegion}, or use ${NAMESPACE}:domain + ${NAMESPACE}:hostedZoneId.`,
      );
  }
  if (c.environment === "" && !invalid.has("environment"))
    fail(`Missing config ${NAMESPACE}:environment: must be one of: staging, prod. Set it in Pulumi.${stack}.yaml.`);

  // Cross-key rules. Each message names every key involved. Prod hardening is not optional:
  // each relaxation is refused by name.
  rule(
    ["taskCpu", "taskMemoryMib"],
    !FARGATE_MEMORY[c.taskCpu].includes(c.taskMemoryMib),
    () =>
      `Invalid config ${kv("taskMemoryMib")}: with ${kv("taskCpu")} it must be one of: ${FARGATE_MEMORY[c.taskCpu].join(", ")} (or change ${fq("taskCpu")}).`,
  );
  rule(
    ["minCapacity", "maxCapacity"],
    c.minCapacity > c.maxCapacity,
    () => `Invalid config ${kv("minCapacity")}: must be <= ${fq("maxCapacity")} (${c.maxCapacity}).`,
  );
  rule(
    ["desiredCount", "minCapacity", "maxCapacity"],
    c.minCapacity <= c.maxCapacity && (c.desiredCount < c.minCapacity || c.desiredCount > c.maxCapacity),
    () =>
      `Invalid config ${kv("desiredCount")}: must be between ${fq("minCapacity")} (${c.minCapacity}) and ${fq("maxCapacity")} (${c.maxCapacity}).`,
  );
  // RDS refuses MaxAllocatedStorage below 110 % of AllocatedStorage (equal values included).
  const minMax = minMaxAllocatedStorageGb(c.dbAllocatedStorageGb);
  rule(
    ["dbAllocatedStorageGb", "dbMaxAllocatedStorageGb"],
    c.dbMaxAllocatedStorageGb < minMax,
    () =>
      `Invalid config ${kv("dbMaxAllocatedStorageGb")}: RDS storage autoscaling needs it at least 10 % above ${fq("dbAllocatedStorageGb")} (${c.dbAllocatedStorageGb}), i.e. >= ${minMax}. Raise ${fq("dbMaxAllocatedStorageGb")} or lower ${fq("dbAllocatedStorageGb")}.`,
  );
  const classProblem = checkRdsInstanceClass(c.dbInstanceClass, c.dbEngineVersion);
  rule(
    ["dbInstanceClass", "dbEngineVersion"],
    classProblem !== undefined,
    () =>
      `Invalid config ${fq("dbInstanceClass")}=${JSON.stringify(c.dbInstanceClass)} with ${kv("dbEngineVersion")}: ${classProblem}. Fix it with \`pulumi config set ${fq("dbInstanceClass")} <class>\` or in Pulumi.${stack}.yaml.`,
  );
  rule(
    ["dbAppUsername", "dbMasterUsername"],
    c.dbAppUsername === c.dbMasterUsername,
    () => `Invalid config ${kv("dbAppUsername")}: must differ from ${fq("dbMasterUsername")}; the app never connects as the master user.`,
  );
  rule(
    ["dbFreeStorageAlarmGb", "dbAllocatedStorageGb"],
    c.dbFreeStorageAlarmGb >= c.dbAllocatedStorageGb,
    () =>
      `Invalid config ${kv("dbFreeStorageAlarmGb")}: must be below ${fq("dbAllocatedStorageGb")} (${c.dbAllocatedStorageGb}), or the alarm fires as soon as the database exists.`,
  );
  if (tier) {
    // The tier's floors and requirements (infra/tiers.ts): each relaxation refused by name.
    for (const [k, floor] of Object.entries(tier.floors) as [ConfigKey, number][]) {
      if (!(k in CONFIG_KEYS) || k === "ec2MinInstances") continue;
      rule([k], (c[k] as number) < floor, () =>
        k === "minCapacity"
          ? `Invalid config ${kv(k)}: ${tier.name} needs at least ${floor} tasks, one per AZ (${fq("environment")}=${tier.name}).`
          : `Invalid config ${kv(k)}: the ${tier.name} tier's floor is ${floor} (${fq("environment")}=${tier.name}, infra/tiers.ts); set it to ${floor} or more.`,
      );
    }
    for (const r of tier.requires) {
      if (r.onlyWith && String(c[r.onlyWith.key]) !== r.onlyWith.value) continue;
      rule(r.onlyWith ? [r.key, r.onlyWith.key] : [r.key], c[r.key] !== r.value, () => `Invalid config ${kv(r.key)}: ${r.why}`);
    }
    if (tier.alarmSubscriberRequired) {
      rule(
        ["alarmEmail", "alarmHttpsEndpoint"],
        c.alarmEmail === "" && c.alarmHttpsEndpoint === "",
        () =>
          `No alarm subscriber for stack "${stack}": ${tier.name} needs ${fq("alarmEmail")} or ${fq("alarmHttpsEndpoint")}, or its alarms notify no one. Set one: \`pulumi config set ${fq("alarmEmail")} oncall@yourcompany.com --stack ${stack}\` (confirm the e-mail AWS sends).`,
      );
    }
  }
  const ec2Keys: ConfigKey[] = [
    "compute",
    "ec2InstanceType",
    "imagePlatform",
    "taskCpu",
    "taskMemoryMib",
    "minCapacity",
    "maxCapacity",
    "ec2MinInstances",
    "ec2MaxInstances",
    "ec2EniTrunking",
    "ec2TerminationProtection",
  ];
  if (c.compute === "ec2" && !ec2Keys.some((k) => invalid.has(k))) {
    try {
      ec2Sizing(ec2SizingInput(c, tier ?? tierOf("staging")));
    } catch (e) {
      if (e instanceof Ec2SizingError)
        fail(`${e.message} (stack "${stack}": set it with \`pulumi config set\` or in Pulumi.${stack}.yaml)`);
      else throw e;
    }
  }
  const certKeys: ConfigKey[] = ["domain", "hostedZoneId", "certificateArn"];
  if (!certKeys.some((k) => invalid.has(k))) {
    const hasZoneCert = c.domain !== "" && c.hostedZoneId !== "";
    if (c.certificateArn !== "" && (c.domain !== "" || c.hostedZoneId !== "")) {
      // Two certificate sources: refusing is safer than silently picking one.
      const other = [c.domain !== "" ? fq("domain") : "", c.hostedZoneId !== "" ? fq("hostedZoneId") : ""].filter(Boolean).join(" and ");
      fail(
        `Conflicting certificate config: ${fq("certificateArn")} and ${other} are both set. Choose one source: remove ${fq("certificateArn")} to have ACM issue a certificate for ${fq("domain")} (validated in ${fq("hostedZoneId")}), or remove ${other} to use the existing certificate.`,
      );
    } else if ((c.domain === "") !== (c.hostedZoneId === "") && c.certificateArn === "") {
      fail(
        `Incomplete certificate config: ${NAMESPACE}:domain and ${NAMESPACE}:hostedZoneId must be set together (or set ${NAMESPACE}:certificateArn).`,
      );
    } else if (!hasZoneCert && c.certificateArn === "") {
      // A certificate source is mandatory: the ALB never serves the app over plain HTTP.
      fail(
        `No certificate source for stack "${stack}": set ${NAMESPACE}:domain and ${NAMESPACE}:hostedZoneId (ACM certificate validated in Route 53) or ${NAMESPACE}:certificateArn (an existing ACM certificate). The HTTPS listener cannot be built without one.`,
      );
    }
  }
  // Placeholders (the stack files' example domain, zone and e-mail): the offline plan accepts them
  // with a warning per key; a real preview/up would build everything and then fail late (the
  // certificate never validates, alarms reach nobody), so it refuses them up front.
  const placeholders = placeholderKeys((k) => (typeof out[k] === "string" && !invalid.has(k) ? out[k] : undefined), stack);
  if (placeholders.length && isRealRun(runtime)) {
    fail(
      `Placeholder config in stack "${stack}": ${placeholders.map((p) => `${p.key}=${p.value}`).join(", ")} ${placeholders.length === 1 ? "is an example value" : "are example values"} from the shipped stack file; a real deployment would fail late (certificate validation, alarms nobody receives). Set your own:\n${placeholders.map((p) => `  ${p.fix}`).join("\n")}`,
    );
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
  const warnings = placeholders.map(
    (p) => `warning: ${p.key}=${p.value} is a placeholder; a real pulumi preview/up refuses it. Set yours: ${p.fix}`,
  );
  return { ...c, stack, region: awsRegion!, tier: tier!, name: new Naming(NAMESPACE, stack).prefix, secretKeys, warnings };
}

/** The sizing inputs of compute=ec2 (infra/ec2-sizing.ts) from the validated config. */
export function ec2SizingInput(
  c: Pick<
    AppConfig,
    | "ec2InstanceType"
    | "imagePlatform"
    | "taskCpu"
    | "taskMemoryMib"
    | "minCapacity"
    | "maxCapacity"
    | "ec2MinInstances"
    | "ec2MaxInstances"
    | "ec2EniTrunking"
  >,
  tier: TierProfile,
) {
  return {
    instanceType: c.ec2InstanceType,
    imagePlatform: c.imagePlatform,
    taskCpu: c.taskCpu,
    taskMemoryMib: c.taskMemoryMib,
    minCapacity: c.minCapacity,
    maxCapacity: c.maxCapacity,
    minInstances: c.ec2MinInstances,
    maxInstances: c.ec2MaxInstances,
    eniTrunking: c.ec2EniTrunking,
    tier: tier.name,
    minInstancesFloor: tier.floors.ec2MinInstances,
  };
}
