/**
 * No update without the pack.
 *
 * The Pulumi CLI applies a policy pack only when it is passed on the command line
 * (`--policy-pack`): no Pulumi.yaml field or environment variable attaches one. So a plain
 * `pulumi up` — the command every tutorial teaches — would deploy this program with none of the
 * pack's guardrails. The program therefore refuses a REAL preview or update (`isRealRun()`) that
 * was not started through a pack-carrying path:
 *
 *   - `npm run preview|up -- <stack>` (policy/cli/pulumi.ts) and the workflows pass
 *     `--policy-pack` and set PAVED_POLICY_PACK to the pack's folder;
 *   - PAVED_POLICY_PACK=pulumi-cloud declares that a Pulumi Cloud policy group enforces the
 *     pack (accepted only on a Pulumi Cloud backend, where policy groups exist).
 *
 * Checks, in order: the marker is set; a folder marker names a real pack (PulumiPolicy.yaml);
 * and where the Pulumi CLI's own command line is readable (Linux /proc), it carries
 * `--policy-pack`, so a marker left exported in a shell does not wave a plain `pulumi up`
 * through. What it cannot stop: someone who sets the marker AND runs on a system whose process
 * table is unreadable, or who edits this file. It is a seatbelt, not a lock.
 *
 * Under mocks (offline plan, tests) `isRealRun()` is false and nothing here runs.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { currentRuntimeOptions, isRealRun, type RuntimeOptions } from "./runtime";

/** Set by the pack-carrying wrapper (policy/cli/pulumi.ts POLICY_PACK_ENV) and the workflows. */
export const POLICY_PACK_ENV = "PAVED_POLICY_PACK";
/** Marker value for "a Pulumi Cloud policy group enforces the pack". */
export const CLOUD_POLICY_GROUP = "pulumi-cloud";
/** The organization name Pulumi reports on DIY backends (S3, local file), where policy groups do not exist. */
const DIY_ORGANIZATION = "organization";

export interface PackGuardOptions {
  /** Pulumi runtime options (default: the current ones); tests force a real run with a monitor address. */
  runtime?: RuntimeOptions;
  env?: NodeJS.ProcessEnv;
  /** Where a relative marker path is resolved (the program's working directory = the project folder). */
  cwd?: string;
  stack?: string;
  /** The Pulumi organization (DIY backends report "organization"). */
  organization?: string;
  /** The Pulumi CLI's command line when it can be read, else undefined. */
  cliArgs?: () => string[] | undefined;
  /** The command that works for this project, e.g. `npm run up -- staging`. */
  upCommand?: string;
}

/** Why this run must not proceed, or undefined when it may. */
export function packGuardProblem(opts: PackGuardOptions = {}): string | undefined {
  if (!isRealRun(opts.runtime ?? currentRuntimeOptions())) return undefined;
  const env = opts.env ?? process.env;
  const stack = opts.stack ?? pulumi.getStack();
  const up = opts.upCommand ?? `npm run up -- ${stack}`;
  const refuse = (why: string) =>
    `Refusing this pulumi preview/up of stack "${stack}": ${why} The Pulumi CLI applies the paved policy pack only when it is passed on the command line, ` +
    `so this run would skip every guardrail. Run \`${up}\` (or \`${up.replace(" up ", " preview ")}\`), which passes the pack and this stack's policy config. ` +
    `If a Pulumi Cloud policy group enforces the pack for this stack instead, set ${POLICY_PACK_ENV}=${CLOUD_POLICY_GROUP}.`;
  const marker = env[POLICY_PACK_ENV];
  if (!marker) return refuse(`it was not started with the policy pack (${POLICY_PACK_ENV} is not set).`);
  if (marker === CLOUD_POLICY_GROUP) {
    const org = opts.organization ?? pulumi.getOrganization();
    if (org === DIY_ORGANIZATION)
      return refuse(
        `${POLICY_PACK_ENV}=${CLOUD_POLICY_GROUP} but this stack's backend is not Pulumi Cloud (policy groups exist only there).`,
      );
    return undefined;
  }
  const packDir = path.resolve(opts.cwd ?? process.cwd(), marker);
  if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml")))
    return refuse(`${POLICY_PACK_ENV}=${marker} does not name a policy pack (no PulumiPolicy.yaml in ${packDir}).`);
  const args = (opts.cliArgs ?? pulumiCliArgs)();
  if (args && !args.some((a) => a === "--policy-pack" || a.startsWith("--policy-pack="))) {
    return refuse(`${POLICY_PACK_ENV} is set, but the running \`pulumi ${args.slice(1, 2).join(" ")}\` has no --policy-pack.`);
  }
  return undefined;
}

/** Throws (failing the preview/update before any resource is registered) when the run lacks the pack. */
export function requirePolicyPack(opts: PackGuardOptions = {}): void {
  const problem = packGuardProblem(opts);
  if (problem) throw new Error(problem);
}

/** Reads a process' `/proc/<pid>/cmdline` and parent pid; undefined where /proc is unreadable. */
export interface ProcReader {
  cmdline(pid: number): string[] | undefined;
  ppid(pid: number): number | undefined;
}

const linuxProc: ProcReader = {
  cmdline(pid) {
    try {
      return fs
        .readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .filter((x) => x !== "");
    } catch {
      return undefined;
    }
  },
  ppid(pid) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
    } catch {
      return undefined;
    }
  },
};

/**
 * The command line of the nearest ancestor that is the Pulumi CLI (program → language host →
 * `pulumi`), or undefined when none is found or the process table cannot be read.
 */
export function pulumiCliArgs(start: number = process.ppid, proc: ProcReader = linuxProc): string[] | undefined {
  let pid: number | undefined = start;
  for (let depth = 0; pid !== undefined && pid > 1 && depth < 8; depth++) {
    const argv = proc.cmdline(pid);
    if (!argv) return undefined;
    if (argv.length > 0 && /^pulumi(\.exe)?$/.test(path.basename(argv[0]))) return argv;
    pid = proc.ppid(pid);
  }
  return undefined;
}
