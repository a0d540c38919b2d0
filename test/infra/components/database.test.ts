import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { plan, ofType, one, STACKS, keyFor } from "../helpers";
import { runPlan, type PlanResult } from "../../../infra/offline/plan";
import { Database, type DatabaseArgs } from "../../../infra/components/database";

describe("infra/components/database", () => {
  it("prod: Multi-AZ, deletion protection, final snapshot and Pulumi protect", async () => {
    const p = await plan("prod");
    const db = one(p, "aws:rds/instance:Instance");
    assert.strictEqual(db.inputs.multiAz, true);
    assert.strictEqual(db.inputs.deletionProtection, true);
    assert.strictEqual(db.inputs.skipFinalSnapshot, false);
    assert.match(db.inputs.finalSnapshotIdentifier, /^paved-prod-db-final-[0-9a-f]{8}$/);
    const exported = p.exportDoc.deployment.resources.find((r) => r.urn === db.urn)!;
    assert.strictEqual(exported.protect, true);
  });

  it("staging: single-AZ, no deletion protection, not protected; skips the final snapshot only because its config says so", async () => {
    const p = await plan("staging");
    const db = one(p, "aws:rds/instance:Instance");
    assert.strictEqual(db.inputs.multiAz, false);
    assert.strictEqual(db.inputs.deletionProtection, false);
    assert.strictEqual(db.inputs.skipFinalSnapshot, true);
    assert.strictEqual(p.exportDoc.deployment.resources.find((r) => r.urn === db.urn)!.protect, undefined);
  });

  for (const stack of STACKS) {
    describe(stack, () => {
      it("keeps backups for at least 30 days", async () => {
        const db = one(await plan(stack), "aws:rds/instance:Instance");
        assert.ok(db.inputs.backupRetentionPeriod >= 30 && db.inputs.backupRetentionPeriod <= 35);
      });

      it("lets RDS manage the master password in a KMS-encrypted secret; no password anywhere", async () => {
        const p = await plan(stack);
        const db = one(p, "aws:rds/instance:Instance");
        assert.strictEqual(db.inputs.manageMasterUserPassword, true);
        assert.strictEqual(db.inputs.password, undefined);
        assert.strictEqual(db.inputs.masterUserSecretKmsKeyId, keyFor(p, "secrets").outputs!.arn);
        assert.match(
          p.outputs.dbMasterSecretArn,
          /^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-[0-9a-f-]{36}-[A-Za-z0-9]{6}$/,
        );
      });

      it("encrypts storage and Performance Insights with the database key; PostgreSQL 16 on gp3 with autoscaling", async () => {
        const p = await plan(stack);
        const db = one(p, "aws:rds/instance:Instance");
        const key = keyFor(p, "database").outputs!.arn;
        assert.strictEqual(db.inputs.storageEncrypted, true);
        assert.strictEqual(db.inputs.kmsKeyId, key);
        assert.strictEqual(db.inputs.performanceInsightsEnabled, true);
        assert.strictEqual(db.inputs.performanceInsightsKmsKeyId, key);
        assert.strictEqual(db.inputs.engine, "postgres");
        assert.ok(["16", "17"].includes(db.inputs.engineVersion));
        assert.strictEqual(db.inputs.storageType, "gp3");
        assert.ok(db.inputs.maxAllocatedStorage > db.inputs.allocatedStorage);
        assert.strictEqual(db.inputs.caCertIdentifier, "rds-ca-rsa2048-g1");
        assert.strictEqual(db.inputs.copyTagsToSnapshot, true);
        assert.strictEqual(db.inputs.autoMinorVersionUpgrade, true);
        assert.ok(db.inputs.monitoringInterval > 0 && db.inputs.monitoringRoleArn);
        assert.deepStrictEqual(db.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
      });

      it("sits in the isolated subnets, is not public, and forces TLS", async () => {
        const p = await plan(stack);
        const db = one(p, "aws:rds/instance:Instance");
        assert.strictEqual(db.inputs.publiclyAccessible, false);
        const group = one(p, "aws:rds/subnetGroup:SubnetGroup");
        assert.strictEqual(db.inputs.dbSubnetGroupName, group.outputs!.name);
        const isolated = ofType(p, "aws:ec2/subnet:Subnet")
          .filter((s) => s.inputs.tags.tier === "isolated")
          .map((s) => s.id)
          .sort();
        assert.deepStrictEqual([...group.inputs.subnetIds].sort(), isolated);
        const params = one(p, "aws:rds/parameterGroup:ParameterGroup");
        assert.strictEqual(db.inputs.parameterGroupName, params.outputs!.name);
        assert.ok(params.inputs.parameters.some((x: any) => x.name === "rds.force_ssl" && x.value === "1"));
        assert.strictEqual(params.inputs.family, `postgres${db.inputs.engineVersion}`);
      });

      it("accepts 5432 only from the service security group", async () => {
        const p = await plan(stack);
        const dbSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "-database").id;
        const svcSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "-service").id;
        const rules = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
          (r) => r.inputs.securityGroupId === dbSg,
        );
        assert.strictEqual(rules.length, 1);
        assert.strictEqual(rules[0].inputs.referencedSecurityGroupId, svcSg);
        assert.strictEqual(rules[0].inputs.fromPort, 5432);
        assert.strictEqual(rules[0].inputs.toPort, 5432);
        assert.deepStrictEqual(one(p, "aws:rds/instance:Instance").inputs.vpcSecurityGroupIds, [dbSg]);
      });
    });
  }
});

describe("infra/components/database: the component on its own", function () {
  this.timeout(60000);
  const build = (transform?: DatabaseArgs["transform"], over: Partial<DatabaseArgs> = {}) =>
    runPlan("staging", {
      program: () => {
        const key = new aws.kms.Key("k", {});
        const sg = new aws.ec2.SecurityGroup("db", {});
        const client = new aws.ec2.SecurityGroup("client", {});
        const db = new Database("db", {
          dbName: "app",
          subnetIds: ["subnet-1", "subnet-2"],
          securityGroup: sg,
          clientSecurityGroup: client,
          storageKey: key,
          secretKey: key,
          logKey: key,
          transform,
          ...over,
        });
        return { identifier: db.identifier };
      },
    });
  const instanceOf = (p: PlanResult) => p.exportDoc.deployment.resources.find((r) => r.type === "aws:rds/instance:Instance")!;

  it("secure defaults: Multi-AZ, deletion protection, final snapshot, 30-day backups, Pulumi protect, name from project and stack", async () => {
    const p = await build();
    const db = instanceOf(p);
    assert.deepStrictEqual(
      [db.inputs.multiAz, db.inputs.deletionProtection, db.inputs.skipFinalSnapshot, db.inputs.backupRetentionPeriod, db.protect],
      [true, true, false, 30, true],
    );
    assert.strictEqual(db.inputs.identifier, "paved-staging-db");
    assert.strictEqual(p.outputs.identifier, "paved-staging-db");
  });

  it("owns the groups RDS exports its logs to, created before the instance", async () => {
    const p = await build();
    const db = instanceOf(p);
    const groups = p.exportDoc.deployment.resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
    assert.deepStrictEqual(groups.map((g) => g.inputs.name).sort(), [
      "/aws/rds/instance/paved-staging-db/postgresql",
      "/aws/rds/instance/paved-staging-db/upgrade",
    ]);
    for (const g of groups) {
      assert.strictEqual(g.parent, db.parent);
      assert.ok(db.dependencies.includes(g.urn));
      assert.strictEqual(g.inputs.retentionInDays, 365, "a year: the prod floor the pack holds every log group to");
    }
  });

  it("transform hooks reach the child under mocks: in place, or by returning new args", async () => {
    const p = await build({
      instance: (args) => {
        args.backupWindow = "01:00-02:00";
      },
      parameterGroup: (args, opts) => [{ ...args, parameters: [{ name: "rds.force_ssl", value: "1" }] }, opts],
      logGroup: (args, _opts, name) => {
        if (name.endsWith("-upgrade")) args.retentionInDays = 7;
      },
    });
    assert.strictEqual(instanceOf(p).inputs.backupWindow, "01:00-02:00");
    const params = p.exportDoc.deployment.resources.find((r) => r.type === "aws:rds/parameterGroup:ParameterGroup")!;
    assert.deepStrictEqual(
      params.inputs.parameters.map((x: any) => x.name),
      ["rds.force_ssl"],
    );
    const upgrade = p.exportDoc.deployment.resources.find((r) => r.inputs.name === "/aws/rds/instance/paved-staging-db/upgrade")!;
    assert.strictEqual(upgrade.inputs.retentionInDays, 7);
  });

  it("refuses an identifier longer than RDS allows, naming it and the limit", async () => {
    await assert.rejects(build(undefined, { identifier: `db-${"x".repeat(70)}` }), /AWS allows at most 63 for this name \(rdsIdentifier\)/);
  });

  it("in the stack: the groups moved from Logs keep their former URNs as aliases", async () => {
    const p = await plan("staging");
    const g = p.exportDoc.deployment.resources.find((r) => r.urn.endsWith("::database-logs-postgresql"))!;
    assert.deepStrictEqual(g.aliases, ["urn:pulumi:staging::paved::paved:aws:Logs$aws:cloudwatch/logGroup:LogGroup::logs-rds-postgresql"]);
  });
});
