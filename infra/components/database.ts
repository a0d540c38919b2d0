/**
 * RDS PostgreSQL in the isolated subnets. No password exists anywhere in code,
 * config or state: RDS generates the master password and keeps it in a Secrets
 * Manager secret encrypted with our secrets key (`manageMasterUserPassword`);
 * the service reads its username/password keys through ECS `secrets`.
 * TLS is forced server-side (`rds.force_ssl=1`) and the app verifies the
 * rds-ca-rsa2048-g1 chain (DB_SSL=verify-full).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { permissionsBoundary } from "../boundary";
import * as random from "@pulumi/random";
import { rdsTimeouts } from "../timeouts";
import { checkName, Naming } from "./naming";
import { transform, type Transform } from "./transform";

/**
 * Force-new fields of resources with a fixed physical name, frozen: AWS replaces the resource
 * when one changes, Pulumi creates the replacement first, and the fixed name makes that create
 * fail with AlreadyExists. Never edit these for an existing stack (docs/production-truth.md).
 */
export const FROZEN = {
  /** DB parameter group description (force-new; the name is fixed per engine major version). */
  parameterGroupDescription: (prefix: string) => `${prefix}: TLS-only connections and useful logging`,
};

export const DB_PORT = 5432;
/** PostgreSQL logs exported to CloudWatch. */
export const DB_LOG_EXPORTS = ["postgresql", "upgrade"];

export interface DatabaseArgs {
  /**
   * Prefix of the physical names (subnet and parameter groups, roles' descriptions).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /**
   * RDS instance identifier; fixed (not generated) so its log groups can be created before it.
   * @default `<name>-db`
   */
  identifier?: string;
  /**
   * PostgreSQL major version; minor versions upgrade automatically in the maintenance window.
   * @default "16"
   */
  engineVersion?: string;
  /**
   * Instance class, offered for `engineVersion` (infra/reference/rds-postgres-instance-classes.json).
   * @default "db.t4g.medium"
   */
  instanceClass?: string;
  /**
   * Initial gp3 storage (GiB); 20 is gp3's smallest with its baseline 3000 IOPS.
   * @default 20
   */
  allocatedStorageGb?: number;
  /**
   * Storage autoscaling ceiling (GiB): at least 110 % of `allocatedStorageGb`, as RDS requires.
   * @default 100
   */
  maxAllocatedStorageGb?: number;
  /**
   * Multi-AZ standby: a failover instead of an outage when an AZ or the instance fails.
   * @default true
   */
  multiAz?: boolean;
  /**
   * Automated backup retention (days, 30-35): a month of point-in-time restore.
   * @default 30
   */
  backupRetentionDays?: number;
  /**
   * Block DeleteDBInstance: deleting the database takes two deliberate steps.
   * @default true
   */
  deletionProtection?: boolean;
  /**
   * Skip the final snapshot on delete (a relaxation for throw-away stacks only).
   * @default false
   */
  skipFinalSnapshot?: boolean;
  /**
   * Pulumi `protect` on the instance: the program refuses to delete or replace it.
   * @default true
   */
  protect?: boolean;
  /** Database name the app uses. */
  dbName: string;
  /**
   * Master user name; its password is generated and kept by RDS in Secrets Manager (never in state).
   * @default "paved_admin"
   */
  masterUsername?: string;
  /**
   * Enhanced monitoring interval (s): OS metrics (memory, swap, I/O) CloudWatch does not have.
   * @default 60
   */
  monitoringIntervalSeconds?: number;
  /**
   * Performance Insights retention (days); 7 is free.
   * @default 7
   */
  performanceInsightsRetentionDays?: number;
  /** Isolated subnets for the subnet group. */
  subnetIds: pulumi.Input<string>[];
  /** The database security group (created empty by the network). */
  securityGroup: aws.ec2.SecurityGroup;
  /** The only group allowed to connect on 5432 (the ECS tasks). */
  clientSecurityGroup: aws.ec2.SecurityGroup;
  /** KMS key for storage and Performance Insights. */
  storageKey: aws.kms.Key;
  /** KMS key for the RDS-managed master user secret. */
  secretKey: aws.kms.Key;
  /** KMS key of the exported-log groups (CloudWatch Logs must be allowed to use it). */
  logKey: aws.kms.Key;
  /**
   * Retention of the exported PostgreSQL logs (days): a year, like the service's logs (the prod
   * tier's floor, which the policy pack holds every log group to).
   * @default 365
   */
  logRetentionDays?: number;
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    instance?: Transform<aws.rds.InstanceArgs>;
    parameterGroup?: Transform<aws.rds.ParameterGroupArgs>;
    subnetGroup?: Transform<aws.rds.SubnetGroupArgs>;
    /** Each exported-log group (`<component>-logs-<log type>`). */
    logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
    monitoringRole?: Transform<aws.iam.RoleArgs>;
  };
}

export class Database extends pulumi.ComponentResource {
  public readonly instance: aws.rds.Instance;
  /** The instance identifier (fixed, `<name>-db` by default). */
  public readonly identifier: pulumi.Output<string>;
  /** The groups RDS exports PostgreSQL's logs to, one per DB_LOG_EXPORTS entry. */
  public readonly logGroups: aws.cloudwatch.LogGroup[];
  /** ARN of the RDS-managed master user secret (JSON with username/password). */
  public readonly masterSecretArn: pulumi.Output<string>;
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  /** `<address>:<port>`. */
  public readonly endpoint: pulumi.Output<string>;
  /** The instance's DbiResourceId (`db-…`), the resource part of an `rds-db:connect` ARN. */
  public readonly resourceId: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Database", name, {}, opts);
    const p = { parent: this };
    const t = args.transform ?? {};
    const prefix = args.name ?? new Naming().prefix;
    const identifier = checkName("rdsIdentifier", args.identifier ?? `${prefix}-db`);
    const engineVersion = args.engineVersion ?? "16";
    const multiAz = args.multiAz ?? true;
    const maxAllocatedStorageGb = args.maxAllocatedStorageGb ?? 100;
    const tags = args.tags ?? {};

    // RDS writes to these fixed names; creating them first is the only way to set retention and KMS.
    this.logGroups = DB_LOG_EXPORTS.map((logType) => {
      const n = `${name}-logs-${logType}`;
      return new aws.cloudwatch.LogGroup(
        n,
        ...transform(
          t.logGroup,
          n,
          {
            name: `/aws/rds/instance/${identifier}/${logType}`,
            retentionInDays: args.logRetentionDays ?? 365,
            kmsKeyId: args.logKey.arn,
            tags,
          } as aws.cloudwatch.LogGroupArgs,
          { ...p } as pulumi.CustomResourceOptions,
        ),
      );
    });

    new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-service`,
      {
        securityGroupId: args.securityGroup.id,
        referencedSecurityGroupId: args.clientSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: DB_PORT,
        toPort: DB_PORT,
        description: "PostgreSQL from the ECS tasks",
        tags,
      },
      p,
    );

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      ...transform(
        t.subnetGroup,
        `${name}-subnets`,
        {
          name: checkName("rdsIdentifier", `${prefix}-db`),
          description: `${prefix}: isolated subnets`,
          subnetIds: args.subnetIds,
          tags,
        } as aws.rds.SubnetGroupArgs,
        { ...p } as pulumi.CustomResourceOptions,
      ),
    );

    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      ...transform(
        t.parameterGroup,
        `${name}-params`,
        {
          name: checkName("rdsParameterGroup", `${prefix}-postgres${engineVersion}`),
          family: `postgres${engineVersion}`,
          // Frozen (see FROZEN): changing it would replace a group whose name is fixed.
          description: FROZEN.parameterGroupDescription(prefix),
          parameters: [
            { name: "rds.force_ssl", value: "1" },
            { name: "log_min_duration_statement", value: "1000" },
            { name: "log_connections", value: "1" },
            { name: "log_disconnections", value: "1" },
            { name: "log_lock_waits", value: "1" },
            { name: "log_temp_files", value: "0" },
            { name: "log_autovacuum_min_duration", value: "1000" },
          ],
          tags,
        } as aws.rds.ParameterGroupArgs,
        { ...p } as pulumi.CustomResourceOptions,
      ),
    );

    const monitoringRole = new aws.iam.Role(
      `${name}-monitoring`,
      ...transform(
        t.monitoringRole,
        `${name}-monitoring`,
        {
          description: `${prefix}: RDS enhanced monitoring`,
          permissionsBoundary: permissionsBoundary(),
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
          tags,
        } as aws.iam.RoleArgs,
        { ...p } as pulumi.CustomResourceOptions,
      ),
    );
    const monitoringAttachment = new aws.iam.RolePolicyAttachment(
      `${name}-monitoring`,
      {
        role: monitoringRole.name,
        policyArn: aws
          .getPartitionOutput({}, p)
          .partition.apply((part) => `arn:${part}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`),
      },
      p,
    );

    // Created once with the stack and kept in state: the final snapshot's name is unique per
    // stack lifetime, so destroying and re-creating a stack never collides with the previous
    // lifetime's snapshot (DBSnapshotAlreadyExists), and a second plan shows no change.
    const snapshotSuffix = new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4 }, p);

    this.instance = new aws.rds.Instance(
      `${name}-postgres`,
      ...transform(
        t.instance,
        `${name}-postgres`,
        {
          identifier,
          engine: "postgres",
          engineVersion,
          instanceClass: args.instanceClass ?? "db.t4g.medium",
          dbName: args.dbName,
          username: args.masterUsername ?? "paved_admin",
          manageMasterUserPassword: true,
          // The app logs in with short-lived IAM tokens as its own role, never with the master
          // secret RDS rotates every 7 days (docs/production-truth.md).
          iamDatabaseAuthenticationEnabled: true,
          masterUserSecretKmsKeyId: args.secretKey.arn,
          port: DB_PORT,
          storageType: "gp3",
          allocatedStorage: args.allocatedStorageGb ?? 20,
          maxAllocatedStorage: maxAllocatedStorageGb,
          storageEncrypted: true,
          kmsKeyId: args.storageKey.arn,
          dbSubnetGroupName: subnetGroup.name,
          vpcSecurityGroupIds: [args.securityGroup.id],
          publiclyAccessible: false,
          parameterGroupName: parameterGroup.name,
          caCertIdentifier: "rds-ca-rsa2048-g1",
          multiAz,
          backupRetentionPeriod: args.backupRetentionDays ?? 30,
          backupWindow: "03:00-04:00",
          maintenanceWindow: "sun:04:30-sun:05:30",
          copyTagsToSnapshot: true,
          deleteAutomatedBackups: false,
          deletionProtection: args.deletionProtection ?? true,
          skipFinalSnapshot: args.skipFinalSnapshot ?? false,
          finalSnapshotIdentifier: args.skipFinalSnapshot ? undefined : pulumi.interpolate`${identifier}-final-${snapshotSuffix.hex}`,
          autoMinorVersionUpgrade: true,
          allowMajorVersionUpgrade: false,
          applyImmediately: false,
          performanceInsightsEnabled: true,
          performanceInsightsKmsKeyId: args.storageKey.arn,
          performanceInsightsRetentionPeriod: args.performanceInsightsRetentionDays ?? 7,
          monitoringInterval: args.monitoringIntervalSeconds ?? 60,
          monitoringRoleArn: monitoringRole.arn,
          enabledCloudwatchLogsExports: DB_LOG_EXPORTS,
          tags,
        } as aws.rds.InstanceArgs,
        {
          parent: this,
          protect: args.protect ?? true,
          dependsOn: [...this.logGroups, monitoringAttachment],
          // Multi-AZ builds/modifies two instances; the final snapshot grows with storage (infra/timeouts.ts).
          customTimeouts: rdsTimeouts({ multiAz, maxAllocatedStorageGb }),
        } as pulumi.CustomResourceOptions,
      ),
    );
    this.identifier = this.instance.identifier;
    this.endpoint = this.instance.endpoint;

    // The secret is created by RDS; its ARN (with Secrets Manager's random suffix) comes from state, never typed by hand.
    this.masterSecretArn = this.instance.masterUserSecrets.apply((s) => {
      const arn = s?.[0]?.secretArn;
      if (!arn)
        throw new Error("RDS did not report a master user secret (masterUserSecrets[0].secretArn); manageMasterUserPassword must be true.");
      return arn;
    });
    this.address = this.instance.address;
    this.port = this.instance.port;
    this.resourceId = this.instance.resourceId;
    this.registerOutputs({ endpoint: this.instance.endpoint, masterSecretArn: this.masterSecretArn });
  }
}
