// `npm run preview -- <stack> [options] [pulumi args...]` / `npm run up -- <stack> [...]`
// Always runs the Pulumi CLI with this pack and the stack's policy config, so the safe way is
// the short way, and marks the run (PAVED_POLICY_PACK) so the program knows it carries the pack:
// a real run of the program without that marker refuses to start (infra/guard.ts).
// `up` ends with the post-deploy verification (`npm run verify -- <stack>`).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runCommand, type CommandSpec, type ParsedOptions } from "./options";
import { resolveProject, type ProjectSpec } from "./projects";

const POLICY_DIR = path.resolve(__dirname, "..");
const REPO_ROOT = path.resolve(POLICY_DIR, "..");

/**
 * The environment variable that tells the program it was started with the pack: the pack's
 * folder (as passed to `--policy-pack`), or `pulumi-cloud` when a Pulumi Cloud policy group
 * enforces it. infra/guard.ts reads it; keep the two in step.
 */
export const POLICY_PACK_ENV = "PAVED_POLICY_PACK";

export type PulumiCommand = "preview" | "up";

/** What the wrapper runs: `pulumi <args>` in `cwd` with `env`. */
export interface PulumiInvocation {
  args: string[];
  /** Folder of the project's Pulumi.yaml (absolute). */
  cwd: string;
  /** Variables added to the caller's environment. */
  env: Record<string, string>;
}

/** Pulumi arguments for a stack of a project: the pack and the stack's policy config, always. */
export function buildPulumiArgs(
  command: PulumiCommand,
  stack: string,
  extra: string[],
  project: ProjectSpec = resolveProject(undefined),
): string[] {
  const cwd = path.join(REPO_ROOT, project.dir);
  const pack = path.relative(cwd, POLICY_DIR) || ".";
  const configFile = path.relative(cwd, path.join(REPO_ROOT, project.policyConfigDir, `${stack}.json`));
  return [command, "--stack", stack, "--policy-pack", pack, "--policy-pack-config", configFile, ...extra];
}

export function pulumiInvocation(
  command: PulumiCommand,
  stack: string,
  extra: string[],
  project: ProjectSpec = resolveProject(undefined),
): PulumiInvocation {
  const args = buildPulumiArgs(command, stack, extra, project);
  return { args, cwd: path.join(REPO_ROOT, project.dir), env: { [POLICY_PACK_ENV]: args[args.indexOf("--policy-pack") + 1] } };
}

export interface RunResult {
  status: number | null;
  error?: Error;
}
/** Runs a command with inherited stdio (injectable for tests). */
export type Runner = (cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) => RunResult;

const spawnRunner: Runner = (cmd, args, opts) => {
  const r = spawnSync(cmd, args, { ...opts, stdio: "inherit" });
  return { status: r.status, error: r.error };
};

function commandSpec(command: PulumiCommand): CommandSpec {
  return {
    command: `npm run ${command} --`,
    summary: `Runs \`pulumi ${command}\` for a stack with the paved policy pack and the stack's policy config (policy/config/<stack>.json)${command === "up" ? ", then the post-deploy verification (`npm run verify -- <stack>`)" : ""}. Unknown options are passed to the Pulumi CLI.`,
    standard: ["stack", "project"],
    passthrough: true,
    options: {
      "print-command": { type: "boolean", description: "Print the Pulumi command (with the marker variable) instead of running it." },
      ...(command === "up"
        ? {
            "no-verify": {
              type: "boolean" as const,
              description: "Skip `npm run verify -- <stack>` after a successful update (e.g. CI runs it as its own step).",
            },
          }
        : {}),
    },
    examples: [
      `npm run ${command} -- staging`,
      `npm run ${command} -- prod --print-command`,
      `npm run ${command} -- staging -- --target 'urn:pulumi:...'`,
      `npm run ${command} -- shared --project bootstrap`,
    ],
    notes: [
      "The stack may also come from $STACK. Pulumi flags that take a value go after `--` or as --flag=value.",
      `Sets ${POLICY_PACK_ENV} for the program: a real run without it refuses to start (see docs/ci-cd.md).`,
    ],
  };
}

/** The repository's npm scripts (where `verify` is looked up). */
export const packageScripts = (): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts ?? {};

export function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  run: Runner = spawnRunner,
  scripts: () => Record<string, string> = packageScripts,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "preview" && command !== "up") {
    process.stderr.write(`usage: npm run preview|up -- <stack> [options] [pulumi args...]\n`);
    return Promise.resolve(2);
  }
  return runCommand(commandSpec(command), rest, (o) => wrap(command, o, env, run, scripts));
}

function wrap(
  command: PulumiCommand,
  o: ParsedOptions,
  env: NodeJS.ProcessEnv,
  run: Runner,
  scripts: () => Record<string, string>,
): number {
  const project = resolveProject(o.project);
  const stack = o.stack ?? env.STACK;
  const projectFlag = project.key === "paved" ? "" : ` --project ${project.key}`;
  if (!stack) {
    process.stderr.write(
      `npm run ${command}: no stack given. Run \`npm run ${command} -- staging${projectFlag}\` (or prod), or set STACK=<stack>.\n`,
    );
    return 2;
  }
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) {
    process.stderr.write(`npm run ${command}: invalid stack name "${stack}" (letters, digits, - _ . only).\n`);
    return 2;
  }
  const configDir = path.join(REPO_ROOT, project.policyConfigDir);
  const configFile = path.join(configDir, `${stack}.json`);
  if (!fs.existsSync(configFile)) {
    const known = fs
      .readdirSync(configDir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.replace(/\.json$/, ""));
    process.stderr.write(
      `npm run ${command}: no policy config for stack "${stack}" (${path.join(project.policyConfigDir, `${stack}.json`)}). ` +
        `Known stacks: ${known.join(", ")}. Create one before deploying a new stack.\n`,
    );
    return 2;
  }
  try {
    // Loaded here, not at startup: usage errors answer without loading the pack.

    (require("../evaluator") as typeof import("../evaluator")).loadPolicyConfig(configFile);
  } catch (e: any) {
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const inv = pulumiInvocation(command, stack, o.rest, project);
  const verifyAfter = command === "up" && project.verifyAfterUp && o.values["no-verify"] !== true;
  if (o.values["print-command"] === true) {
    const cd = project.dir === "." ? "" : `cd ${project.dir} && `;
    const marker = Object.entries(inv.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    process.stdout.write(`${cd}${marker} pulumi ${inv.args.join(" ")}\n`);
    if (verifyAfter) process.stdout.write(`npm run verify -- ${stack}\n`);
    return 0;
  }
  const res = run("pulumi", inv.args, { cwd: inv.cwd, env: { ...env, ...inv.env } });
  if (res.error) {
    process.stderr.write(
      `cannot run the Pulumi CLI (${(res.error as any).code ?? res.error.message}). Install it (https://www.pulumi.com/docs/install/) ` +
        `or use the offline check: npm run plan -- ${stack}${projectFlag}\n`,
    );
    return 2;
  }
  const status = res.status ?? 1;
  if (status !== 0 || !verifyAfter) return status;
  return verifyStack(stack, env, run, scripts());
}

/** The post-deploy verification of issue "one verify command after updates": `npm run verify -- <stack>`. */
function verifyStack(stack: string, env: NodeJS.ProcessEnv, run: Runner, scripts: Record<string, string>): number {
  if (!scripts.verify) {
    // A checkout of the pack used without paved's program (no verify script): say so, loudly.
    process.stderr.write(`npm run up: updated, but this checkout has no \`npm run verify\` script, so the rollout was not verified.\n`);
    return 0;
  }
  process.stdout.write(`\nVerifying the rollout: npm run verify -- ${stack}\n`);
  const res = run("npm", ["run", "--silent", "verify", "--", stack], { cwd: REPO_ROOT, env });
  if (res.error) {
    process.stderr.write(`cannot run npm run verify (${res.error.message}).\n`);
    return 1;
  }
  if (res.status !== 0) {
    process.stderr.write(`pulumi up finished, but the release is not live (npm run verify -- ${stack} failed above).\n`);
    return res.status ?? 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
