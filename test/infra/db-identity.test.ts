import * as assert from "assert";
import { loadConfig } from "../../infra/config";
import { loadStackConfig, runPlan } from "../../infra/offline/plan";
import { one, plan, policyDoc, STACKS } from "./helpers";

describe("infra: the app's own database identity (RDS IAM authentication)", function () {
    // Several offline plans of the whole program per test; slow on a loaded machine.
    this.timeout(240_000);
    for (const stack of STACKS) {
        it(`${stack}: IAM database authentication is on; the task role may connect as exactly the app user on exactly this instance`, async () => {
            const p = await plan(stack);
            const db = one(p, "aws:rds/instance:Instance");
            assert.strictEqual(db.inputs.iamDatabaseAuthenticationEnabled, true);
            const st = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-task")).Statement.filter((s: any) => [s.Action].flat().includes("rds-db:connect"));
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
        assert.throws(() => loadConfig((k) => (k === "dbAppUsername" ? "paved_admin" : cfg[`paved:${k}`]), "us-east-1", "staging", { monitorAddr: "mock" }),
            /paved:dbAppUsername=paved_admin: must differ from paved:dbMasterUsername/);
    });
});
