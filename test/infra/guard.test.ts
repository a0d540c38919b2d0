import assert from "node:assert/strict";
import * as path from "path";
import {
  CLOUD_POLICY_GROUP,
  POLICY_PACK_ENV,
  packGuardProblem,
  pulumiCliArgs,
  requirePolicyPack,
  type ProcReader,
} from "../../infra/guard";
import { POLICY_PACK_ENV as WRAPPER_ENV } from "../../policy/cli/pulumi";
import { REPO_ROOT, runPlan } from "../../infra/offline/plan";

const settings = require("@pulumi/pulumi/runtime/settings");

const state = require("@pulumi/pulumi/runtime/state");

const REAL = { monitorAddr: "127.0.0.1:50051" };
const withPack = ["/usr/local/bin/pulumi", "up", "--stack", "staging", "--policy-pack", "policy"];

/** Runs `fn` with the program seeing a real engine: setMocks keeps the mock monitor, but the monitor address is an engine's. */
async function asRealRun<T>(fn: () => Promise<T>): Promise<T> {
  const orig = settings.setMockOptions;
  settings.setMockOptions = (...args: any[]) => {
    orig(...args);
    state.getStore().settings.options.monitorAddr = REAL.monitorAddr;
  };
  try {
    return await fn();
  } finally {
    settings.setMockOptions = orig;
    // Leave no "real run" behind for the tests that follow (they plan under mocks).
    const options = state.getStore()?.settings?.options;
    if (options?.monitorAddr === REAL.monitorAddr) options.monitorAddr = "mock";
  }
}

describe("infra: no update without the pack", () => {
  const base = { runtime: REAL, stack: "staging", cwd: REPO_ROOT, organization: "organization", cliArgs: () => withPack };

  it("the wrapper and the program agree on the marker's name", () => {
    assert.equal(WRAPPER_ENV, POLICY_PACK_ENV);
  });

  it("does nothing under mocks, marker or not (offline plan and tests are unaffected)", () => {
    assert.equal(packGuardProblem({ ...base, runtime: { monitorAddr: "mock" }, env: {} }), undefined);
    assert.equal(packGuardProblem({ ...base, runtime: {}, env: {} }), undefined);
  });

  it("refuses a real run without the marker, with one message naming the command that works and the policy-group alternative", () => {
    const msg = packGuardProblem({ ...base, env: {} });
    assert.ok(msg);
    assert.match(msg, /Refusing this pulumi preview\/up of stack "staging"/);
    assert.match(msg, /PAVED_POLICY_PACK is not set/);
    assert.match(msg, /Run `npm run up -- staging`/);
    assert.match(msg, /Pulumi Cloud policy group .* set PAVED_POLICY_PACK=pulumi-cloud/);
    assert.equal(msg.split("\n").length, 1);
    assert.throws(() => requirePolicyPack({ ...base, env: {} }), /npm run up -- staging/);
  });

  it("lets a real run started with the pack through", () => {
    assert.equal(packGuardProblem({ ...base, env: { [POLICY_PACK_ENV]: "policy" } }), undefined);
    assert.equal(
      packGuardProblem({ ...base, env: { [POLICY_PACK_ENV]: "policy" }, cliArgs: () => ["pulumi", "preview", "--policy-pack=policy"] }),
      undefined,
    );
    // Where the CLI's command line cannot be read (no /proc), the marker alone decides.
    assert.equal(packGuardProblem({ ...base, env: { [POLICY_PACK_ENV]: "policy" }, cliArgs: () => undefined }), undefined);
    assert.doesNotThrow(() => requirePolicyPack({ ...base, env: { [POLICY_PACK_ENV]: "policy" } }));
  });

  it("refuses a marker left set for a plain `pulumi up` (no --policy-pack on the CLI's command line)", () => {
    const msg = packGuardProblem({ ...base, env: { [POLICY_PACK_ENV]: "policy" }, cliArgs: () => ["pulumi", "up", "--yes"] });
    assert.match(msg ?? "", /PAVED_POLICY_PACK is set, but the running `pulumi up` has no --policy-pack/);
  });

  it("refuses a marker that does not name a policy pack", () => {
    const msg = packGuardProblem({ ...base, env: { [POLICY_PACK_ENV]: "app" } });
    assert.match(msg ?? "", /PAVED_POLICY_PACK=app does not name a policy pack \(no PulumiPolicy.yaml/);
  });

  it("accepts the Pulumi Cloud policy-group marker only on a Pulumi Cloud backend", () => {
    const env = { [POLICY_PACK_ENV]: CLOUD_POLICY_GROUP };
    assert.match(packGuardProblem({ ...base, env, cliArgs: () => ["pulumi", "up"] }) ?? "", /backend is not Pulumi Cloud/);
    assert.equal(packGuardProblem({ ...base, env, organization: "acme", cliArgs: () => ["pulumi", "up"] }), undefined);
  });

  it("the bootstrap program names its own command", () => {
    const msg = packGuardProblem({ ...base, env: {}, stack: "shared", upCommand: "npm run up -- shared --project bootstrap" });
    assert.match(msg ?? "", /Run `npm run up -- shared --project bootstrap` \(or `npm run preview -- shared --project bootstrap`\)/);
  });

  it("finds the Pulumi CLI's command line through the process tree (program → language host → pulumi)", () => {
    const procs: Record<number, { argv: string[]; ppid: number }> = {
      40: { argv: ["/usr/bin/node", "run.js"], ppid: 30 },
      30: { argv: ["/home/u/.pulumi/bin/pulumi-language-nodejs", "127.0.0.1:1"], ppid: 20 },
      20: { argv: ["/home/u/.pulumi/bin/pulumi", "up", "--policy-pack", "policy"], ppid: 10 },
      10: { argv: ["bash"], ppid: 1 },
    };
    const proc: ProcReader = { cmdline: (pid) => procs[pid]?.argv, ppid: (pid) => procs[pid]?.ppid };
    assert.deepEqual(pulumiCliArgs(40, proc), procs[20].argv);
    assert.equal(pulumiCliArgs(10, proc), undefined);
    assert.equal(pulumiCliArgs(99, proc), undefined);
    // This test runs under mocha, not pulumi.
    assert.equal(pulumiCliArgs(), undefined);
  });

  describe("the real program's entry", function () {
    this.timeout(180_000);
    const saved = process.env[POLICY_PACK_ENV];
    afterEach(() => {
      if (saved === undefined) delete process.env[POLICY_PACK_ENV];
      else process.env[POLICY_PACK_ENV] = saved;
    });

    it("refuses a real run without the pack before building anything", async () => {
      delete process.env[POLICY_PACK_ENV];
      await asRealRun(() =>
        assert.rejects(runPlan("staging"), /Refusing this pulumi preview\/up of stack "staging".*npm run up -- staging/),
      );
      await asRealRun(() => assert.rejects(runPlan("shared", { project: "bootstrap" }), /npm run up -- shared --project bootstrap/));
    });

    it("runs when started with the pack", async () => {
      process.env[POLICY_PACK_ENV] = path.relative(process.cwd(), path.join(REPO_ROOT, "policy")) || ".";
      // A real run refuses the stack file's placeholder domain and zone (docs/production-truth.md).
      const r = await asRealRun(() =>
        runPlan("staging", { config: { "paved:domain": "staging.acme.io", "paved:hostedZoneId": "Z0ACME12345678" } }),
      );
      assert.ok(r.resources.length > 50);
    });
  });
});
