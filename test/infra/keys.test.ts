import * as assert from "assert";
import { plan, ofType, one, STACKS, policyDoc } from "./helpers";

describe("infra/keys", () => {
    for (const stack of STACKS) {
        it(`${stack}: one rotating customer-managed key per data domain`, async () => {
            const p = await plan(stack);
            const keys = ofType(p, "aws:kms/key:Key");
            assert.deepStrictEqual(keys.map((k) => k.name).sort(), ["keys-database", "keys-image", "keys-logs", "keys-secrets", "keys-storage"]);
            assert.ok(keys.every((k) => k.inputs.enableKeyRotation === true));
            assert.ok(keys.every((k) => k.inputs.deletionWindowInDays === (stack === "prod" ? 30 : 7)));
        });
    }

    it("the logs key lets CloudWatch Logs (scoped to this account's groups) and alarms use it", async () => {
        const p = await plan("staging");
        const doc = policyDoc(one(p, "aws:kms/key:Key", "-logs"));
        const logs = doc.Statement.find((s: any) => s.Principal?.Service === "logs.us-east-1.amazonaws.com");
        assert.ok(logs, "logs service principal");
        assert.strictEqual(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], "arn:aws:logs:us-east-1:123456789012:log-group:*");
        assert.ok(doc.Statement.some((s: any) => s.Principal?.Service === "cloudwatch.amazonaws.com"));
        assert.ok(!doc.Statement.some((s: any) => s.Principal === "*" || s.Principal?.AWS === "*"));
    });
});
