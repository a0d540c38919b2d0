import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { plan, ofType, one, STACKS, policyDoc, keyFor } from "../helpers";
import { runPlan } from "../../../infra/offline/plan";
import { KEY_PURPOSES, Keys } from "../../../infra/components/keys";

describe("infra/components/keys", () => {
  for (const stack of STACKS) {
    it(`${stack}: rotating customer-managed keys, one per purpose (prod) or per data class (staging's cost lever)`, async () => {
      const p = await plan(stack);
      const keys = ofType(p, "aws:kms/key:Key");
      assert.deepStrictEqual(
        keys.map((k) => k.name).sort(),
        stack === "prod" ? ["keys-database", "keys-image", "keys-logs", "keys-secrets", "keys-storage"] : ["keys-data", "keys-logs"],
      );
      assert.ok(keys.every((k) => k.inputs.enableKeyRotation === true));
      assert.ok(keys.every((k) => k.inputs.deletionWindowInDays === (stack === "prod" ? 30 : 7)));
    });
  }

  it("kmsKeys defaults to one key per purpose; perDataClass keeps the logs key (same name, same policy) and shares one data key", async function () {
    this.timeout(240000); // one extra offline plan
    const perPurpose = await runPlan("staging", { config: { "paved:kmsKeys": undefined } });
    assert.deepStrictEqual(
      ofType(perPurpose, "aws:kms/key:Key")
        .map((k) => k.name)
        .sort(),
      ["keys-database", "keys-image", "keys-logs", "keys-secrets", "keys-storage"],
    );
    const perClass = await plan("staging");
    assert.strictEqual(one(perClass, "aws:kms/key:Key", "-logs").inputs.policy, one(perPurpose, "aws:kms/key:Key", "-logs").inputs.policy);
    const data = one(perClass, "aws:kms/key:Key", "-data").outputs!.arn;
    assert.strictEqual(one(perClass, "aws:rds/instance:Instance").inputs.kmsKeyId, data);
    assert.strictEqual(one(perClass, "aws:secretsmanager/secret:Secret").inputs.kmsKeyId, data);
    assert.strictEqual(one(perClass, "aws:ecr/repository:Repository").inputs.encryptionConfigurations[0].kmsKey, data);
    assert.deepStrictEqual(
      ofType(perClass, "aws:kms/alias:Alias")
        .map((a) => a.inputs.name)
        .sort(),
      ["alias/paved-staging/data", "alias/paved-staging/logs"],
    );
  });

  it("the logs key lets CloudWatch Logs (scoped to this account's groups) and alarms use it", async () => {
    const p = await plan("staging");
    const doc = policyDoc(keyFor(p, "logs"));
    const logs = doc.Statement.find((s: any) => s.Principal?.Service === "logs.us-east-1.amazonaws.com");
    assert.ok(logs, "logs service principal");
    assert.strictEqual(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], "arn:aws:logs:us-east-1:123456789012:log-group:*");
    assert.ok(doc.Statement.some((s: any) => s.Principal?.Service === "cloudwatch.amazonaws.com"));
    assert.ok(!doc.Statement.some((s: any) => s.Principal === "*" || s.Principal?.AWS === "*"));
  });

  it("named outputs: one key per purpose, shared by the purposes of a data class in the perDataClass layout", async () => {
    const p = await runPlan("staging", {
      program: () => {
        const out: Record<string, unknown> = {};
        for (const layout of ["perPurpose", "perDataClass"] as const) {
          const k = new Keys(`keys-${layout}`, { region: "us-east-1", layout });
          const named = [k.logs, k.database, k.secrets, k.storage, k.image];
          assert.deepStrictEqual(
            named,
            KEY_PURPOSES.map((x) => k.keys[x]),
            layout,
          );
          out[layout] = pulumi.all(named.map((key) => key.urn)).apply((urns) => urns.map((u) => u.split("::").pop()));
        }
        return out;
      },
    });
    assert.deepStrictEqual(p.outputs, {
      perPurpose: [
        "keys-perPurpose-logs",
        "keys-perPurpose-database",
        "keys-perPurpose-secrets",
        "keys-perPurpose-storage",
        "keys-perPurpose-image",
      ],
      perDataClass: [
        "keys-perDataClass-logs",
        "keys-perDataClass-data",
        "keys-perDataClass-data",
        "keys-perDataClass-data",
        "keys-perDataClass-data",
      ],
    });
  });
});
