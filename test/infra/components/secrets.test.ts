import * as assert from "assert";
import { plan, one, STACKS, keyFor } from "../helpers";

describe("infra/components/secrets", () => {
  for (const stack of STACKS) {
    it(`${stack}: JWT secret is generated, stored in Secrets Manager under the secrets key, never typed`, async () => {
      const p = await plan(stack);
      const pw = one(p, "random:index/randomPassword:RandomPassword");
      assert.ok(pw.inputs.length >= 32);
      const secret = one(p, "aws:secretsmanager/secret:Secret", "-jwt");
      assert.strictEqual(secret.inputs.kmsKeyId, keyFor(p, "secrets").outputs!.arn);
      assert.strictEqual(secret.inputs.recoveryWindowInDays, stack === "prod" ? 30 : 7);
      const version = one(p, "aws:secretsmanager/secretVersion:SecretVersion");
      assert.strictEqual(version.inputs.secretId, secret.id);
      assert.strictEqual(version.inputs.secretString, pw.outputs!.result);
      assert.ok(version.propertyDependencies!.secretString.includes(pw.urn), "value flows from the generated password");
    });
  }
});
