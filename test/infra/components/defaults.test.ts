/**
 * Every component built with its required args only: the defaults the component applies itself
 * are the secure, prod-grade ones (the values a prod stack of this program passes), and the
 * policy pack finds nothing mandatory in what they build under prod's pack config.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { runPlan, REPO_ROOT, type PlanResult } from "../../../infra/offline/plan";
import { evaluateResources, loadPolicyConfig } from "../../../policy/evaluator";
import { loadAppContract } from "../../../infra/app";
import { TIERS } from "../../../infra/tiers";
import { Keys } from "../../../infra/components/keys";
import { Logs, Monitoring } from "../../../infra/components/observability";
import { Network } from "../../../infra/components/network";
import { AppImage } from "../../../infra/components/image";
import { Storage } from "../../../infra/components/storage";
import { Database } from "../../../infra/components/database";
import { AppSecrets } from "../../../infra/components/secrets";
import { Certificate } from "../../../infra/components/certificate";
import { LoadBalancer } from "../../../infra/components/loadbalancer";
import { Service } from "../../../infra/components/service";
import { componentArgs } from "../../../infra/offline/component-reference";
import { ofType, one, policyDoc } from "../helpers";

const REGION = "us-east-1";

/** The whole stack from components given only what they require (no name, tags, sizes or switches). */
function requiredOnly(): Record<string, unknown> {
  const keys = new Keys("keys", { region: REGION });
  const logs = new Logs("logs", { kmsKey: keys.logs });
  const network = new Network("network", { region: REGION, flowLogGroup: { arn: logs.flowLogGroupArn } });
  const image = new AppImage("image", { kmsKey: keys.image, source: loadAppContract().buildFrom });
  const storage = new Storage("storage", { region: REGION, kmsKey: keys.storage });
  const database = new Database("database", {
    dbName: "app",
    subnetIds: network.isolatedSubnetIds,
    securityGroup: network.databaseSecurityGroup,
    clientSecurityGroup: network.serviceSecurityGroup,
    storageKey: keys.database,
    secretKey: keys.secrets,
    logKey: keys.logs,
  });
  const secrets = new AppSecrets("secrets", { kmsKey: keys.secrets });
  const certificate = new Certificate("certificate", { domain: "app.example.com", hostedZoneId: "Z0123456789EXAMPLE" });
  const lb = new LoadBalancer("loadbalancer", {
    vpcId: network.vpcId,
    subnetIds: network.publicSubnetIds,
    securityGroup: network.albSecurityGroup,
    targetSecurityGroup: network.serviceSecurityGroup,
    targetPort: 3000,
    certificateArn: certificate.certificateArn,
    accessLogBucket: storage.accessLogBucketName,
    accessLogDependsOn: storage.accessLogDelivery,
  });
  const dbPassword = pulumi.interpolate`${database.masterSecretArn}:password::`;
  const service = new Service("service", {
    region: REGION,
    image: image.repoDigest,
    repositoryArn: image.repositoryArn,
    imageKey: keys.image,
    contract: loadAppContract(),
    environment: {
      PORT: "3000",
      LOG_LEVEL: "info",
      APP_VERSION: image.tag,
      DB_HOST: database.address,
      DB_PORT: database.port.apply(String),
      DB_NAME: "app",
      DB_USER: "app",
      DB_AUTH: "iam",
      DB_SSL: "verify-full",
      S3_BUCKET: storage.attachmentsBucketName,
      AWS_REGION: REGION,
      RATE_LIMIT_PER_MINUTE: "300",
      KEEP_ALIVE_TIMEOUT_SECONDS: "65",
    },
    secrets: { DB_PASSWORD: dbPassword, JWT_SECRET: secrets.jwtSecretArn },
    secretArns: [database.masterSecretArn, secrets.jwtSecretArn],
    secretsKey: keys.secrets,
    logGroup: { name: logs.serviceLogGroupName, arn: logs.serviceLogGroupArn },
    bucketArn: storage.attachmentsBucketArn,
    bucketKey: keys.storage,
    dbConnectArn: pulumi.interpolate`arn:aws:rds-db:${REGION}:123456789012:dbuser:${database.resourceId}/app`,
    subnetIds: network.privateSubnetIds,
    securityGroup: network.serviceSecurityGroup,
    databaseSecurityGroup: network.databaseSecurityGroup,
    s3PrefixListId: network.s3PrefixListId,
    loadBalancer: lb,
    // Required by this contract: it has a db-init command, which runs as the owner.
    dbInit: {
      environment: { DB_HOST: database.address, DB_NAME: "app", DB_SSL: "verify-full", DB_USER: "paved_admin", DB_APP_USER: "app" },
      secrets: { DB_PASSWORD: dbPassword },
    },
  });
  const monitoring = new Monitoring("monitoring", { region: REGION, kmsKey: keys.logs, loadBalancer: lb, service, database, logs });
  // The alarm subscriber is the stack's to give (the prod tier requires one); subscribe it to the named output.
  new aws.sns.TopicSubscription("oncall", { topic: monitoring.topicArn, protocol: "email", endpoint: "oncall@example.com" });
  return { url: lb.url };
}

describe("infra/components: each component with its required args only", function () {
  this.timeout(120000);
  let planned: Promise<PlanResult> | undefined;
  const p = () => (planned ??= runPlan("prod", { program: requiredOnly }));

  it("names come from the Pulumi project and stack (the naming helper), not from args", async () => {
    const r = await p();
    assert.strictEqual(one(r, "aws:rds/instance:Instance").inputs.identifier, "paved-prod-db");
    assert.strictEqual(one(r, "aws:lb/loadBalancer:LoadBalancer").inputs.name, "paved-prod-alb");
    assert.strictEqual(one(r, "aws:ecr/repository:Repository").inputs.name, "paved-prod");
    assert.strictEqual(one(r, "aws:ecs/cluster:Cluster").inputs.name, "paved-prod");
    assert.strictEqual(one(r, "aws:sns/topic:Topic").inputs.name, "paved-prod-alarms");
    assert.strictEqual(one(r, "aws:cloudwatch/logGroup:LogGroup", "logs-service").inputs.name, "/ecs/paved-prod");
  });

  it("Keys: five rotating keys with prod's 30-day deletion window", async () => {
    const keys = ofType(await p(), "aws:kms/key:Key");
    assert.strictEqual(keys.length, 5);
    for (const k of keys) {
      assert.strictEqual(k.inputs.enableKeyRotation, true);
      assert.strictEqual(k.inputs.deletionWindowInDays, TIERS.prod.kmsDeletionWindowDays);
    }
  });

  it("Logs: a year of retention (prod's floor), KMS-encrypted", async () => {
    for (const n of ["logs-service", "logs-flow-logs"]) {
      const g = one(await p(), "aws:cloudwatch/logGroup:LogGroup", n);
      assert.strictEqual(g.inputs.retentionInDays, TIERS.prod.floors.logRetentionDays, n);
      assert.match(g.inputs.kmsKeyId, /^arn:aws:kms:/, n);
    }
  });

  it("Network: three AZs, a NAT gateway per AZ, flow logs on", async () => {
    const r = await p();
    assert.strictEqual(ofType(r, "aws:ec2/natGateway:NatGateway").length, 3);
    assert.strictEqual(ofType(r, "aws:ec2/subnet:Subnet").length, 9);
    assert.strictEqual(one(r, "aws:ec2/vpc:Vpc").inputs.cidrBlock, "10.0.0.0/16");
    assert.strictEqual(one(r, "aws:ec2/flowLog:FlowLog").inputs.trafficType, "ALL");
  });

  it("AppImage: immutable, scanned, kept on destroy, built on preview", async () => {
    const r = await p();
    const repo = one(r, "aws:ecr/repository:Repository");
    assert.deepStrictEqual(
      [repo.inputs.imageTagMutability, repo.inputs.imageScanningConfiguration.scanOnPush, repo.inputs.forceDelete],
      ["IMMUTABLE", true, false],
    );
    const img = one(r, "docker:index/image:Image");
    assert.deepStrictEqual([img.inputs.buildOnPreview, img.inputs.build.platform], [true, "linux/amd64"]);
    const rules = JSON.parse(one(r, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy).rules;
    assert.strictEqual(rules[1].selection.countNumber, 30);
  });

  it("Database and Storage: protected, Multi-AZ, deletion-protected, versioned buckets kept on destroy", async () => {
    const r = await p();
    const db = r.exportDoc.deployment.resources.find((x) => x.type === "aws:rds/instance:Instance")!;
    assert.deepStrictEqual(
      [db.inputs.multiAz, db.inputs.deletionProtection, db.inputs.skipFinalSnapshot, db.inputs.backupRetentionPeriod, db.protect],
      [true, true, false, 30, true],
    );
    for (const b of ofType(r, "aws:s3/bucket:Bucket")) assert.strictEqual(b.inputs.forceDestroy, false, b.name);
  });

  it("AppSecrets: prod's 30-day recovery window", async () => {
    const s = one(await p(), "aws:secretsmanager/secret:Secret");
    assert.strictEqual(s.inputs.recoveryWindowInDays, TIERS.prod.secretRecoveryWindowDays);
  });

  it("LoadBalancer: deletion-protected, TLS 1.2+ policy, a year of HSTS, access logs on, 60 s idle timeout", async () => {
    const r = await p();
    const alb = one(r, "aws:lb/loadBalancer:LoadBalancer");
    assert.deepStrictEqual(
      [alb.inputs.enableDeletionProtection, alb.inputs.idleTimeout, alb.inputs.accessLogs.enabled, alb.inputs.accessLogs.prefix],
      [true, 60, true, "alb"],
    );
    const https = ofType(r, "aws:lb/listener:Listener").find((l) => l.inputs.protocol === "HTTPS")!;
    assert.strictEqual(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert.match(https.inputs.routingHttpResponseStrictTransportSecurityHeaderValue, /^max-age=31536000; includeSubDomains/);
    assert.strictEqual(one(r, "aws:lb/targetGroup:TargetGroup").inputs.healthCheck.path, "/health");
  });

  it("Certificate: refuses to exist without a source (the listener never serves plain HTTP)", async () => {
    await assert.rejects(
      runPlan("prod", {
        program: () => {
          new Certificate("certificate", {});
          return {};
        },
      }),
      /set paved:domain \+ paved:hostedZoneId or paved:certificateArn/,
    );
  });

  it("Service: two tasks at least, no ECS Exec, Container Insights, migrations before the app, rollback on Monitoring's alarms", async () => {
    const r = await p();
    const svc = one(r, "aws:ecs/service:Service");
    assert.strictEqual(svc.inputs.desiredCount, 2);
    assert.strictEqual(svc.inputs.enableExecuteCommand, false);
    assert.deepStrictEqual(svc.inputs.alarms, {
      alarmNames: ["paved-prod-alb-5xx-rate", "paved-prod-unhealthy-hosts"],
      enable: true,
      rollback: true,
    });
    const alarmNames = ofType(r, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
    for (const n of svc.inputs.alarms.alarmNames) assert.ok(alarmNames.includes(n), `${n} is one of Monitoring's alarms`);
    assert.strictEqual(one(r, "aws:appautoscaling/target:Target").inputs.minCapacity, 2);
    assert.deepStrictEqual(one(r, "aws:ecs/cluster:Cluster").inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
    const td = one(r, "aws:ecs/taskDefinition:TaskDefinition", "-app");
    assert.deepStrictEqual([td.inputs.cpu, td.inputs.memory, td.inputs.runtimePlatform.cpuArchitecture], ["512", "1024", "X86_64"]);
    const app = JSON.parse(td.inputs.containerDefinitions).find((c: any) => c.name === "app");
    assert.ok(
      app.dependsOn.some((d: any) => d.containerName === "migrate" && d.condition === "SUCCESS"),
      "the app waits for migrate",
    );
    assert.strictEqual(app.readonlyRootFilesystem, true);
  });

  it("Monitoring: alarms on the components' own dimensions, an encrypted topic, thresholds as documented", async () => {
    const r = await p();
    const alarms = ofType(r, "aws:cloudwatch/metricAlarm:MetricAlarm");
    const alb = one(r, "aws:lb/loadBalancer:LoadBalancer").outputs!.arnSuffix;
    const latency = alarms.find((a) => a.inputs.metricName === "TargetResponseTime")!;
    assert.strictEqual(latency.inputs.dimensions.LoadBalancer, alb);
    assert.strictEqual(latency.inputs.threshold, 2);
    const conns = alarms.find((a) => a.inputs.metricName === "DatabaseConnections")!;
    assert.deepStrictEqual([conns.inputs.dimensions.DBInstanceIdentifier, conns.inputs.threshold], ["paved-prod-db", 200]);
    const cpu = alarms.find((a) => a.inputs.namespace === "AWS/ECS" && a.inputs.metricName === "CPUUtilization")!;
    assert.deepStrictEqual(cpu.inputs.dimensions, { ClusterName: "paved-prod", ServiceName: "paved-prod" });
    assert.match(one(r, "aws:sns/topic:Topic").inputs.kmsMasterKeyId, /^arn:aws:kms:/);
    assert.ok(policyDoc(one(r, "aws:cloudwatch/dashboard:Dashboard"), "dashboardBody").widgets.length > 0);
  });

  it("the policy pack finds nothing mandatory in what the defaults build (prod's pack config)", async () => {
    const r = await p();
    const findings = await evaluateResources(r.resources, {
      config: loadPolicyConfig(path.join(REPO_ROOT, "policy", "config", "prod.json")),
    });
    assert.deepStrictEqual(
      findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy} ${f.resourceName}: ${f.message}`),
      [],
    );
  });
});

describe("infra/components: every arg is documented", () => {
  /** Every `export interface <X>Args` member of infra/components/ (the parser docs/components.md is generated with). */
  const members = () =>
    componentArgs().flatMap((c) =>
      c.args.map((a) => ({ where: `${c.file} ${c.iface}.${a.name}`, optional: a.optional, documented: a.documented, default: a.default })),
    );

  it("finds the args of every component", () => {
    const interfaces = new Set(members().map((m) => m.where.split(" ")[1].split(".")[0]));
    for (const i of [
      "NetworkArgs",
      "KeysArgs",
      "LogsArgs",
      "MonitoringArgs",
      "LoadBalancerArgs",
      "CertificateArgs",
      "ServiceArgs",
      "Ec2CapacityArgs",
      "NatInstanceArgs",
      "AppSecretsArgs",
      "ImageArgs",
      "DatabaseArgs",
      "StorageArgs",
    ])
      assert.ok(interfaces.has(i), i);
  });

  it("each arg has JSDoc; each optional one names its @default (transform hooks are listed apart)", () => {
    const problems = members().flatMap((m) => {
      if (!m.documented) return [`${m.where}: no JSDoc`];
      if (m.optional && !m.default) return [`${m.where}: optional without @default`];
      return [];
    });
    assert.deepStrictEqual(problems, []);
  });

  it("the check bites: an undocumented arg and an optional arg without @default are found (negative control)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-args-"));
    try {
      fs.writeFileSync(
        path.join(dir, "x.ts"),
        [
          "export interface XArgs {",
          "  undocumented: string;",
          "  /** Has a reason but no default. */",
          "  size?: number;",
          "  /**",
          "   * Documented.",
          "   * @default 1",
          "   */",
          "  count?: number;",
          "  transform?: { thing?: unknown };",
          "}",
        ].join("\n"),
      );
      const [x] = componentArgs(dir);
      assert.deepStrictEqual(
        x.args.map((a) => [a.name, a.documented, a.default]),
        [
          ["undocumented", false, undefined],
          ["size", true, undefined],
          ["count", true, "1"],
        ],
      );
      assert.deepStrictEqual(x.hooks, ["thing"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
