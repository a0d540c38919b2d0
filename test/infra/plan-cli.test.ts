// `npm run plan`: --help, --json, a new stack without a policy config, an unwritable --out.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../infra/offline/cli";
import { REPO_ROOT } from "../../infra/offline/plan";

/** Runs the CLI in-process, capturing everything it writes. */
async function plan(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  (process.stdout as any).write = (s: any) => {
    out.push(String(s));
    return true;
  };
  (process.stderr as any).write = (s: any) => {
    err.push(String(s));
    return true;
  };
  try {
    const code = await main(args);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    (process.stdout as any).write = w1;
    (process.stderr as any).write = w2;
  }
}

describe("npm run plan (CLI)", function () {
  this.timeout(120000);

  it("--help prints usage with --json, --out and --config (exit 0)", async () => {
    const r = await plan(["--help"]);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /usage: npm run plan -- <stack> \[options\]/);
    for (const o of ["--json", "--out FILE", "--config KEY=VALUE", "--stack NAME"]) assert.ok(r.out.includes(o), o);
  });

  it("a stack without a policy config fails before the plan, with exit 2 and one line", async () => {
    const file = path.join(REPO_ROOT, "Pulumi.newstack.yaml");
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.staging.yaml"), file);
    try {
      const started = Date.now();
      const r = await plan(["newstack"]);
      assert.strictEqual(r.code, 2);
      assert.strictEqual(r.out, "", "no plan output");
      assert.match(
        r.err,
        /no policy config policy\/config\/newstack\.json for stack "newstack": add one \(copy policy\/config\/staging\.json\)/,
      );
      assert.strictEqual(r.err.trim().split("\n").length, 1);
      assert.ok(Date.now() - started < 5000, "did not run the plan");
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("--out to an unwritable path is a one-line error before the plan", async () => {
    const r = await plan(["staging", "--out", "/no/such/dir/x.json"]);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.out, "");
    assert.match(r.err, /--out \/no\/such\/dir\/x\.json: directory \/no\/such\/dir does not exist\./);
    assert.strictEqual(r.err.trim().split("\n").length, 1);
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/, "no stack trace");
  });

  it("--json prints one machine-readable summary: counts, outputs, findings with remediation", async () => {
    const r = await plan(["staging", "--json"]);
    assert.strictEqual(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.strictEqual(doc.stack, "staging");
    assert.strictEqual(doc.policyConfig, "policy/config/staging.json");
    assert.ok(doc.counts.resources > 50, String(doc.counts.resources));
    assert.strictEqual(doc.counts.byType["aws:ecs/service:Service"], 1);
    assert.strictEqual(
      Object.values<number>(doc.counts.byType).reduce((a, b) => a + b, 0),
      doc.counts.resources,
    );
    assert.strictEqual(doc.outputs.appUrl, "https://staging.example.com");
    assert.strictEqual(doc.mandatory, 0);
    assert.ok(doc.findings.length > 0, "staging has advisory findings");
    for (const f of doc.findings) {
      assert.ok(["advisory", "exempted"].includes(f.enforcementLevel), f.policy);
      assert.ok(typeof f.remediation === "string" && f.remediation.length > 10, `${f.policy} has remediation`);
    }
  });
});
