import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { main, packageScripts, POLICY_PACK_ENV, pulumiInvocation, type Runner } from "../../policy/cli/pulumi";
import { resolveProject } from "../../policy/cli/projects";

const ROOT = path.resolve(__dirname, "..", "..");

interface Call {
  cmd: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A runner that records what would run and answers with the given exit codes, in order. */
function recorder(...statuses: number[]): { run: Runner; calls: Call[] } {
  const calls: Call[] = [];
  const run: Runner = (cmd, args, opts) => {
    calls.push({ cmd, args, cwd: opts.cwd, env: opts.env });
    return { status: statuses[calls.length - 1] ?? 0 };
  };
  return { run, calls };
}

/** Silences the wrapper's own output for one call. */
async function quiet<T>(fn: () => Promise<T>): Promise<{ value: T; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  (process.stdout as any).write = (s: string) => {
    out.push(String(s));
    return true;
  };
  (process.stderr as any).write = (s: string) => {
    err.push(String(s));
    return true;
  };
  try {
    return { value: await fn(), out: out.join(""), err: err.join("") };
  } finally {
    (process.stdout as any).write = o;
    (process.stderr as any).write = e;
  }
}

describe("npm run preview / up: the pack-carrying path", () => {
  it("runs pulumi with the pack, the stack's policy config and the marker the program checks", async () => {
    const { run, calls } = recorder(0);
    const r = await quiet(() => main(["preview", "staging", "--diff"], { PATH: "/bin" }, run));
    assert.equal(r.value, 0, r.err);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].cmd, "pulumi");
    assert.deepEqual(calls[0].args, [
      "preview",
      "--stack",
      "staging",
      "--policy-pack",
      "policy",
      "--policy-pack-config",
      path.join("policy", "config", "staging.json"),
      "--diff",
    ]);
    assert.equal(calls[0].cwd, ROOT);
    assert.equal(calls[0].env[POLICY_PACK_ENV], "policy");
    assert.equal(calls[0].env.PATH, "/bin", "the caller's environment is kept");
  });

  it("takes its own flags in any position and passes the rest to pulumi", async () => {
    for (const argv of [
      ["up", "--print-command", "prod", "--yes"],
      ["up", "--yes", "--stack", "prod", "--print-command"],
      ["up", "prod", "--yes", "--print-command"],
    ]) {
      const { run, calls } = recorder();
      const r = await quiet(() => main(argv, {}, run));
      assert.equal(r.value, 0, `${argv.join(" ")}: ${r.err}`);
      assert.equal(calls.length, 0, "--print-command runs nothing");
      assert.equal(
        r.out.split("\n")[0],
        "PAVED_POLICY_PACK=policy pulumi up --stack prod --policy-pack policy --policy-pack-config policy/config/prod.json --yes",
        argv.join(" "),
      );
    }
  });

  it("--help prints usage and runs nothing", async () => {
    const { run, calls } = recorder();
    const r = await quiet(() => main(["up", "--help"], {}, run));
    assert.equal(r.value, 0);
    assert.equal(calls.length, 0);
    assert.match(r.out, /usage: npm run up -- <stack> \[options\]/);
    assert.match(r.out, /--print-command/);
    assert.match(r.out, /--project NAME/);
  });

  it("refuses an unknown project and a stack without a policy config", async () => {
    const { run, calls } = recorder();
    const bad = await quiet(() => main(["up", "staging", "--project", "nope"], {}, run));
    assert.equal(bad.value, 2);
    assert.match(bad.err, /unknown project "nope" \(known: paved, bootstrap\)/);
    const noConfig = await quiet(() => main(["up", "shared"], {}, run));
    assert.equal(noConfig.value, 2);
    assert.match(noConfig.err, /no policy config for stack "shared"/);
    assert.equal(calls.length, 0);
  });

  it("runs the bootstrap program from its own folder with the same pack", async () => {
    const { run, calls } = recorder(0);
    const r = await quiet(() => main(["up", "shared", "--project", "bootstrap"], {}, run));
    assert.equal(r.value, 0, r.err);
    assert.equal(calls.length, 1, "no verify after the bootstrap program");
    assert.equal(calls[0].cwd, path.join(ROOT, "infra", "bootstrap"));
    const pack = calls[0].args[calls[0].args.indexOf("--policy-pack") + 1];
    const config = calls[0].args[calls[0].args.indexOf("--policy-pack-config") + 1];
    assert.ok(fs.existsSync(path.join(calls[0].cwd, pack, "PulumiPolicy.yaml")), pack);
    assert.ok(fs.existsSync(path.join(calls[0].cwd, config)), config);
    assert.equal(path.resolve(calls[0].cwd, calls[0].env[POLICY_PACK_ENV]!), path.join(ROOT, "policy"));
  });

  it("verifies the rollout after a successful up, never after a failed one", async () => {
    const withVerify = () => ({ verify: "ts-node infra/offline/verify.ts" });
    const ok = recorder(0, 0);
    const r = await quiet(() => main(["up", "staging", "--yes"], {}, ok.run, withVerify));
    assert.equal(r.value, 0, r.err);
    assert.deepEqual(
      ok.calls.map((c) => [c.cmd, ...c.args].join(" ")),
      [
        "pulumi up --stack staging --policy-pack policy --policy-pack-config policy/config/staging.json --yes",
        "npm run --silent verify -- staging",
      ],
    );
    assert.equal(ok.calls[1].cwd, ROOT);
    const failedVerify = recorder(0, 1);
    assert.equal(
      (await quiet(() => main(["up", "staging"], {}, failedVerify.run, withVerify))).value,
      1,
      "a failed verification fails `npm run up`",
    );
    // Before the verify command exists: the update stands, and the gap is said out loud.
    const noScript = recorder(0);
    const n = await quiet(() => main(["up", "staging"], {}, noScript.run, () => ({})));
    assert.equal(n.value, 0);
    assert.equal(noScript.calls.length, 1);
    assert.match(n.err, /no `npm run verify` script, so the rollout was not verified/);
    const failed = recorder(3);
    assert.equal((await quiet(() => main(["up", "staging"], {}, failed.run, withVerify))).value, 3);
    assert.equal(failed.calls.length, 1, "no verification after a failed update");
    // This repository ships the verify command, so `npm run up` always verifies here.
    assert.match(packageScripts().verify ?? "", /infra\/offline\/verify\.ts/);
    const real = recorder(0, 0);
    await quiet(() => main(["up", "staging"], {}, real.run));
    assert.deepEqual(real.calls[1]?.args, ["run", "--silent", "verify", "--", "staging"]);
    const skipped = recorder(0);
    assert.equal((await quiet(() => main(["up", "staging", "--no-verify"], {}, skipped.run, withVerify))).value, 0);
    assert.equal(skipped.calls.length, 1);
    const preview = recorder(0);
    await quiet(() => main(["preview", "staging"], {}, preview.run, withVerify));
    assert.equal(preview.calls.length, 1, "preview never verifies");
  });

  it("pulumiInvocation sets the marker to exactly the pack it passes", () => {
    for (const key of ["paved", "bootstrap"]) {
      const inv = pulumiInvocation("up", "x", [], resolveProject(key));
      assert.equal(inv.env[POLICY_PACK_ENV], inv.args[inv.args.indexOf("--policy-pack") + 1]);
    }
  });
});
