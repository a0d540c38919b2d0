import * as assert from "assert";
import { loadConfig, placeholderKeys } from "../../infra/config";
import { loadStackConfig, runPlan } from "../../infra/offline/plan";
import { one, ofType, plan } from "./helpers";

const MOCKED = { monitorAddr: "mock" };
const REAL = { monitorAddr: "127.0.0.1:51234" };
const stackGet = (stack: string, over: Record<string, string | undefined> = {}) => {
  const cfg: Record<string, string | undefined> = { ...loadStackConfig(stack) };
  for (const [k, v] of Object.entries(over)) cfg[`paved:${k}`] = v;
  return { get: (k: string) => cfg[`paved:${k}`], region: cfg["aws:region"] };
};
const load = (stack: string, runtime: { monitorAddr: string }, over: Record<string, string | undefined> = {}) => {
  const { get, region } = stackGet(stack, over);
  return loadConfig(get, region, stack, runtime);
};
const OWN = { domain: "app.acme.io", hostedZoneId: "Z04918273ABCDEFGHIJK", alarmEmail: "oncall@acme.io" };

describe("infra/config: alarms reach someone, placeholders are loud", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  it("prod refuses to plan without an alarm subscriber, naming both keys and the command", async () => {
    assert.throws(
      () => load("prod", MOCKED, { alarmEmail: undefined }),
      /No alarm subscriber for stack "prod": prod needs paved:alarmEmail or paved:alarmHttpsEndpoint.*pulumi config set paved:alarmEmail/,
    );
    await assert.rejects(runPlan("prod", { config: { "paved:alarmEmail": undefined } }), /No alarm subscriber/);
    // Staging may run without one.
    assert.deepStrictEqual(load("staging", MOCKED).alarmEmail, "");
  });

  it("an HTTPS endpoint is a subscriber too (protocol https on the alarm topic)", async () => {
    assert.strictEqual(
      load("prod", MOCKED, { alarmEmail: undefined, alarmHttpsEndpoint: "https://events.pager.acme.io/sns" }).tier.name,
      "prod",
    );
    const p = await runPlan("prod", {
      config: { "paved:alarmEmail": undefined, "paved:alarmHttpsEndpoint": "https://events.pager.acme.io/sns" },
    });
    const sub = one(p, "aws:sns/topicSubscription:TopicSubscription");
    assert.strictEqual(sub.inputs.protocol, "https");
    assert.strictEqual(sub.inputs.endpoint, "https://events.pager.acme.io/sns");
    assert.strictEqual(sub.inputs.topic, one(p, "aws:sns/topic:Topic").outputs!.arn);
    assert.throws(
      () => load("prod", MOCKED, { alarmHttpsEndpoint: "http://insecure.acme.io/" }),
      /paved:alarmHttpsEndpoint.*must be an https:\/\/ URL/,
    );
  });

  it("the shipped prod stack subscribes its (example) address", async () => {
    const subs = ofType(await plan("prod"), "aws:sns/topicSubscription:TopicSubscription");
    assert.deepStrictEqual(
      subs.map((s) => [s.inputs.protocol, s.inputs.endpoint]),
      [["email", "oncall@example.com"]],
    );
  });

  it("the offline plan accepts the shipped placeholders with one warning line per key", async () => {
    assert.deepStrictEqual(
      placeholderKeys(stackGet("prod").get, "prod").map((p) => p.key),
      ["paved:domain", "paved:hostedZoneId", "paved:alarmEmail"],
    );
    const p = await plan("prod");
    assert.strictEqual(p.warnings.length, 3);
    assert.match(
      p.warnings[0],
      /^warning: paved:domain=app\.example\.com is a placeholder; a real pulumi preview\/up refuses it\. Set yours: pulumi config set paved:domain '.*' --stack prod$/,
    );
    assert.deepStrictEqual(
      (await plan("staging")).warnings.map((w) => w.split("=")[0]),
      ["warning: paved:domain", "warning: paved:hostedZoneId"],
    );
  });

  it("a real preview/up refuses them, naming every key and its `pulumi config set` command", () => {
    assert.throws(
      () => load("prod", REAL),
      (e: Error) =>
        /Placeholder config in stack "prod": paved:domain=app\.example\.com, paved:hostedZoneId=Z0123456789EXAMPLEPRD, paved:alarmEmail=oncall@example\.com are example values/.test(
          e.message,
        ) &&
        e.message.includes("pulumi config set paved:domain") &&
        e.message.includes("pulumi config set paved:hostedZoneId") &&
        e.message.includes("pulumi config set paved:alarmEmail"),
    );
    assert.throws(() => load("staging", REAL, { domain: "staging.example.org" }), /paved:domain=staging\.example\.org/);
    // Real values pass a real run, with no warnings.
    assert.deepStrictEqual(load("prod", REAL, OWN).warnings, []);
    assert.deepStrictEqual(load("staging", REAL, OWN).warnings, []);
  });

  it("recognises example hosts without flagging real ones", () => {
    const keys = (v: Record<string, string>) => placeholderKeys((k) => v[k], "s").map((p) => p.key);
    assert.deepStrictEqual(
      keys({ domain: "api.example.net", alarmEmail: "a@b.example", alarmHttpsEndpoint: "https://hooks.example.com/x" }),
      ["paved:domain", "paved:alarmEmail", "paved:alarmHttpsEndpoint"],
    );
    assert.deepStrictEqual(keys({ domain: "myexample.com", alarmEmail: "ops@notexample.org", hostedZoneId: "Z123ABC" }), []);
  });
});
