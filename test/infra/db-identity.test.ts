import * as assert from "assert";
import { loadConfig } from "../../infra/config";
import { loadStackConfig, runPlan } from "../../infra/offline/plan";
import { one, plan, policyDoc, STACKS } from "./helpers";
import { loadConfig as loadAppConfig, loadDbConfig } from "../../app/src/config";

describe("infra: the app's own database identity (RDS IAM authentication)", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  for (const stack of STACKS) {
    it(`${stack}: IAM database authentication is on; the task role may connect as exactly the app user on exactly this instance`, async () => {
      const p = await plan(stack);
      const db = one(p, "aws:rds/instance:Instance");
      assert.strictEqual(db.inputs.iamDatabaseAuthenticationEnabled, true);
      const st = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-task")).Statement.filter((s: any) =>
        [s.Action].flat().includes("rds-db:connect"),
      );
      assert.strictEqual(st.length, 1);
      assert.match(db.outputs!.resourceId, /^db-[A-Z0-9]{26}$/);
      assert.strictEqual(st[0].Resource, `arn:aws:rds-db:us-east-1:123456789012:dbuser:${db.outputs!.resourceId}/paved_app`);
      assert.ok(!String(st[0].Resource).includes("*"), "no wildcard user or instance");
    });
  }

  it("paved:dbAppUsername names the role in the grant, and may not be the master user", async () => {
    const p = await runPlan("staging", { config: { "paved:dbAppUsername": "tickets_app" } });
    const st = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-task")).Statement.find((s: any) => s.Sid === "DbConnect");
    assert.match(st.Resource, /:dbuser:db-[A-Z0-9]+\/tickets_app$/);
    const cfg = loadStackConfig("staging");
    assert.throws(
      () => loadConfig((k) => (k === "dbAppUsername" ? "paved_admin" : cfg[`paved:${k}`]), "us-east-1", "staging", { monitorAddr: "mock" }),
      /paved:dbAppUsername=paved_admin: must differ from paved:dbMasterUsername/,
    );
  });
});

/**
 * The weekly rotation of the RDS-managed master secret must never reach the app: ECS resolves
 * `secrets` only when a container starts, so the app container gets no password at all (IAM tokens
 * per connection), and the owner's secret goes only to the run-to-completion steps.
 */
describe("infra: which container gets which database credential", function () {
  this.timeout(240_000);
  const byName = (list: { name: string }[]) => Object.fromEntries(list.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const taskContainers = (p: Awaited<ReturnType<typeof plan>>, family: string) =>
    JSON.parse(
      p.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.inputs.family === family)!.inputs
        .containerDefinitions,
    );

  for (const stack of STACKS) {
    it(`${stack}: the app logs in as its own role with IAM tokens; only migrate and db-init see the master secret`, async () => {
      const p = await plan(stack);
      const cs = taskContainers(p, `paved-${stack}`);
      assert.deepStrictEqual(
        cs.map((c: any) => c.name),
        ["app", "migrate", "db-init"],
      );
      const [app, migrate, dbInit] = cs;
      const appEnv = byName(app.environment);
      assert.strictEqual(appEnv.DB_USER, "paved_app");
      assert.strictEqual(appEnv.DB_AUTH, "iam");
      assert.strictEqual(appEnv.DB_SSL, "verify-full");
      const master = one(p, "aws:rds/instance:Instance").outputs!.masterUserSecrets[0].secretArn;
      assert.ok(!JSON.stringify(app).includes(master), "the app container references no part of the master secret");
      assert.ok(!("DB_PASSWORD" in byName(app.secrets)));
      for (const step of [migrate, dbInit]) {
        assert.strictEqual(step.essential, false, step.name);
        assert.strictEqual(byName(step.secrets).DB_PASSWORD, `${master}:password::`, step.name);
        assert.strictEqual(byName(step.environment).DB_USER, "paved_admin", step.name);
        assert.ok(!("JWT_SECRET" in byName(step.secrets)), `${step.name} gets no API signing secret`);
      }
      // Order: migrate (owner creates the tables) → db-init (grants on them) → app.
      assert.deepStrictEqual(dbInit.dependsOn, [{ containerName: "migrate", condition: "SUCCESS" }]);
      assert.deepStrictEqual(app.dependsOn, [
        { containerName: "migrate", condition: "SUCCESS" },
        { containerName: "db-init", condition: "SUCCESS" },
      ]);
      assert.deepStrictEqual(dbInit.command, ["node", "dist/db-init.js"]);
      assert.strictEqual(byName(dbInit.environment).DB_APP_USER, "paved_app");
      // Each container's variables are what the app's own validation accepts for it.
      const secretsAsValues = (c: any) => Object.fromEntries(c.secrets.map((s: any) => [s.name, "x".repeat(40)]));
      assert.doesNotThrow(() => loadAppConfig({ ...byName(app.environment), ...secretsAsValues(app) }));
      for (const step of [migrate, dbInit])
        assert.doesNotThrow(() => loadDbConfig({ ...byName(step.environment), ...secretsAsValues(step) }), step.name);
    });
  }

  it("without migrate-on-deploy the db-init step still runs before the app, and the manual migrate task is the owner's", async () => {
    const p = await runPlan("staging", { config: { "paved:migrateOnDeploy": "false" } });
    const cs = taskContainers(p, "paved-staging");
    assert.deepStrictEqual(
      cs.map((c: any) => c.name),
      ["app", "db-init"],
    );
    assert.deepStrictEqual(cs[0].dependsOn, [{ containerName: "db-init", condition: "SUCCESS" }]);
    assert.strictEqual(cs[1].dependsOn, undefined);
    const manual = taskContainers(p, "paved-staging-migrate");
    assert.deepStrictEqual(
      manual.map((c: any) => c.name),
      ["migrate"],
    );
    assert.strictEqual(byName(manual[0].environment).DB_USER, "paved_admin");
  });
});
