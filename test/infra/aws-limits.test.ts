import * as assert from "assert";
import { appKeepAliveSeconds, loadConfig, minMaxAllocatedStorageGb } from "../../infra/config";
import { checkRdsInstanceClass, closeRdsClasses, rdsInstanceClasses } from "../../infra/rds-classes";
import { loadReference } from "../../infra/reference";
import { loadStackConfig, runPlan } from "../../infra/offline/plan";
import { loadConfig as loadAppConfig } from "../../app/src/config";
import { containers, one, plan, STACKS } from "./helpers";

const load = (over: Record<string, string | undefined>, stack = "staging") => {
  const cfg: Record<string, string | undefined> = { ...loadStackConfig(stack) };
  for (const [k, v] of Object.entries(over)) cfg[`paved:${k}`] = v;
  return loadConfig((k) => cfg[`paved:${k}`], "us-east-1", stack, { monitorAddr: "mock" });
};

describe("infra/config: refuses what AWS refuses or what misbehaves", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  it("max allocated storage must be at least 10 % above allocated storage (equal values used to pass); the message names both keys", () => {
    assert.strictEqual(minMaxAllocatedStorageGb(100), 110);
    assert.strictEqual(minMaxAllocatedStorageGb(20), 22);
    assert.strictEqual(minMaxAllocatedStorageGb(25), 28);
    for (const max of ["100", "109"]) {
      assert.throws(
        () => load({ dbAllocatedStorageGb: "100", dbMaxAllocatedStorageGb: max }),
        (e: Error) =>
          e.message.includes(`paved:dbMaxAllocatedStorageGb=${max}`) &&
          e.message.includes("paved:dbAllocatedStorageGb (100)") &&
          e.message.includes(">= 110"),
      );
    }
    assert.strictEqual(load({ dbAllocatedStorageGb: "100", dbMaxAllocatedStorageGb: "110" }).dbMaxAllocatedStorageGb, 110);
  });

  it("the instance class must be one RDS offers for the engine version, with close matches (a regex used to accept any db.x.y)", () => {
    assert.throws(
      () => load({ dbInstanceClass: "db.t4g.huge" }),
      (e: Error) =>
        /paved:dbInstanceClass="db\.t4g\.huge" with paved:dbEngineVersion=16: RDS for PostgreSQL 16 does not offer db\.t4g\.huge/.test(
          e.message,
        ) &&
        /Close matches: db\.t4g\.\w+/.test(e.message) &&
        /as of \d{4}-\d{2}-\d{2}/.test(e.message),
    );
    assert.throws(() => load({ dbInstanceClass: "db.t2.micro" }), /does not offer db\.t2\.micro.*Close matches: .*db\.t3\.micro/);
    assert.throws(() => load({ dbInstanceClass: "db.m7g.larg" }), /Close matches: db\.m7g\.large/);
    assert.strictEqual(load({ dbInstanceClass: "db.r7g.xlarge", dbEngineVersion: "17" }).dbInstanceClass, "db.r7g.xlarge");
    assert.deepStrictEqual(closeRdsClasses("db.m6g.larg", rdsInstanceClasses("16"), 1), ["db.m6g.large"]);
  });

  it("the RDS class table is dated, sourced and covers every engine version and both stacks' classes", () => {
    const t = loadReference("rds-postgres-instance-classes");
    assert.match(t.asOf, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(t.source, /docs\.aws\.amazon\.com/);
    for (const v of ["16", "17"]) assert.ok(rdsInstanceClasses(v).length > 50, v);
    for (const stack of STACKS) {
      const cfg = loadStackConfig(stack);
      assert.strictEqual(checkRdsInstanceClass(cfg["paved:dbInstanceClass"], cfg["paved:dbEngineVersion"] ?? "16"), undefined, stack);
    }
  });

  it("ALB idle timeout and app keep-alive come from one value, the ALB's strictly shorter", async () => {
    assert.strictEqual(appKeepAliveSeconds(60), 65);
    for (const stack of STACKS) {
      const p = await plan(stack);
      const idle = one(p, "aws:lb/loadBalancer:LoadBalancer").inputs.idleTimeout;
      const env = Object.fromEntries(containers(p, "app")[0].environment.map((e: any) => [e.name, e.value]));
      assert.ok(
        idle < Number(env.KEEP_ALIVE_TIMEOUT_SECONDS),
        `${stack}: ALB idle ${idle} < app keep-alive ${env.KEEP_ALIVE_TIMEOUT_SECONDS}`,
      );
      assert.strictEqual(idle, 60);
      assert.strictEqual(env.KEEP_ALIVE_TIMEOUT_SECONDS, "65");
      // And the app reads the value the task definition carries.
      assert.strictEqual(
        loadAppConfig({ ...env, DB_USER: "u", DB_PASSWORD: "p", JWT_SECRET: "x".repeat(32) }).KEEP_ALIVE_TIMEOUT_SECONDS,
        65,
      );
    }
    const p = await runPlan("staging", { config: { "paved:albIdleTimeoutSeconds": "115" } });
    assert.strictEqual(one(p, "aws:lb/loadBalancer:LoadBalancer").inputs.idleTimeout, 115);
    assert.ok(containers(p, "app")[0].environment.some((e: any) => e.name === "KEEP_ALIVE_TIMEOUT_SECONDS" && e.value === "120"));
  });

  it("the free-storage alarm is an absolute floor in GiB, not a share of the initial size (meaningless after autoscaling)", async () => {
    const threshold = async (config: Record<string, string> = {}, stack = "prod") =>
      one(await runPlan(stack, { config }), "aws:cloudwatch/metricAlarm:MetricAlarm", "rds-free-storage").inputs.threshold;
    assert.strictEqual(
      one(await plan("prod"), "aws:cloudwatch/metricAlarm:MetricAlarm", "rds-free-storage").inputs.threshold,
      10 * 1024 ** 3,
    );
    assert.strictEqual(
      one(await plan("staging"), "aws:cloudwatch/metricAlarm:MetricAlarm", "rds-free-storage").inputs.threshold,
      2 * 1024 ** 3,
    );
    // The initial allocation does not move it.
    assert.strictEqual(await threshold({ "paved:dbAllocatedStorageGb": "400", "paved:dbMaxAllocatedStorageGb": "1000" }), 10 * 1024 ** 3);
    assert.throws(
      () => load({ dbFreeStorageAlarmGb: "20" }),
      /paved:dbFreeStorageAlarmGb=20: must be below paved:dbAllocatedStorageGb \(20\)/,
    );
  });
});
