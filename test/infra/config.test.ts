import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, ConfigError, loadConfig, MAX_STACK_NAME_LENGTH } from "../../infra/config";
import { loadStackConfig, runPlan, REPO_ROOT } from "../../infra/offline/plan";

const valid: Record<string, string> = { environment: "staging", domain: "app.example.com", hostedZoneId: "Z0123456789ABC" };
const load = (over: Record<string, string | undefined>, stack = "staging") => {
  const m = { ...valid, ...over };
  return loadConfig((k) => m[k], "us-east-1", stack);
};

describe("infra/config", () => {
  it("applies defaults and validates a minimal staging config", () => {
    const c = load({});
    assert.strictEqual(c.dbBackupRetentionDays, 30);
    assert.strictEqual(c.tier.name, "staging");
    assert.strictEqual(c.name, "paved-staging");
    assert.strictEqual(c.imagePlatform, "linux/amd64");
  });

  it("rejects an enum value, naming the key and the allowed values", () => {
    assert.throws(
      () => load({ natGateways: "many" }),
      (e: any) => e instanceof ConfigError && /paved:natGateways="many"/.test(e.message) && /one of: single, perAz/.test(e.message),
    );
    assert.throws(() => load({ imagePlatform: "linux/386" }), /paved:imagePlatform.*one of: linux\/amd64, linux\/arm64/);
  });

  it("names the command and the stack's own file to fix a bad value in", () => {
    assert.throws(() => load({ taskCpu: "300" }, "prod"), /`pulumi config set paved:taskCpu <value>` or in Pulumi\.prod\.yaml/);
  });

  it("refuses backup retention below 30 or above 35 days", () => {
    assert.throws(() => load({ dbBackupRetentionDays: "7" }), /paved:dbBackupRetentionDays="7".*integer from 30 to 35/);
    assert.throws(() => load({ dbBackupRetentionDays: "36" }), /paved:dbBackupRetentionDays/);
    assert.strictEqual(load({ dbBackupRetentionDays: "35" }).dbBackupRetentionDays, 35);
  });

  it("rejects non-integers, non-booleans and bad formats", () => {
    assert.throws(() => load({ azCount: "two" }), /paved:azCount="two".*integer from 2 to 3/);
    assert.throws(() => load({ dbMultiAz: "yes" }), /paved:dbMultiAz="yes".*true or false/);
    assert.throws(() => load({ vpcCidr: "8.8.0.0/16" }), /paved:vpcCidr.*private IPv4 CIDR/);
    assert.throws(() => load({ dbInstanceClass: "t3.micro" }), /paved:dbInstanceClass.*db\.<family>\.<size>/);
    assert.throws(() => load({ logRetentionDays: "45" }), /paved:logRetentionDays.*one of: 1, 3, 5/);
    assert.throws(() => load({ sslPolicy: "ELBSecurityPolicy-2016-08" }), /paved:sslPolicy.*TLS13-1-2-2021-06/);
  });

  it("checks Fargate CPU/memory pairs and capacity bounds", () => {
    assert.throws(
      () => load({ taskCpu: "256", taskMemoryMib: "4096" }),
      /paved:taskMemoryMib=4096: with paved:taskCpu=256 it must be one of: 512, 1024, 2048/,
    );
    assert.throws(
      () => load({ minCapacity: "5", maxCapacity: "2", desiredCount: "2" }),
      /paved:minCapacity=5: must be <= paved:maxCapacity/,
    );
  });

  it("refuses prod without Multi-AZ, deletion protection or with a skipped final snapshot", () => {
    const prod = {
      environment: "prod",
      dbMultiAz: "true",
      dbDeletionProtection: "true",
      albDeletionProtection: "true",
      alarmEmail: "oncall@example.com",
    };
    assert.strictEqual(load(prod, "prod").tier.name, "prod");
    assert.throws(() => load({ ...prod, dbMultiAz: "false" }, "prod"), /paved:dbMultiAz=false: must be true when paved:environment=prod/);
    assert.throws(() => load({ ...prod, dbDeletionProtection: "false" }, "prod"), /paved:dbDeletionProtection/);
    assert.throws(() => load({ ...prod, dbSkipFinalSnapshot: "true" }, "prod"), /paved:dbSkipFinalSnapshot=true/);
    assert.throws(
      () => load({ ...prod, destroyWithContents: "true" }, "prod"),
      /paved:destroyWithContents=true: prod never deletes bucket contents or images/,
    );
    assert.strictEqual(load({ destroyWithContents: "true" }).destroyWithContents, true, "allowed on staging");
  });

  it("requires a certificate source and names the keys to set", () => {
    assert.throws(
      () => load({ domain: undefined, hostedZoneId: undefined }),
      (e: any) => /paved:domain/.test(e.message) && /paved:hostedZoneId/.test(e.message) && /paved:certificateArn/.test(e.message),
    );
    assert.throws(() => load({ hostedZoneId: undefined }), /must be set together/);
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666";
    assert.strictEqual(load({ domain: undefined, hostedZoneId: undefined, certificateArn: arn }).certificateArn, arn);
    assert.throws(() => load({ certificateArn: "not-an-arn" }), /paved:certificateArn.*ACM certificate ARN/);
  });

  it("refuses an ACM certificate from another region (an ALB listener can only use its own region's)", () => {
    const arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666";
    assert.throws(
      () => load({ domain: undefined, hostedZoneId: undefined, certificateArn: arn }),
      (e: any) =>
        e instanceof ConfigError &&
        /paved:certificateArn/.test(e.message) &&
        /eu-west-1/.test(e.message) &&
        /aws:region=us-east-1/.test(e.message),
    );
  });

  it("refuses stack names that would give invalid or over-long AWS resource names", () => {
    for (const ok of ["staging", "prod", "qa-eu", "a1", "abcdefghijklmnopqr"]) assert.strictEqual(load({}, ok).name, `paved-${ok}`);
    // Uppercase/underscores/dots are refused by ALB, S3 and RDS names; a double or trailing hyphen by RDS;
    // 19+ characters overflow S3's 37-character bucket prefix (`paved-<stack>-attachments-`).
    for (const bad of ["Staging", "my_stack", "qa.eu", "qa--eu", "qa-", "1qa", "abcdefghijklmnopqrs"]) {
      assert.throws(
        () => load({}, bad),
        (e: any) =>
          e instanceof ConfigError &&
          e.message.includes(`Invalid stack name "${bad}"`) &&
          /lowercase letters, digits and single hyphens/.test(e.message),
        bad,
      );
    }
    assert.strictEqual(MAX_STACK_NAME_LENGTH, 18);
    assert.ok(`paved-${"a".repeat(MAX_STACK_NAME_LENGTH)}-alb`.length <= 32, "ALB name limit");
  });

  it("requires environment and aws:region", () => {
    assert.throws(() => load({ environment: undefined }), /Missing config paved:environment: must be one of: staging, prod/);
    assert.throws(() => loadConfig((k) => valid[k], "", "staging"), /aws:region/);
  });

  it("Pulumi.yaml declares every key with the same type and default as infra/config.ts", () => {
    const project: any = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
    assert.strictEqual(project.name, "paved");
    assert.strictEqual(project.main, "infra/");
    assert.strictEqual(project.runtime.name, "nodejs");
    assert.deepStrictEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_KEYS).sort());
    for (const [k, spec] of Object.entries(CONFIG_KEYS)) {
      assert.strictEqual(project.config[k].type, spec.type, k);
      assert.strictEqual(project.config[k].default, spec.default, k);
      assert.ok(project.config[k].description, `${k} has a description`);
    }
  });

  it("stack files only use declared keys and validate", () => {
    for (const stack of ["staging", "prod"]) {
      const cfg = loadStackConfig(stack);
      for (const k of Object.keys(cfg)) {
        if (k.startsWith("paved:")) assert.ok(k.slice(6) in CONFIG_KEYS, `${stack}: ${k} is declared`);
      }
      const c = loadConfig((k) => cfg[`paved:${k}`], cfg["aws:region"], stack);
      assert.strictEqual(c.environment, stack);
    }
  });

  it("a bad value fails the offline plan before any resource is built", async () => {
    await assert.rejects(runPlan("staging", { config: { "paved:dbEngineVersion": "12" } }), /paved:dbEngineVersion="12".*one of: 16, 17/);
    await assert.rejects(
      runPlan("prod", { config: { "paved:domain": undefined, "paved:hostedZoneId": undefined } }),
      /No certificate source for stack "prod": set paved:domain and paved:hostedZoneId .* or paved:certificateArn/,
    );
  });
});
