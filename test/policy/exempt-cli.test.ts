// `npm run policy -- --help | check --stack | exempt`: help on every command, the stack's policy
// config picked by name, loud built-in defaults, remediation in JSON, and exemptions written right.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../policy/cli/check";
import { evaluateResources, loadPolicyConfig } from "../../policy/evaluator";
import { policies } from "../../policy/policies";
import { expiryProblem } from "../../policy/lib/exemptions";

const ROOT = path.resolve(__dirname, "..", "..");
const NOW = new Date("2026-03-01T12:00:00Z");
const SG = "aws:ec2/securityGroup:SecurityGroup";
const urn = (type: string, name: string) => `urn:pulumi:prod::paved::${type}::${name}`;
const sshOpen = { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] };
const exportDoc = {
  version: 3,
  deployment: {
    manifest: { time: "2026-01-01T00:00:00Z", magic: "x", version: "v3.200.0" },
    resources: [
      { urn: urn("pulumi:pulumi:Stack", "paved-prod"), type: "pulumi:pulumi:Stack", custom: false },
      { urn: urn(SG, "bastion-sg"), type: SG, custom: true, id: "sg-1", inputs: sshOpen, outputs: sshOpen, dependencies: [] },
    ],
  },
};

/** A scratch repository root with copies of the committed stack policy configs and an export. */
function scratch(): { root: string; file: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-exempt-"));
  fs.mkdirSync(path.join(root, "policy", "config"), { recursive: true });
  fs.cpSync(path.join(ROOT, "policy", "config"), path.join(root, "policy", "config"), { recursive: true });
  const file = path.join(root, "export.json");
  fs.writeFileSync(file, JSON.stringify(exportDoc));
  return { root, file };
}

async function run(args: string[], root?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
    { now: () => NOW, root },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run policy: help, --stack, exemptions", () => {
  it("--help on the command and on each subcommand (exit 0); an unknown command suggests the closest", async () => {
    const top = await run(["--help"]);
    assert.strictEqual(top.code, 0);
    assert.match(top.out, /Commands:[\s\S]*check FILE[\s\S]*exempt POLICY RESOURCE/);
    const c = await run(["check", "--help"]);
    assert.strictEqual(c.code, 0);
    assert.match(c.out, /usage: npm run policy -- check <file> \[options\]/);
    assert.match(c.out, /--stack NAME/);
    const e = await run(["exempt", "-h"]);
    assert.strictEqual(e.code, 0);
    assert.match(e.out, /--expires YYYY-MM-DD/);
    const bad = await run(["chek", "x.json"]);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.err, /unknown command "chek" \(did you mean check\?\)/);
  });

  it("check --stack NAME uses policy/config/NAME.json; without any config it says loudly which defaults it used", async () => {
    const { root, file } = scratch();
    fs.writeFileSync(path.join(root, "policy", "config", "qa.json"), JSON.stringify({ "paved-sg-no-public-sensitive-ports": "advisory" }));
    const qa = await run(["check", file, "--stack", "qa"], root);
    assert.strictEqual(qa.code, 0, qa.err);
    assert.match(qa.out, /\[advisory\] paved-sg-no-public-sensitive-ports/);
    assert.doesNotMatch(qa.err, /BUILT-IN DEFAULTS/);
    const none = await run(["check", file], root);
    assert.strictEqual(none.code, 1);
    assert.match(none.err, /no --stack or --config given: evaluating with the pack's BUILT-IN DEFAULTS/);
    assert.match(none.out, /\(built-in defaults\)/);
    const missing = await run(["check", file, "--stack", "nope"], root);
    assert.strictEqual(missing.code, 2);
    assert.match(missing.err, /no policy config for stack "nope" \(policy\/config\/nope\.json\)\. Known stacks: prod, qa, staging/);
    assert.strictEqual(missing.err.split("\n").length, 1, "one line");
  });

  it("exempt writes a valid entry the pack then honours", async () => {
    const { root, file } = scratch();
    const r = await run(
      [
        "exempt",
        "paved-sg-no-public-sensitive-ports",
        "bastion-sg",
        "--reason",
        "break-glass bastion, reviewed in SEC-42",
        "--expires",
        "2026-05-30",
        "--stack",
        "prod",
      ],
      root,
    );
    assert.strictEqual(r.code, 0, r.err);
    assert.match(
      r.out,
      /Added exemption of 'bastion-sg' from paved-sg-no-public-sensitive-ports until 2026-05-30 in policy\/config\/prod\.json/,
    );
    const cfg = loadPolicyConfig(path.join(root, "policy", "config", "prod.json"));
    assert.deepStrictEqual(cfg["paved-sg-no-public-sensitive-ports"].exemptions, [
      { resource: "bastion-sg", reason: "break-glass bastion, reviewed in SEC-42", expires: "2026-05-30" },
    ]);
    assert.strictEqual(cfg.all, "mandatory", "the rest of the file is kept");
    const after = await run(["check", file, "--stack", "prod", "--json"], root);
    assert.strictEqual(after.code, 0, after.out);
    const rows = JSON.parse(after.out);
    assert.deepStrictEqual(rows.find((x: any) => x.policy === "paved-sg-no-public-sensitive-ports").exemption, {
      reason: "break-glass bastion, reviewed in SEC-42",
      expires: "2026-05-30",
    });
    // Renewing replaces the entry for the same resource instead of piling up duplicates.
    const again = await run(
      [
        "exempt",
        "paved-sg-no-public-sensitive-ports",
        "bastion-sg",
        "--reason",
        "renewed after review SEC-43",
        "--expires",
        "2026-05-01",
        "--stack",
        "prod",
      ],
      root,
    );
    assert.match(again.out, /Replaced exemption/);
    assert.strictEqual(
      loadPolicyConfig(path.join(root, "policy", "config", "prod.json"))["paved-sg-no-public-sensitive-ports"].exemptions.length,
      1,
    );
  });

  it("exempt refuses a missing or thin reason, a missing, past or too-distant expiry, and unknown or non-exemptible policies", async () => {
    const { root } = scratch();
    const base = ["exempt", "paved-sg-no-public-sensitive-ports", "bastion-sg", "--stack", "prod"];
    const cases: Array<[string[], RegExp]> = [
      [["--expires", "2026-04-01"], /missing --reason/],
      [["--reason", "ok", "--expires", "2026-04-01"], /--reason is too short/],
      [["--reason", "reviewed in SEC-42 by the team"], /missing --expires/],
      [["--reason", "reviewed in SEC-42 by the team", "--expires", "2026-02-28"], /2026-02-28 is in the past/],
      // prod's limit is 90 days (policy/config/prod.json): 2026-03-01 + 90 = 2026-05-30.
      [["--reason", "reviewed in SEC-42 by the team", "--expires", "2026-05-31"], /more than 90 days away .*latest allowed is 2026-05-30/],
      [["--reason", "reviewed in SEC-42 by the team", "--expires", "2026-02-30"], /not a date/],
    ];
    for (const [extra, re] of cases) {
      const r = await run([...base, ...extra], root);
      assert.strictEqual(r.code, 2, extra.join(" "));
      assert.match(r.err, re);
    }
    const ok = ["--reason", "reviewed in SEC-42 by the team", "--expires", "2026-04-01", "--stack", "prod"];
    assert.match(
      (await run(["exempt", "paved-sg-no-public-sensitve-ports", "x", ...ok], root)).err,
      /unknown policy .*did you mean paved-sg-no-public-sensitive-ports\?/,
    );
    assert.match((await run(["exempt", "paved-exemptions-report", "x", ...ok], root)).err, /cannot be exempted/);
    assert.match((await run(["exempt", "paved-sg-no-public-sensitive-ports", "x", ...ok.slice(0, 4)], root)).err, /missing --stack/);
    // Staging allows 180 days.
    assert.strictEqual(
      (
        await run(
          [...base.slice(0, 3), "--stack", "staging", "--reason", "reviewed in SEC-42 by the team", "--expires", "2026-08-01"],
          root,
        )
      ).code,
      0,
    );
    const untouched = JSON.parse(fs.readFileSync(path.join(root, "policy", "config", "prod.json"), "utf8"));
    assert.strictEqual(untouched["paved-sg-no-public-sensitive-ports"], undefined, "nothing written on refusal");
  });

  it("the pack refuses a hand-written exemption further out than the stack's limit", async () => {
    const config = {
      ...loadPolicyConfig(path.join(ROOT, "policy", "config", "prod.json")),
      "paved-sg-no-public-sensitive-ports": {
        exemptions: [{ resource: "bastion-sg", reason: "hand-edited, no review", expires: "2027-03-01" }],
      },
    };
    const records = exportDoc.deployment.resources.map((r) => ({
      ...r,
      name: r.urn.split("::").pop(),
      inputs: (r as any).inputs ?? {},
      outputs: (r as any).outputs ?? {},
    }));
    const findings = await evaluateResources(records as any, { config, now: NOW });
    const limit = findings.find((f) => f.policy === "paved-exemptions-not-expired");
    assert.ok(limit, JSON.stringify(findings.map((f) => f.policy)));
    assert.strictEqual(limit!.enforcementLevel, "mandatory");
    assert.match(limit!.message, /more than 90 days away/);
    assert.strictEqual(expiryProblem("2026-05-30", 90, NOW), undefined);
  });

  it("the ECS Exec finding's remediation and the config key's description point to the exempt command", () => {
    const p = policies.find((x) => x.name === "paved-ecs-readonly-root-filesystem")!;
    const meta = JSON.stringify(p);
    assert.match(meta, /npm run policy -- exempt paved-ecs-readonly-root-filesystem/);

    const { CONFIG_KEYS } = require("../../infra/config");
    assert.match(CONFIG_KEYS.enableEcsExec.description, /npm run policy -- exempt paved-ecs-readonly-root-filesystem service-app/);
  });
});
