/**
 * The rules the delivery workflows must keep, as checks over the parsed workflow files. Each
 * returns problems as "<file>: <job>: what is wrong" lines; an empty list means the rule holds.
 * Used by workflows.test.ts on the real files and on deliberately broken copies of them.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export interface Workflow {
  file: string;
  text: string;
  doc: any;
}

export const WORKFLOW_DIR = path.resolve(__dirname, "..", "..", ".github", "workflows");
/** The marker the program's pack guard checks (infra/guard.ts). */
export const MARKER = "PAVED_POLICY_PACK";
/** The policy pack folder, relative to the root project (where the workflows run Pulumi). */
export const PACK = "policy";
/** Stacks deployed only from the protected GitHub environment, and its name. */
export const PROTECTED: Record<string, string> = { prod: "production" };
export const DEPLOY_BRANCH = "main";

export function parseWorkflow(file: string, text: string): Workflow {
  return { file, text, doc: yaml.load(text) };
}

export function loadWorkflows(dir: string = WORKFLOW_DIR): Workflow[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => parseWorkflow(f, fs.readFileSync(path.join(dir, f), "utf8")));
}

type Job = { id: string; job: any; wf: Workflow };

export function jobs(wf: Workflow): Job[] {
  return Object.entries(wf.doc?.jobs ?? {}).map(([id, job]) => ({ id, job, wf }));
}

const steps = (j: Job): any[] => (Array.isArray(j.job.steps) ? j.job.steps : []);
const usesOf = (step: any, action: string) => typeof step?.uses === "string" && step.uses.split("@")[0] === action;
export const isPulumiStep = (step: any) => usesOf(step, "pulumi/actions") && step.with?.command !== undefined;
const isAwsStep = (step: any) => usesOf(step, "aws-actions/configure-aws-credentials");
/** A `run:` that calls the Pulumi CLI directly for an operation on a stack. */
const DIRECT_PULUMI = /(^|[\s;&|(])pulumi\s+(up|update|preview|refresh|destroy|import)\b/m;

/** The workflow's triggers as a map (YAML's `on:` may parse as the boolean key `true`). */
export function triggers(wf: Workflow): Record<string, any> {
  const on = wf.doc?.on ?? wf.doc?.[true as any];
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t) => [t, null]));
  return on ?? {};
}

const where = (j: Job, step?: any) => `${j.wf.file}: ${j.id}${step ? `: step "${step.name ?? step.uses ?? step.run}"` : ""}`;
const envOf = (j: Job, step: any): Record<string, any> => ({ ...(j.wf.doc?.env ?? {}), ...(j.job.env ?? {}), ...(step.env ?? {}) });

/** Every remote action and reusable workflow pinned to a full commit SHA, with its version in a comment. */
export function pinProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  for (const wf of wfs) {
    wf.text.split("\n").forEach((line, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(.*))?$/.exec(line);
      if (!m) return;
      const [, ref, comment] = m;
      if (ref.startsWith("./")) return;
      if (ref.startsWith("docker://")) {
        if (!/@sha256:[0-9a-f]{64}$/.test(ref)) out.push(`${wf.file}:${i + 1}: ${ref} is not pinned by digest`);
        return;
      }
      const [name, sha] = ref.split("@");
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/.+)?$/.test(name)) out.push(`${wf.file}:${i + 1}: "${ref}" is not owner/repo@ref`);
      if (!sha || !/^[0-9a-f]{40}$/.test(sha)) out.push(`${wf.file}:${i + 1}: ${ref} is not pinned to a full 40-hex commit SHA`);
      if (!comment || !/^v\d+(\.\d+){0,2}\b/.test(comment)) out.push(`${wf.file}:${i + 1}: ${ref} has no version comment (# vX.Y.Z)`);
    });
  }
  return out;
}

/** Pins still waiting for a real release SHA. */
export function placeholderPins(wfs: Workflow[]): string[] {
  const out: string[] = [];
  for (const wf of wfs) {
    wf.text.split("\n").forEach((line, i) => {
      if (/TODO-PIN|@0{40}\b/.test(line)) out.push(`${wf.file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

/** Every step that runs Pulumi passes the pack, the stack's policy config and the marker. */
export function pulumiStepProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  for (const wf of wfs)
    for (const j of jobs(wf))
      for (const step of steps(j)) {
        if (isPulumiStep(step)) {
          const w = step.with ?? {};
          if (!["preview", "up"].includes(w.command)) out.push(`${where(j, step)}: command "${w.command}" cannot carry the policy pack`);
          if (w.policyPacks !== PACK) out.push(`${where(j, step)}: policyPacks must be "${PACK}" (got ${JSON.stringify(w.policyPacks)})`);
          const stack = w["stack-name"];
          if (!stack) out.push(`${where(j, step)}: no stack-name`);
          else if (w.policyPackConfigs !== `policy/config/${stack}.json`)
            out.push(
              `${where(j, step)}: policyPackConfigs must be policy/config/${stack}.json (got ${JSON.stringify(w.policyPackConfigs)})`,
            );
          if (envOf(j, step)[MARKER] !== PACK)
            out.push(`${where(j, step)}: env ${MARKER} must be "${PACK}" (the program refuses a real run without it)`);
          if (w["work-dir"] !== undefined && w["work-dir"] !== "." && w["work-dir"] !== "./")
            out.push(`${where(j, step)}: work-dir must be the root project`);
        } else if (typeof step.run === "string" && DIRECT_PULUMI.test(step.run) && !/--policy-pack\b/.test(step.run)) {
          out.push(`${where(j, step)}: runs the Pulumi CLI without --policy-pack (use npm run preview|up -- <stack>)`);
        }
      }
  return out;
}

/** Cloud access only through OIDC: no long-lived keys, id-token where credentials are requested, credentials before Pulumi. */
export function oidcProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  for (const wf of wfs) {
    if (/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/i.test(wf.text))
      out.push(`${wf.file}: mentions long-lived AWS keys`);
    for (const j of jobs(wf)) {
      const st = steps(j);
      st.forEach((step, i) => {
        if (isAwsStep(step)) {
          if (!step.with?.["role-to-assume"]) out.push(`${where(j, step)}: no role-to-assume (OIDC)`);
          if (j.job.permissions?.["id-token"] !== "write") out.push(`${where(j)}: requests AWS credentials without id-token: write`);
        }
        if (isPulumiStep(step) && !st.slice(0, i).some(isAwsStep))
          out.push(`${where(j, step)}: runs Pulumi without OIDC credentials before it`);
      });
    }
  }
  return out;
}

/** Minimal permissions: declared per job; only contents: read, id-token: write where AWS is used, pull-requests: write where it comments. */
export function permissionProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  for (const wf of wfs) {
    const top = wf.doc?.permissions;
    if (top === undefined) out.push(`${wf.file}: no workflow-level permissions (the default token may write)`);
    else if (typeof top !== "object" || Object.entries(top ?? {}).some(([k, v]) => !(k === "contents" && v === "read")))
      out.push(`${wf.file}: workflow-level permissions must be {} or contents: read`);
    for (const j of jobs(wf)) {
      const p = j.job.permissions;
      if (p === undefined || typeof p !== "object" || p === null) {
        out.push(`${where(j)}: permissions must be declared per job as a map`);
        continue;
      }
      const st = steps(j);
      for (const [k, v] of Object.entries(p)) {
        if (k === "contents" && v === "read") continue;
        if (k === "id-token" && v === "write" && st.some(isAwsStep)) continue;
        if (k === "pull-requests" && v === "write" && st.some((s) => isPulumiStep(s) && s.with?.["comment-on-pr"] === true)) continue;
        out.push(`${where(j)}: permission ${k}: ${v} is more than the job needs`);
      }
    }
  }
  return out;
}

/** Jobs and the stacks they run `pulumi up` for. */
function upJobs(wfs: Workflow[]): Array<Job & { stacks: string[] }> {
  const out: Array<Job & { stacks: string[] }> = [];
  for (const wf of wfs)
    for (const j of jobs(wf)) {
      const stacks = steps(j)
        .filter((s) => isPulumiStep(s) && s.with.command === "up")
        .map((s) => String(s.with["stack-name"]));
      if (stacks.length) out.push({ ...j, stacks });
    }
  return out;
}

const envName = (job: any) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const needsOf = (job: any): string[] => (Array.isArray(job.needs) ? job.needs : job.needs ? [job.needs] : []);

/** Updates only on push to main; a protected stack only after the others, inside its environment, from main; verify after every update. */
export function deployProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  const ups = upJobs(wfs);
  for (const j of ups) {
    const on = triggers(j.wf);
    const branches = on.push?.branches;
    if (Object.keys(on).join(",") !== "push" || !Array.isArray(branches) || branches.join(",") !== DEPLOY_BRANCH || on.push?.tags) {
      out.push(`${j.wf.file}: runs pulumi up but is not triggered only by push to ${DEPLOY_BRANCH}`);
    }
    if (j.stacks.length !== 1) out.push(`${where(j)}: one stack per job (got ${j.stacks.join(", ")})`);
    if (j.stacks.some((s) => s.includes("${{"))) out.push(`${where(j)}: the stack of an update must be literal`);
    const st = steps(j);
    st.forEach((step, i) => {
      if (!isPulumiStep(step) || step.with.command !== "up") return;
      const stack = step.with["stack-name"];
      if (!st.slice(i + 1).some((s) => typeof s.run === "string" && new RegExp(`npm run verify -- ${stack}\\b`).test(s.run)))
        out.push(`${where(j, step)}: no \`npm run verify -- ${stack}\` after the update`);
    });
    for (const stack of j.stacks) {
      const env = PROTECTED[stack];
      if (env) {
        if (envName(j.job) !== env) out.push(`${where(j)}: deploys ${stack} outside the ${env} environment`);
        if (!String(j.job.if ?? "").includes(`github.ref == 'refs/heads/${DEPLOY_BRANCH}'`))
          out.push(`${where(j)}: deploys ${stack} without requiring github.ref == 'refs/heads/${DEPLOY_BRANCH}'`);
        const others = ups.filter((o) => o.wf === j.wf && o.stacks.some((s) => !PROTECTED[s])).map((o) => o.id);
        if (others.length === 0 || !others.every((o) => needsOf(j.job).includes(o)))
          out.push(`${where(j)}: deploys ${stack} without needing the other stacks' deploy jobs (${others.join(", ") || "none"})`);
      } else if (envName(j.job) && Object.values(PROTECTED).includes(envName(j.job))) {
        out.push(`${where(j)}: ${stack} uses the ${envName(j.job)} environment reserved for ${Object.keys(PROTECTED).join(", ")}`);
      }
    }
  }
  return out;
}

/** One concurrency group per stack for updates; nothing that runs Pulumi cancels in progress; previews and drift never share the deploy group. */
export function concurrencyProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  const deployGroups = new Map<string, string>();
  const otherGroups: Array<[string, string]> = [];
  for (const wf of wfs) {
    if (
      wf.doc?.concurrency?.["cancel-in-progress"] !== undefined &&
      wf.doc.concurrency["cancel-in-progress"] !== false &&
      jobs(wf).some((j) => steps(j).some(isPulumiStep))
    ) {
      out.push(`${wf.file}: workflow-level concurrency may cancel a Pulumi run`);
    }
    for (const j of jobs(wf)) {
      const pulumiSteps = steps(j).filter(isPulumiStep);
      if (!pulumiSteps.length) continue;
      const c = j.job.concurrency;
      const group = typeof c === "string" ? c : c?.group;
      if (!group) {
        out.push(`${where(j)}: runs Pulumi without a concurrency group`);
        continue;
      }
      if (typeof c !== "object" || c["cancel-in-progress"] !== false)
        out.push(`${where(j)}: concurrency must say cancel-in-progress: false`);
      for (const s of pulumiSteps)
        if (!String(group).includes(String(s.with["stack-name"])))
          out.push(`${where(j)}: concurrency group "${group}" does not name the stack ${s.with["stack-name"]}`);
      // The groups the job really uses, one per matrix stack.
      const matrix: string[] = Array.isArray(j.job.strategy?.matrix?.stack) ? j.job.strategy.matrix.stack.map(String) : [""];
      const groups = matrix.map((m) => [
        String(group).replace(/\$\{\{\s*matrix\.stack\s*\}\}/g, m),
        m || String(pulumiSteps[0].with["stack-name"]),
      ]);
      for (const [g, stack] of groups) {
        if (pulumiSteps.some((s) => s.with.command === "up")) {
          if (deployGroups.has(g) && deployGroups.get(g) !== stack) out.push(`${where(j)}: deploy group "${g}" shared by two stacks`);
          deployGroups.set(g, stack);
        } else {
          otherGroups.push([g, where(j)]);
        }
      }
    }
  }
  for (const [group, w] of otherGroups)
    if (deployGroups.has(group)) out.push(`${w}: shares the deploy group "${group}" (a queued run would cancel a queued deployment)`);
  return out;
}

/** Previews decrypt state: never for forks, never with pull_request_target, always the read-only role. */
export function previewProblems(wfs: Workflow[]): string[] {
  const out: string[] = [];
  for (const wf of wfs) {
    const on = triggers(wf);
    if ("pull_request_target" in on) out.push(`${wf.file}: pull_request_target runs fork code with this repository's permissions`);
    for (const j of jobs(wf)) {
      const st = steps(j);
      const pulumiSteps = st.filter(isPulumiStep);
      if (!pulumiSteps.length) continue;
      const role = String(st.find(isAwsStep)?.with?.["role-to-assume"] ?? "");
      const ups = pulumiSteps.filter((s) => s.with.command === "up");
      if (ups.length === 0 && role !== "${{ vars.AWS_PREVIEW_ROLE_ARN }}")
        out.push(`${where(j)}: a preview must use the read-only role vars.AWS_PREVIEW_ROLE_ARN (got "${role}")`);
      for (const s of ups) {
        const want = `\${{ vars.AWS_DEPLOY_ROLE_ARN_${String(s.with["stack-name"]).toUpperCase().replace(/-/g, "_")} }}`;
        if (role !== want) out.push(`${where(j)}: updates ${s.with["stack-name"]} with role "${role}" instead of ${want}`);
      }
      if ("pull_request" in on && !String(j.job.if ?? "").includes("github.event.pull_request.head.repo.full_name == github.repository")) {
        out.push(
          `${where(j)}: runs Pulumi for pull requests from forks (needs if: github.event.pull_request.head.repo.full_name == github.repository)`,
        );
      }
      const buildx = st.findIndex((s) => usesOf(s, "docker/setup-buildx-action"));
      if (buildx === -1 || buildx > st.indexOf(pulumiSteps[0]))
        out.push(`${where(j)}: no Docker Buildx before Pulumi (the image builds on preview and up)`);
    }
  }
  return out;
}

export function allProblems(wfs: Workflow[]): string[] {
  return [
    ...pinProblems(wfs),
    ...pulumiStepProblems(wfs),
    ...oidcProblems(wfs),
    ...permissionProblems(wfs),
    ...deployProblems(wfs),
    ...concurrencyProblems(wfs),
    ...previewProblems(wfs),
  ];
}

/** `vars.NAME` references across the workflows. */
export function repositoryVariables(wfs: Workflow[]): string[] {
  const names = new Set<string>();
  for (const wf of wfs) for (const m of wf.text.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  return [...names].sort();
}
