/**
 * paved: one Pulumi program per stack that builds the app image and provisions
 * VPC, RDS PostgreSQL, ECS Fargate, ALB, S3 and CloudWatch.
 *
 * This file is what both `pulumi up` (Pulumi.yaml `main: infra/`) and the offline
 * plan (infra/offline/plan.ts, under Pulumi mocks) run.
 */
import { appKeepAliveSeconds, ec2SizingInput, loadConfig } from "./config";
import { baseTags } from "./tags";
import { Keys } from "./components/keys";
import { Logs, Monitoring, DEPLOYMENT_ALARMS, alarmName } from "./components/observability";
import { Network } from "./components/network";
import { AppImage } from "./components/image";
import { Database } from "./components/database";
import { withAliases } from "./components/transform";
import { Naming } from "./components/naming";
import { AppSecrets } from "./components/secrets";
import { Storage } from "./components/storage";
import { Certificate } from "./components/certificate";
import { LoadBalancer } from "./components/loadbalancer";
import { perContainer, Service } from "./components/service";
import { Ec2Capacity } from "./components/ec2";
import { ec2Sizing } from "./ec2-sizing";
import { loadAppContract, withOverrides } from "./app";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { requirePolicyPack } from "./guard";

// A real preview/up without the policy pack stops here (npm run preview|up -- <stack> carries it).
requirePolicyPack();
const cfg = loadConfig();
const tags = baseTags(cfg);
// Every physical name starts `<project>-<stack>` (infra/components/naming.ts), e.g. paved-staging.
const naming = new Naming(pulumi.getProject(), pulumi.getStack());
const name = naming.prefix;
const dbIdentifier = naming.name("rdsIdentifier", "db");
// The app: how its image is built and how it runs (port, health, migrations, environment).
const app = withOverrides(loadAppContract(cfg.appContract), { port: cfg.appPort, healthCheckPath: cfg.appHealthCheckPath });
const ACCESS_LOG_PREFIX = "alb";

// The tier profile (infra/tiers.ts): staging/prod differences the config does not carry.
const tier = cfg.tier;
const keys = new Keys(
  "keys",
  { name, region: cfg.region, deletionWindowDays: tier.kmsDeletionWindowDays, layout: cfg.kmsKeys as "perPurpose" | "perDataClass", tags },
  { protect: tier.protect },
);
const logs = new Logs("logs", { name, retentionDays: cfg.logRetentionDays, kmsKey: keys.logs, tags });
const network = new Network("network", {
  name,
  cidr: cfg.vpcCidr,
  azCount: cfg.azCount,
  natGateways: cfg.natGateways as "single" | "perAz",
  natMode: cfg.natMode as "gateway" | "instance",
  natInstanceType: cfg.natInstanceType,
  region: cfg.region,
  flowLogGroup: { arn: logs.flowLogGroupArn },
  tags,
});
const image = new AppImage("image", {
  name,
  kmsKey: keys.image,
  keepImages: cfg.ecrKeepImages,
  platform: cfg.imagePlatform,
  baseImage: cfg.baseImage,
  buildOnPreview: cfg.buildOnPreview,
  forceDelete: cfg.destroyWithContents,
  dockerfile: app.dockerfile,
  source: app.buildFrom,
  tags,
});
const storage = new Storage("storage", {
  name,
  region: cfg.region,
  kmsKey: keys.storage,
  noncurrentVersionDays: cfg.noncurrentVersionDays,
  accessLogRetentionDays: cfg.accessLogRetentionDays,
  accessLogPrefix: ACCESS_LOG_PREFIX,
  protect: tier.protect,
  forceDestroy: cfg.destroyWithContents,
  tags,
});
const database = new Database("database", {
  name,
  identifier: dbIdentifier,
  engineVersion: cfg.dbEngineVersion,
  instanceClass: cfg.dbInstanceClass,
  allocatedStorageGb: cfg.dbAllocatedStorageGb,
  maxAllocatedStorageGb: cfg.dbMaxAllocatedStorageGb,
  multiAz: cfg.dbMultiAz,
  backupRetentionDays: cfg.dbBackupRetentionDays,
  deletionProtection: cfg.dbDeletionProtection,
  skipFinalSnapshot: cfg.dbSkipFinalSnapshot,
  protect: tier.protect,
  dbName: cfg.dbName,
  masterUsername: cfg.dbMasterUsername,
  monitoringIntervalSeconds: cfg.dbMonitoringIntervalSeconds,
  performanceInsightsRetentionDays: cfg.dbPerformanceInsightsRetentionDays,
  subnetIds: network.isolatedSubnetIds,
  securityGroup: network.databaseSecurityGroup,
  clientSecurityGroup: network.serviceSecurityGroup,
  storageKey: keys.database,
  secretKey: keys.secrets,
  logKey: keys.logs,
  logRetentionDays: cfg.logRetentionDays,
  tags,
  transform: {
    // Moved: these groups were children of Logs ("logs-rds-<type>") before Database owned them.
    logGroup: (_args, opts, child) => {
      withAliases(opts, [{ name: child.replace(/^database-logs-/, "logs-rds-"), parent: pulumi.createUrn("logs", "paved:aws:Logs") }]);
    },
  },
});
const secrets = new AppSecrets("secrets", { name, kmsKey: keys.secrets, recoveryWindowDays: tier.secretRecoveryWindowDays, tags });
const certificate = new Certificate("certificate", {
  domain: cfg.domain,
  hostedZoneId: cfg.hostedZoneId,
  certificateArn: cfg.certificateArn,
  tags,
});
const lb = new LoadBalancer("loadbalancer", {
  name,
  vpcId: network.vpcId,
  subnetIds: network.publicSubnetIds,
  securityGroup: network.albSecurityGroup,
  targetSecurityGroup: network.serviceSecurityGroup,
  targetPort: app.port,
  healthCheckPath: app.healthCheck.path,
  healthCheckMatcher: app.healthCheck.matcher,
  certificateArn: certificate.certificateArn,
  sslPolicy: cfg.sslPolicy,
  hstsMaxAgeSeconds: cfg.hstsMaxAgeSeconds,
  deletionProtection: cfg.albDeletionProtection,
  idleTimeoutSeconds: cfg.albIdleTimeoutSeconds,
  accessLogBucket: storage.accessLogBucketName,
  accessLogPrefix: ACCESS_LOG_PREFIX,
  accessLogDependsOn: storage.accessLogDelivery,
  domain: cfg.domain,
  hostedZoneId: cfg.hostedZoneId,
  tags,
});
// paved:compute=ec2: hardened hosts behind a capacity provider, built once the cluster exists (docs/ec2.md).
let capacity: Ec2Capacity | undefined;
const onEc2 =
  cfg.compute === "ec2"
    ? (cluster: aws.ecs.Cluster) =>
        (capacity = new Ec2Capacity("capacity", {
          name,
          region: cfg.region,
          cluster,
          sizing: ec2Sizing(ec2SizingInput(cfg, tier)),
          vpcId: network.vpcId,
          subnetIds: network.privateSubnetIds,
          s3PrefixListId: network.s3PrefixListId,
          rootVolumeGb: cfg.ec2RootVolumeGb,
          terminationProtection: cfg.ec2TerminationProtection,
          eniTrunking: cfg.ec2EniTrunking,
          keyDeletionWindowDays: tier.kmsDeletionWindowDays,
          protect: tier.protect,
          tags,
        })).capacityProvider
    : undefined;
// Where every container reaches the database, over TLS verified against the RDS CA (same values
// for the app, migrate and db-init; who logs in, and how, differs per container below).
const dbConnection = {
  DB_HOST: database.address,
  DB_PORT: database.port.apply(String),
  DB_NAME: cfg.dbName,
  DB_SSL: "verify-full",
};
const service = new Service("service", {
  name,
  region: cfg.region,
  image: image.repoDigest,
  repositoryArn: image.repositoryArn,
  imageKey: keys.image,
  contract: app,
  cpu: cfg.taskCpu,
  memoryMib: cfg.taskMemoryMib,
  cpuArchitecture: cfg.imagePlatform === "linux/arm64" ? "ARM64" : "X86_64",
  // Every `platform` variable of the contract (plain ones carry their value in the contract).
  environment: {
    PORT: String(app.port),
    LOG_LEVEL: cfg.logLevel,
    APP_VERSION: image.tag,
    ...dbConnection,
    // The app logs in as its own least-privileged role with a fresh IAM token per connection
    // (no password that a rotation could change under it); the migrate step needs owner rights
    // and logs in as the master user with the RDS-managed secret's password.
    DB_USER: perContainer({ app: cfg.dbAppUsername, migrate: cfg.dbMasterUsername }),
    DB_AUTH: "iam",
    S3_BUCKET: storage.attachmentsBucketName,
    AWS_REGION: cfg.region,
    RATE_LIMIT_PER_MINUTE: String(cfg.rateLimitPerMinute),
    // Strictly above the ALB idle timeout, so the ALB always closes an idle connection first.
    KEEP_ALIVE_TIMEOUT_SECONDS: String(appKeepAliveSeconds(cfg.albIdleTimeoutSeconds)),
  },
  secrets: {
    // JSON keys of the RDS-managed secret: `<arn>:<json-key>:<version-stage>:<version-id>`.
    // ECS resolves it when a container starts, so only the run-to-completion steps get it.
    DB_PASSWORD: pulumi.interpolate`${database.masterSecretArn}:password::`,
    JWT_SECRET: secrets.jwtSecretArn,
  },
  secretArns: [database.masterSecretArn, secrets.jwtSecretArn],
  secretsKey: keys.secrets,
  logGroup: { name: logs.serviceLogGroupName, arn: logs.serviceLogGroupArn },
  bucketArn: storage.attachmentsBucketArn,
  bucketKey: keys.storage,
  dbConnectArn: pulumi
    .all([aws.getPartitionOutput().partition, aws.getCallerIdentityOutput().accountId, database.resourceId])
    .apply(([part, account, dbi]) => `arn:${part}:rds-db:${cfg.region}:${account}:dbuser:${dbi}/${cfg.dbAppUsername}`),
  subnetIds: network.privateSubnetIds,
  securityGroup: network.serviceSecurityGroup,
  databaseSecurityGroup: network.databaseSecurityGroup,
  s3PrefixListId: network.s3PrefixListId,
  loadBalancer: lb,
  desiredCount: cfg.desiredCount,
  minCapacity: cfg.minCapacity,
  maxCapacity: cfg.maxCapacity,
  cpuTargetPercent: cfg.cpuTargetPercent,
  memoryTargetPercent: cfg.memoryTargetPercent,
  requestsPerTarget: cfg.requestsPerTarget,
  healthCheckGraceSeconds: cfg.healthCheckGraceSeconds,
  enableEcsExec: cfg.enableEcsExec,
  containerInsights: cfg.containerInsights,
  migrateOnDeploy: cfg.migrateOnDeploy,
  migrateGraceSeconds: cfg.migrateGraceSeconds,
  capacityProvider: onEc2,
  // The database-init step: as the owner (the master secret), creates paved:dbAppUsername with
  // the app's privileges only, idempotently, in every task before the app starts.
  dbInit: {
    environment: {
      NODE_ENV: "production",
      LOG_LEVEL: cfg.logLevel,
      ...dbConnection,
      DB_USER: cfg.dbMasterUsername,
      DB_APP_USER: cfg.dbAppUsername,
    },
    secrets: { DB_PASSWORD: pulumi.interpolate`${database.masterSecretArn}:password::` },
  },
  // The 5xx-rate and unhealthy-host alarms (fixed names, created by Monitoring below) roll a bad release back.
  deploymentAlarmNames: DEPLOYMENT_ALARMS.map((n) => alarmName(name, n)),
  tags,
});
const monitoring = new Monitoring("monitoring", {
  name,
  region: cfg.region,
  kmsKey: keys.logs,
  alarmEmail: cfg.alarmEmail,
  alarmHttpsEndpoint: cfg.alarmHttpsEndpoint,
  loadBalancer: lb,
  service,
  database,
  logs,
  dbFreeStorageAlarmGb: cfg.dbFreeStorageAlarmGb,
  dbConnectionsThreshold: cfg.dbConnectionsAlarmThreshold,
  latencyP99Seconds: cfg.latencyP99AlarmSeconds,
  error5xxPercent: cfg.error5xxAlarmPercent,
  extraWidgets: capacity?.dashboardWidgets(),
  tags,
});
capacity?.alarms(monitoring.topicArn);

export const appUrl = lb.url;
export const healthUrl = pulumi.interpolate`${lb.url}${app.healthCheck.path}`;
export const albDnsName = lb.dnsName;
export const dashboardUrl = monitoring.dashboardUrl;
export const logGroupName = logs.serviceLogGroupName;
export const clusterName = service.clusterName;
export const serviceName = service.serviceName;
/** The task definition this update deploys; `npm run verify` checks the service's primary deployment runs it. */
export const taskDefinitionArn = service.taskDefinitionArn;
export const awsRegion = cfg.region;
export const migrateTaskDefinition = service.migrateFamily;
export const migrateNetwork = pulumi
  .all([network.privateSubnetIds, network.serviceSecurityGroup.id])
  .apply(([subnets, sg]) => `awsvpcConfiguration={subnets=[${subnets.join(",")}],securityGroups=[${sg}],assignPublicIp=DISABLED}`);
export const dbEndpoint = database.endpoint;
export const dbMasterSecretArn = database.masterSecretArn;
export const imageDigest = image.repoDigest;
export const imageTag = image.tag;
export const attachmentsBucket = storage.attachmentsBucketName;
export const alarmTopicArn = monitoring.topicArn;
/** compute=ec2 only: the hosts' Auto Scaling group (Session Manager targets, instance refreshes). */
export const hostGroupName = capacity?.autoScalingGroupName;
/** The JWT signing secret's ARN, for minting operator tokens (docs/app.md). The ARN only, never the value. */
export const jwtSecretArn = secrets.jwtSecretArn;
