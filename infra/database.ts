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
import { permissionsBoundary } from "./boundary";
import * as random from "@pulumi/random";
import { rdsTimeouts } from "./timeouts";

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
    /** Resource name prefix, e.g. `paved-staging`. */
    name: string;
    /** RDS instance identifier (fixed so its log groups can be pre-created). */
    identifier: string;
    /** PostgreSQL major version, "16" or "17". */
    engineVersion: string;
    /** Instance class, e.g. db.t4g.medium. */
    instanceClass: string;
    /** Initial gp3 storage (GiB). */
    allocatedStorageGb: number;
    /** Storage autoscaling ceiling (GiB). */
    maxAllocatedStorageGb: number;
    /** Multi-AZ standby. */
    multiAz: boolean;
    /** Automated backup retention (30-35 days). */
    backupRetentionDays: number;
    /** Block DeleteDBInstance. */
    deletionProtection: boolean;
    /** Skip the final snapshot on delete (staging opt-in only). */
    skipFinalSnapshot: boolean;
    /** Pulumi `protect`: refuse to delete the instance from the program. */
    protect: boolean;
    /** Database name the app uses. */
    dbName: string;
    /** Master user name (password managed by RDS). */
    masterUsername: string;
    /** Enhanced monitoring interval (s). */
    monitoringIntervalSeconds: number;
    /** Performance Insights retention (days). */
    performanceInsightsRetentionDays: number;
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
    /** Log groups RDS exports to; created first so they get retention and KMS. */
    logGroups: aws.cloudwatch.LogGroup[];
    /** Tags applied to every resource. */
    tags: Record<string, string>;
}

export class Database extends pulumi.ComponentResource {
    public readonly instance: aws.rds.Instance;
    /** ARN of the RDS-managed master user secret (JSON with username/password). */
    public readonly masterSecretArn: pulumi.Output<string>;
    public readonly address: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** The instance's DbiResourceId (`db-…`), the resource part of an `rds-db:connect` ARN. */
    public readonly resourceId: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("paved:aws:Database", name, {}, opts);
        const p = { parent: this };

        new aws.vpc.SecurityGroupIngressRule(`${name}-from-service`, {
            securityGroupId: args.securityGroup.id, referencedSecurityGroupId: args.clientSecurityGroup.id,
            ipProtocol: "tcp", fromPort: DB_PORT, toPort: DB_PORT, description: "PostgreSQL from the ECS tasks", tags: args.tags,
        }, p);

        const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, {
            name: `${args.name}-db`, description: `${args.name}: isolated subnets`, subnetIds: args.subnetIds, tags: args.tags,
        }, p);

        const parameterGroup = new aws.rds.ParameterGroup(`${name}-params`, {
            name: `${args.name}-postgres${args.engineVersion}`,
            family: `postgres${args.engineVersion}`,
            // Frozen (see FROZEN): changing it would replace a group whose name is fixed.
            description: FROZEN.parameterGroupDescription(args.name),
            parameters: [
                { name: "rds.force_ssl", value: "1" },
                { name: "log_min_duration_statement", value: "1000" },
                { name: "log_connections", value: "1" },
                { name: "log_disconnections", value: "1" },
                { name: "log_lock_waits", value: "1" },
                { name: "log_temp_files", value: "0" },
                { name: "log_autovacuum_min_duration", value: "1000" },
            ],
            tags: args.tags,
        }, p);

        const monitoringRole = new aws.iam.Role(`${name}-monitoring`, {
            description: `${args.name}: RDS enhanced monitoring`,
            permissionsBoundary: permissionsBoundary(),
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
            tags: args.tags,
        }, p);
        const monitoringAttachment = new aws.iam.RolePolicyAttachment(`${name}-monitoring`, {
            role: monitoringRole.name,
            policyArn: aws.getPartitionOutput({}, p).partition.apply((part) => `arn:${part}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`),
        }, p);

        // Created once with the stack and kept in state: the final snapshot's name is unique per
        // stack lifetime, so destroying and re-creating a stack never collides with the previous
        // lifetime's snapshot (DBSnapshotAlreadyExists), and a second plan shows no change.
        const snapshotSuffix = new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4 }, p);

        this.instance = new aws.rds.Instance(`${name}-postgres`, {
            identifier: args.identifier,
            engine: "postgres",
            engineVersion: args.engineVersion,
            instanceClass: args.instanceClass,
            dbName: args.dbName,
            username: args.masterUsername,
            manageMasterUserPassword: true,
            // The app logs in with short-lived IAM tokens as its own role, never with the master
            // secret RDS rotates every 7 days (docs/production-truth.md).
            iamDatabaseAuthenticationEnabled: true,
            masterUserSecretKmsKeyId: args.secretKey.arn,
            port: DB_PORT,
            storageType: "gp3",
            allocatedStorage: args.allocatedStorageGb,
            maxAllocatedStorage: args.maxAllocatedStorageGb,
            storageEncrypted: true,
            kmsKeyId: args.storageKey.arn,
            dbSubnetGroupName: subnetGroup.name,
            vpcSecurityGroupIds: [args.securityGroup.id],
            publiclyAccessible: false,
            parameterGroupName: parameterGroup.name,
            caCertIdentifier: "rds-ca-rsa2048-g1",
            multiAz: args.multiAz,
            backupRetentionPeriod: args.backupRetentionDays,
            backupWindow: "03:00-04:00",
            maintenanceWindow: "sun:04:30-sun:05:30",
            copyTagsToSnapshot: true,
            deleteAutomatedBackups: false,
            deletionProtection: args.deletionProtection,
            skipFinalSnapshot: args.skipFinalSnapshot,
            finalSnapshotIdentifier: args.skipFinalSnapshot ? undefined : pulumi.interpolate`${args.identifier}-final-${snapshotSuffix.hex}`,
            autoMinorVersionUpgrade: true,
            allowMajorVersionUpgrade: false,
            applyImmediately: false,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: args.storageKey.arn,
            performanceInsightsRetentionPeriod: args.performanceInsightsRetentionDays,
            monitoringInterval: args.monitoringIntervalSeconds,
            monitoringRoleArn: monitoringRole.arn,
            enabledCloudwatchLogsExports: DB_LOG_EXPORTS,
            tags: args.tags,
        }, {
            parent: this, protect: args.protect, dependsOn: [...args.logGroups, monitoringAttachment],
            // Multi-AZ builds/modifies two instances; the final snapshot grows with storage (infra/timeouts.ts).
            customTimeouts: rdsTimeouts({ multiAz: args.multiAz, maxAllocatedStorageGb: args.maxAllocatedStorageGb }),
        });

        // The secret is created by RDS; its ARN (with Secrets Manager's random suffix) comes from state, never typed by hand.
        this.masterSecretArn = this.instance.masterUserSecrets.apply((s) => {
            const arn = s?.[0]?.secretArn;
            if (!arn) throw new Error("RDS did not report a master user secret (masterUserSecrets[0].secretArn); manageMasterUserPassword must be true.");
            return arn;
        });
        this.address = this.instance.address;
        this.port = this.instance.port;
        this.resourceId = this.instance.resourceId;
        this.registerOutputs({ endpoint: this.instance.endpoint, masterSecretArn: this.masterSecretArn });
    }
}
