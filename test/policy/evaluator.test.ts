// Engine semantics of the offline evaluator, and config-file exemptions.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPack } from "@pulumi/policy";
import { evaluateResources, formatFindings, loadPolicyConfig, resolvePolicies, validatePolicyConfig } from "../../policy/evaluator";
import { resourcePolicy } from "../../policy/lib/core";
import { policies } from "../../policy/policies";
import { res, run, UNKNOWN } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const P = "paved-sg-no-public-sensitive-ports";
const openSsh = (name = "bastion") =>
  res(SG, name, { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });
const NOW = new Date("2026-06-15T12:00:00Z");

function tmpConfig(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-cfg-"));
  const file = path.join(dir, "stack.json");
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("policy evaluator: engine semantics", () => {
  it("every policy has name, description, severity, remediation and a default level; names are unique kebab-case", () => {
    const names = new Set<string>();
    for (const p of policies) {
      assert.match(p.name, /^paved-[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!names.has(p.name), `duplicate ${p.name}`);
      names.add(p.name);
      assert.ok(p.description.length > 20 && p.severity && p.remediationSteps && p.enforcementLevel, p.name);
    }
    assert.ok(policies.length >= 40);
  });

  it("policy objects are importable without starting the gRPC server (only PolicyPack does)", () => {
    assert.strictEqual(typeof PolicyPack, "function");
    assert.ok(policies.every((p) => typeof (p as any).validateResource === "function" || typeof (p as any).validateStack === "function"));
  });

  it("enforcement precedence: per-policy > all > policy default; disabled skips", async () => {
    const level = (cfg: any) => resolvePolicies(cfg).find((r) => r.policy.name === P)!.level;
    assert.strictEqual(level({}), "mandatory");
    assert.strictEqual(level({ all: "advisory" }), "advisory");
    assert.strictEqual(level({ all: "advisory", [P]: "mandatory" }), "mandatory");
    assert.strictEqual(level({ all: "mandatory", [P]: { enforcementLevel: "advisory" } }), "advisory");
    assert.strictEqual(resolvePolicies({ all: "mandatory" }).find((r) => r.policy.name === "paved-exemptions-report")!.level, "mandatory");
    assert.deepStrictEqual(
      (await run([openSsh()], { [P]: "disabled" })).filter((f) => f.policy === P),
      [],
    );
    const adv = (await run([openSsh()], { [P]: "advisory" })).filter((f) => f.policy === P);
    assert.strictEqual(adv[0].enforcementLevel, "advisory");
    const rem = (await run([openSsh()], { [P]: "remediate" })).filter((f) => f.policy === P);
    assert.strictEqual(rem[0].enforcementLevel, "mandatory", "remediate without a remediation reports as mandatory, as in the engine");
  });

  it("getConfig returns schema defaults merged with the stack's config", () => {
    const hsts = resolvePolicies({ "paved-alb-hsts": { minMaxAgeSeconds: 100 } }).find((r) => r.policy.name === "paved-alb-hsts")!;
    assert.deepStrictEqual(hsts.config, { minMaxAgeSeconds: 100, requireIncludeSubDomains: true, exemptions: [] });
  });

  it("type matching: policies only judge their own types", async () => {
    const fs = await run([
      res("aws:ec2/securityGroupRule:SecurityGroupRule", "x", {
        type: "ingress",
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["0.0.0.0/0"],
      }),
      res("custom:thing:Thing", "y", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }),
    ]);
    assert.deepStrictEqual(
      fs.map((f) => f.resourceName),
      ["x"],
    );
  });

  it("mirrors the engine for third-party policies: notApplicable, isType, and unknown values read through the proxy", async () => {
    const seen: string[] = [];
    const probe = {
      name: "probe",
      description: "probe policy for engine semantics",
      enforcementLevel: "mandatory" as const,
      validateResource: (args: any, report: any) => {
        if (args.type !== SG) {
          args.notApplicable("only security groups");
        }
        seen.push(args.name);
        if (args.props.description === "bad") {
          // throws UnknownValueError for an unknown description
          report("bad description");
        }
      },
    };
    const fs = await evaluateResources(
      [res(SG, "known", { description: "bad" }), res(SG, "unknown", { description: UNKNOWN }), res("aws:s3/bucket:Bucket", "b", {})],
      { policies: [probe as any], preview: true },
    );
    assert.deepStrictEqual(seen, ["known", "unknown"]);
    assert.deepStrictEqual(
      fs.map((f) => [f.resourceName, f.enforcementLevel]),
      [
        ["known", "mandatory"],
        ["unknown", "advisory"],
      ],
    );
    assert.match(fs[1].message, /can't run policy during preview: string value at .description/);
  });

  it("stack policies see outputs; resource policies see inputs", async () => {
    const bucket = res("aws:s3/bucket:Bucket", "b", { bucketPrefix: "b-" }, { bucket: "b-123", id: "b-123" });
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
      bucket: "b-123",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const fs = (await run([bucket, pab])).filter((f) => f.policy === "paved-s3-public-access-block");
    assert.deepStrictEqual(fs, [], "correlated through the bucket's output name");
  });

  it("decodes stack-export secrets: plaintext is judged, ciphertext is unknown", async () => {
    const SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
    const td = (v: any) => res("aws:ecs/taskDefinition:TaskDefinition", "td", { containerDefinitions: v });
    const defs = JSON.stringify([
      {
        name: "app",
        user: "1000",
        readonlyRootFilesystem: true,
        logConfiguration: { logDriver: "awslogs" },
        environment: [{ name: "JWT_SECRET", value: "abcdefgh12345" }],
      },
    ]);
    const plain = await run([td({ ...SIG, plaintext: JSON.stringify(defs) })]);
    assert.ok(plain.some((f) => f.policy === "paved-no-secrets-in-ecs-environment"));
    const cipher = await run([td({ ...SIG, ciphertext: "AAAA" })]);
    assert.deepStrictEqual(cipher, []);
  });

  it("formatFindings names resource, policy, level, message and remediation", async () => {
    const text = formatFindings(await run([openSsh()]));
    assert.match(text, /\[mandatory\] paved-sg-no-public-sensitive-ports \(critical\) bastion \(aws:ec2\/securityGroup:SecurityGroup\)/);
    assert.match(text, /fix: Remove the internet-wide rule/);
    assert.match(text, /1 mandatory/);
  });
});

describe("policy config files and exemptions", () => {
  const exemption = (expires: string, resource = "bastion") => ({
    [P]: { exemptions: [{ resource, reason: "break-glass bastion, reviewed in SEC-42", expires }] },
  });

  it("the shipped staging and prod configs are valid", () => {
    for (const s of ["staging", "prod"]) {
      assert.deepStrictEqual(validatePolicyConfig(loadPolicyConfig(path.join("policy", "config", `${s}.json`))), []);
    }
  });

  it("rejects bad config with messages naming the file and the problem", () => {
    assert.throws(
      () => loadPolicyConfig("policy/config/nope.json"),
      /policy config policy\/config\/nope.json: cannot read file \(ENOENT\)/,
    );
    assert.throws(() => loadPolicyConfig(tmpConfig("{oops")), /stack.json: invalid JSON/);
    assert.throws(() => loadPolicyConfig(tmpConfig({ "paved-no-such": "mandatory" })), /unknown policy "paved-no-such"/);
    assert.throws(
      () => loadPolicyConfig(tmpConfig({ "paved-alb-hsts": { minMaxAgeSecs: 1 } })),
      /paved-alb-hsts: must NOT have additional properties "minMaxAgeSecs"/,
    );
    assert.throws(
      () => loadPolicyConfig(tmpConfig({ "paved-alb-hsts": { minMaxAgeSeconds: "long" } })),
      /minMaxAgeSeconds: must be integer/,
    );
    assert.throws(() => loadPolicyConfig(tmpConfig({ all: "strict" })), /"all" must be one of/);
    assert.throws(
      () => loadPolicyConfig(tmpConfig({ [P]: { exemptions: [{ resource: "x", reason: "short" }] } })),
      /must have required property 'expires'/,
    );
    assert.throws(() => loadPolicyConfig(tmpConfig(exemption("2026-02-31"))), /not a real calendar date/);
    assert.throws(
      () => loadPolicyConfig(tmpConfig({ "paved-exemptions-not-expired": { exemptions: [] } })),
      /additional properties "exemptions"/,
    );
  });

  it("a current exemption suppresses the violation and reports it as exempted, by logical name or URN", async () => {
    for (const resource of ["bastion", openSsh().urn]) {
      const fs = await run([openSsh()], exemption("2026-12-31", resource), NOW);
      const mine = fs.filter((f) => f.policy === P);
      assert.deepStrictEqual(
        mine.map((f) => f.enforcementLevel),
        ["exempted"],
      );
      assert.deepStrictEqual(mine[0].exemption, { reason: "break-glass bastion, reviewed in SEC-42", expires: "2026-12-31" });
      assert.ok(!fs.some((f) => f.enforcementLevel === "mandatory"));
    }
  });

  it("an exemption covers only the named resource and policy", async () => {
    const fs = await run([openSsh("bastion"), openSsh("other")], exemption("2026-12-31"), NOW);
    assert.deepStrictEqual(
      fs.filter((f) => f.policy === P).map((f) => [f.resourceName, f.enforcementLevel]),
      [
        ["other", "mandatory"],
        ["bastion", "exempted"],
      ],
    );
  });

  it("an expired exemption does not suppress and is itself a mandatory violation", async () => {
    const fs = await run([openSsh()], exemption("2026-06-14"), NOW);
    const violation = fs.find((f) => f.policy === P)!;
    assert.strictEqual(violation.enforcementLevel, "mandatory");
    assert.match(violation.message, /exemption for 'bastion' expired on 2026-06-14/);
    const expired = fs.find((f) => f.policy === "paved-exemptions-not-expired")!;
    assert.strictEqual(expired.enforcementLevel, "mandatory");
    assert.match(expired.message, /expired on 2026-06-14 \(reason was: break-glass/);
    // The expiry day itself is still covered (UTC end of day).
    const sameDay = await run([openSsh()], exemption("2026-06-15"), NOW);
    assert.ok(!sameDay.some((f) => f.enforcementLevel === "mandatory"));
  });

  it("an expired exemption is reported even when the resource is gone or fixed", async () => {
    const fixed = res(SG, "bastion", { ingress: [] });
    const fs = await run([fixed], exemption("2025-01-01"), NOW);
    assert.deepStrictEqual(
      fs.map((f) => [f.policy, f.enforcementLevel]),
      [["paved-exemptions-not-expired", "mandatory"]],
    );
  });

  it("nothing in the program can exempt a resource (tags, names, descriptions are ignored)", async () => {
    const sneaky = res(SG, "bastion", {
      tags: { "paved:exempt": P, "policy-exemption": "true" },
      description: "exempt: paved-sg-no-public-sensitive-ports",
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
    });
    const fs = (await run([sneaky], {}, NOW)).filter((f) => f.policy === P);
    assert.strictEqual(fs[0].enforcementLevel, "mandatory");
  });

  it("stack-policy findings can be exempted too (by the bucket's name)", async () => {
    const b = res("aws:s3/bucket:Bucket", "legacy", { bucket: "legacy-1" }, { bucket: "legacy-1" });
    const cfg = {
      "paved-s3-tls-only": { exemptions: [{ resource: "legacy", reason: "static website bucket until migration", expires: "2026-12-31" }] },
    };
    const fs = (await run([b], cfg, NOW)).filter((f) => f.policy === "paved-s3-tls-only");
    assert.deepStrictEqual(
      fs.map((f) => f.enforcementLevel),
      ["exempted"],
    );
  });

  it("a custom policy built with the shared wrapper gets exemptions for free", async () => {
    const custom = resourcePolicy({
      name: "paved-test-custom",
      description: "test policy flags everything of its type",
      severity: "low",
      enforcementLevel: "mandatory",
      remediationSteps: "none",
      types: [SG],
      validate: (_r, _c, report) => report("always"),
    });
    const fs = await evaluateResources([openSsh()], {
      policies: [custom],
      now: NOW,
      config: { "paved-test-custom": { exemptions: [{ resource: "bastion", reason: "testing the wrapper", expires: "2026-07-01" }] } },
    });
    assert.deepStrictEqual(
      fs.map((f) => f.enforcementLevel),
      ["exempted"],
    );
  });
});
