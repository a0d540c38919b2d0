// `npm run policy -- check`: stack exports and preview JSON, exit codes 0/1/2, --json.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../policy/cli/check";
import { UNKNOWN } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const SG = "aws:ec2/securityGroup:SecurityGroup";
const urn = (type: string, name: string) => `urn:pulumi:prod::paved::${type}::${name}`;
const sshOpen = { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] };
const privateOnly = { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }] };

function stackExport(inputs: Record<string, any>) {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-01-01T00:00:00Z", magic: "x", version: "v3.200.0" },
      resources: [
        { urn: urn("pulumi:pulumi:Stack", "paved-prod"), type: "pulumi:pulumi:Stack", custom: false },
        { urn: urn(SG, "app-sg"), type: SG, custom: true, id: "sg-1", inputs, outputs: { ...inputs, id: "sg-1" }, dependencies: [] },
      ],
    },
  };
}

function previewJson(newInputs: Record<string, any>) {
  return {
    config: {},
    steps: [
      {
        op: "same",
        urn: urn("pulumi:pulumi:Stack", "paved-prod"),
        newState: { urn: urn("pulumi:pulumi:Stack", "paved-prod"), type: "pulumi:pulumi:Stack", custom: false, inputs: {}, outputs: {} },
      },
      {
        op: "create",
        urn: urn(SG, "app-sg"),
        newState: { urn: urn(SG, "app-sg"), type: SG, custom: true, inputs: newInputs, outputs: {} },
      },
      { op: "delete", urn: urn(SG, "gone"), oldState: { urn: urn(SG, "gone"), type: SG, inputs: sshOpen } },
    ],
    changeSummary: { create: 1 },
  };
}

function write(name: string, content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-check-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function check(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ["check", ...args],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("policy check CLI", () => {
  it("exit 0 on a clean stack export and a clean preview", async () => {
    assert.strictEqual((await check(write("export.json", stackExport(privateOnly)))).code, 0);
    assert.strictEqual((await check(write("preview.json", previewJson(privateOnly)))).code, 0);
  });

  it("exit 1 on mandatory violations, in both formats; deleted resources are not judged", async () => {
    const e = await check(write("export.json", stackExport(sshOpen)));
    assert.strictEqual(e.code, 1);
    assert.match(e.out, /\[mandatory\] paved-sg-no-public-sensitive-ports \(critical\) app-sg/);
    const p = await check(write("preview.json", previewJson(sshOpen)), "--json");
    assert.strictEqual(p.code, 1);
    const rows = JSON.parse(p.out);
    assert.deepStrictEqual(Object.keys(rows[0]).sort(), [
      "enforcementLevel",
      "file",
      "message",
      "policy",
      "remediation",
      "resourceName",
      "severity",
      "urn",
    ]);
    assert.match(rows[0].remediation, /\S{10}/, "every JSON finding says how to fix it");
    assert.deepStrictEqual(
      rows.map((r: any) => [r.policy, r.enforcementLevel, r.severity, r.urn]),
      [["paved-sg-no-public-sensitive-ports", "mandatory", "critical", urn(SG, "app-sg")]],
    );
    assert.match(rows[0].file, /preview\.json$/);
  });

  it("exit 0 when only advisory findings remain (config relaxes the level)", async () => {
    const cfg = write("cfg.json", { "paved-sg-no-public-sensitive-ports": "advisory" });
    const r = await check(write("export.json", stackExport(sshOpen)), "--config", cfg, "--json");
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(
      JSON.parse(r.out).map((x: any) => x.enforcementLevel),
      ["advisory"],
    );
  });

  it("unknown values in a preview are not judged", async () => {
    const r = await check(
      write("preview.json", previewJson({ ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN] }] })),
    );
    assert.strictEqual(r.code, 0);
  });

  it("exit 2 naming the file and problem for unreadable or invalid input and config", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[path.join(os.tmpdir(), "does-not-exist.json")], /does-not-exist.json: cannot read file \(ENOENT\)/],
      [[write("bad.json", "{not json")], /bad.json: invalid JSON/],
      [[write("other.json", { hello: 1 })], /other.json: neither a stack export .* nor preview JSON/],
      [
        [write("bad-res.json", { version: 3, deployment: { resources: [{ type: 1 }] } })],
        /bad-res.json: deployment.resources\[0\] is not a resource/,
      ],
      [[write("v9.json", { version: 9, deployment: { resources: [] } })], /stack export version 9 is not supported/],
      [
        [write("ok.json", stackExport(privateOnly)), "--config", write("cfg.json", { "paved-nope": "advisory" })],
        /cfg.json is invalid:[\s\S]*unknown policy "paved-nope"/,
      ],
      [[], /missing FILE/],
      [["--frobnicate", "x"], /unknown option --frobnicate/],
      [["x.json", "--jsn"], /unknown option --jsn \(did you mean --json\?\)/],
    ];
    for (const [args, pattern] of cases) {
      const r = await check(...args);
      assert.strictEqual(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, pattern);
    }
  });

  it("runs as `npm run policy -- check` with the documented exit code", () => {
    const file = write("export.json", stackExport(sshOpen));
    const r = spawnSync("npm", ["run", "--silent", "policy", "--", "check", file, "--json"], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.strictEqual(JSON.parse(r.stdout)[0].policy, "paved-sg-no-public-sensitive-ports");
  });
});

describe("npm run preview / up wrapper", function () {
  // Four `npm run` start-ups of ts-node: seconds each, far more on a busy CI machine.
  this.timeout(180_000);
  it("requires a stack and a policy config, and always passes the pack and the stack's config", () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync("npm", ["run", "--silent", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, STACK: "", ...env } });
    const none = run(["preview"]);
    assert.strictEqual(none.status, 2);
    assert.match(none.stderr, /no stack given/);
    const unknown = run(["up", "--", "qa"]);
    assert.strictEqual(unknown.status, 2);
    assert.match(unknown.stderr, /no policy config for stack "qa".*Known stacks: prod, staging/);
    const ok = run(["up", "--", "prod", "--print-command"]);
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.strictEqual(
      ok.stdout.trim(),
      "PAVED_POLICY_PACK=policy pulumi up --stack prod --policy-pack policy --policy-pack-config policy/config/prod.json\nnpm run verify -- prod",
    );
    const env = run(["preview", "--", "--print-command", "--diff"], { STACK: "staging" });
    assert.strictEqual(
      env.stdout.trim(),
      "PAVED_POLICY_PACK=policy pulumi preview --stack staging --policy-pack policy --policy-pack-config policy/config/staging.json --diff",
    );
  });
});
