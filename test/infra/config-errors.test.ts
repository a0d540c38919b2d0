import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigErrors, loadConfig, mapConfigSource, offlinePlaceholder, CONFIG_KEYS } from "../../infra/config";
import { runPlan, REPO_ROOT, isSecretValue } from "../../infra/offline/plan";
import { renderTree } from "../../infra/offline/cli";

const valid = { environment: "staging", domain: "app.example.com", hostedZoneId: "Z0123456789ABC" };
const load = (over: Record<string, string | undefined>, stack = "staging") =>
  loadConfig(mapConfigSource({ ...valid, ...over }), "us-east-1", stack);
const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, String(e));
    return e.problems;
  }
  assert.fail("expected a config error");
};

describe("infra/config: operator errors", () => {
  it("refuses an unknown paved: key and names the closest known key", () => {
    const p = problems(() => load({ dbMultiAZ: "true" }));
    assert.strictEqual(p.length, 1);
    assert.match(p[0], /Unknown config paved:dbMultiAZ \(did you mean paved:dbMultiAz\?\)/);
    assert.match(p[0], /Pulumi\.staging\.yaml/);
    assert.match(problems(() => load({ desiredcount: "5" }))[0], /did you mean paved:desiredCount\?/);
    const foo = problems(() => load({ foo: "bar" }))[0];
    assert.match(foo, /Unknown config paved:foo:/);
    assert.doesNotMatch(foo, /did you mean/, "no suggestion when nothing is close");
  });

  it("reports every problem of a run, not just the first", () => {
    const p = problems(() => load({ dbMultiAZ: "true", azCount: "7", natGateways: "many", minCapacity: "5", maxCapacity: "2" }));
    assert.strictEqual(p.length, 4, p.join("\n"));
    assert.ok(p.some((x) => /paved:dbMultiAZ/.test(x)));
    assert.ok(p.some((x) => /paved:azCount="7"/.test(x)));
    assert.ok(p.some((x) => /paved:natGateways="many"/.test(x)));
    assert.ok(p.some((x) => /paved:minCapacity=5: must be <= paved:maxCapacity \(2\)/.test(x)));
    assert.throws(() => load({ azCount: "7", natGateways: "many" }), /2 config problems:\n {2}- .*azCount.*\n {2}- .*natGateways/);
  });

  it("a bad value does not cause follow-on cross-key noise", () => {
    const p = problems(() => load({ taskCpu: "300" }));
    assert.strictEqual(p.length, 1, p.join("\n"));
  });

  it("cross-key messages name every key involved", () => {
    assert.match(
      problems(() => load({ dbAllocatedStorageGb: "200", dbMaxAllocatedStorageGb: "100" }))[0],
      /paved:dbMaxAllocatedStorageGb=100: RDS storage autoscaling needs it at least 10 % above paved:dbAllocatedStorageGb \(200\), i.e. >= 220/,
    );
    assert.match(problems(() => load({ taskCpu: "256", taskMemoryMib: "4096" }))[0], /paved:taskMemoryMib=4096: with paved:taskCpu=256/);
    assert.match(
      problems(() => load({ desiredCount: "9" }))[0],
      /paved:desiredCount=9: must be between paved:minCapacity \(2\) and paved:maxCapacity \(4\)/,
    );
  });

  it("refuses two certificate sources instead of silently using the ARN", () => {
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666";
    const p = problems(() => load({ certificateArn: arn }));
    assert.strictEqual(p.length, 1);
    assert.match(p[0], /Conflicting certificate config: paved:certificateArn and paved:domain and paved:hostedZoneId are both set/);
    assert.match(
      problems(() => load({ certificateArn: arn, hostedZoneId: undefined }))[0],
      /paved:certificateArn and paved:domain are both set/,
    );
    assert.strictEqual(load({ certificateArn: arn, domain: undefined, hostedZoneId: undefined }).certificateArn, arn);
  });

  it("a plain getter (no key list) still validates values", () => {
    assert.throws(() => loadConfig((k) => (({ ...valid, azCount: "9" }) as any)[k], "us-east-1", "staging"), /paved:azCount="9"/);
  });

  it("every secure placeholder passes its own key's validation", () => {
    const withSecure: Record<string, string> = { environment: "staging" };
    for (const k of ["domain", "hostedZoneId", "alarmEmail", "dbName", "vpcCidr"])
      withSecure[k] = offlinePlaceholder(`paved:${k}`, "eu-west-1");
    const c = loadConfig(mapConfigSource(withSecure, ["domain", "hostedZoneId"]), "eu-west-1", "staging");
    assert.deepStrictEqual(c.secretKeys.sort(), ["domain", "hostedZoneId"]);
    const arn = offlinePlaceholder("paved:certificateArn", "eu-west-1");
    assert.match(arn, /^arn:aws:acm:eu-west-1:/);
    assert.strictEqual(
      loadConfig(mapConfigSource({ environment: "staging", certificateArn: arn }), "eu-west-1", "staging").certificateArn,
      arn,
    );
    for (const k of Object.keys(CONFIG_KEYS)) assert.ok(offlinePlaceholder(`paved:${k}`, "us-east-1") !== undefined, k);
  });

  describe("offline plan", function () {
    this.timeout(120000);
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-secure-"));
      const staging = fs
        .readFileSync(path.join(REPO_ROOT, "Pulumi.staging.yaml"), "utf8")
        .replace(/paved:domain: .*/, "paved:domain:\n    secure: AAABAHh5ZWxsb3dzdWJtYXJpbmU=")
        .replace(/paved:hostedZoneId: .*/, "paved:hostedZoneId:\n    secure: AAABAGJsdWVzdWJtYXJpbmU=")
        .replace(/# paved:alarmEmail: .*/, "paved:alarmEmail:\n    secure: AAABAHNlY3JldA==");
      fs.writeFileSync(path.join(dir, "Pulumi.sec.yaml"), staging);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a typo'd key fails the plan of a real stack file, with the suggestion", async () => {
      await assert.rejects(
        runPlan("staging", { config: { "paved:dbMultiAZ": "true" } }),
        /Unknown config paved:dbMultiAZ \(did you mean paved:dbMultiAz\?\)/,
      );
    });

    it("plans a stack with secure: values and marks what they reach as secret in the export and tree", async () => {
      const r = await runPlan("sec", { stackDir: dir });
      assert.deepStrictEqual(r.secretKeys.sort(), ["paved:alarmEmail", "paved:domain", "paved:hostedZoneId"]);
      const res = r.exportDoc.deployment.resources;
      const cert = res.find((x) => x.type === "aws:acm/certificate:Certificate");
      assert.ok(cert, "ACM certificate planned for the secure domain");
      assert.ok(isSecretValue(cert!.inputs.domainName), JSON.stringify(cert!.inputs.domainName));
      const sub = res.find((x) => x.type === "aws:sns/topicSubscription:TopicSubscription");
      assert.ok(sub && isSecretValue(sub.inputs.endpoint), "alarm e-mail is a secret in the export");
      // Outside secret wrappers only in resource ids, which Pulumi never encrypts either.
      const text = JSON.stringify(r.exportDoc).replace(/"(plaintext|id)":"(\\.|[^"\\])*"/g, "");
      assert.ok(!text.includes("offline-placeholder"), "placeholders only inside secret wrappers");
      const tree = renderTree(res);
      assert.match(tree, /aws:acm\/certificate:Certificate \S+ +\(domain=\[secret\]/);
      assert.ok(!tree.includes("offline-placeholder"));
    });
  });
});
