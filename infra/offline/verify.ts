/**
 * `npm run verify -- <stack>`: did the last `pulumi up` actually go live?
 *
 * When the ECS deployment circuit breaker rolls a release back, the service ends with one
 * deployment and running = desired — exactly the state the provider waits for — so `pulumi up`
 * (and a CI deploy) reports success for a release that never served a request. This command
 * checks, after every update, what `up` cannot:
 *
 *   1. the service's PRIMARY deployment runs this update's task definition (stack output
 *      `taskDefinitionArn`), i.e. ECS did not roll it back;
 *   2. that deployment's rolloutState is COMPLETED (it waits while IN_PROGRESS, up to --timeout);
 *   3. `/health` answers 200 through the load balancer (stack output `healthUrl`).
 *
 * A failure names the service, the deployment state and where to look. `npm run up` runs it
 * after a successful `pulumi up`; a CI deploy job runs the same command.
 * Exit codes: 0 live, 1 not live (rolled back, failed, timed out, unhealthy), 2 usage/outputs error.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { DescribeServicesCommand, ECSClient, type DescribeServicesCommandOutput } from "@aws-sdk/client-ecs";
import { runCommand, UsageError, type CommandSpec, type ParsedOptions } from "./options";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The stack outputs verify reads (exported by infra/index.ts). */
export const VERIFY_OUTPUTS = ["awsRegion", "clusterName", "serviceName", "taskDefinitionArn", "healthUrl", "logGroupName"] as const;
export type VerifyOutputs = Record<(typeof VERIFY_OUTPUTS)[number], string>;

/** The part of the ECS client verify uses (a stub in tests; the emulator cannot roll back). */
export interface EcsLike {
  send(command: DescribeServicesCommand): Promise<DescribeServicesCommandOutput>;
}

export interface VerifyDeps {
  /** The stack's outputs (default: `pulumi stack output --json --stack <stack>`). */
  readOutputs: (stack: string) => Promise<Record<string, unknown>>;
  /** An ECS client for the stack's region. */
  ecs: (region: string) => EcsLike;
  fetch: (url: string, init?: { signal?: AbortSignal }) => Promise<{ status: number }>;
  sleep: (ms: number) => Promise<void>;
  /** Monotonic milliseconds (injected so tests never wait). */
  now: () => number;
}

export interface VerifyOptions {
  /** How long to wait for an IN_PROGRESS deployment (s). */
  timeoutSeconds: number;
  /** Poll interval (s). */
  intervalSeconds: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Human-readable report, one finding per line. */
  lines: string[];
  /** The primary deployment as seen last (for --json). */
  deployment?: {
    id?: string;
    taskDefinition?: string;
    rolloutState?: string;
    rolloutStateReason?: string;
    runningCount?: number;
    desiredCount?: number;
  };
  healthStatus?: number;
}

/** Reads `pulumi stack output --json` for a stack (the Pulumi CLI must be logged in). */
export async function pulumiStackOutputs(stack: string): Promise<Record<string, unknown>> {
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.error)
    throw new UsageError(
      `cannot run the Pulumi CLI to read the outputs of stack "${stack}" (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}).`,
    );
  if (r.status !== 0) throw new UsageError(`\`pulumi stack output --json --stack ${stack}\` failed: ${(r.stderr || r.stdout).trim()}`);
  return JSON.parse(r.stdout);
}

export const DEFAULT_DEPS: VerifyDeps = {
  readOutputs: pulumiStackOutputs,
  ecs: (region) => new ECSClient({ region }),
  fetch: (url, init) => fetch(url, init),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => performance.now(),
};

/** Where to look when the release is not live. */
export function whereToLook(o: VerifyOutputs): string[] {
  const url = `https://${o.awsRegion}.console.aws.amazon.com/ecs/v2/clusters/${o.clusterName}/services/${o.serviceName}/deployments?region=${o.awsRegion}`;
  return [
    `  where to look: ECS deployments and events: ${url}`,
    `                 aws ecs describe-services --region ${o.awsRegion} --cluster ${o.clusterName} --services ${o.serviceName} --query 'services[0].events[:10].message'`,
    `                 stopped tasks: aws ecs list-tasks --region ${o.awsRegion} --cluster ${o.clusterName} --service-name ${o.serviceName} --desired-status STOPPED`,
    `                 app logs: aws logs tail ${o.logGroupName} --region ${o.awsRegion} --since 30m`,
  ];
}

function requireOutputs(stack: string, raw: Record<string, unknown>): VerifyOutputs {
  const missing = VERIFY_OUTPUTS.filter((k) => typeof raw[k] !== "string" || raw[k] === "");
  if (missing.length) {
    throw new UsageError(
      `stack "${stack}" has no output${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: run \`npm run up -- ${stack}\` (with this version of the program) first.`,
    );
  }
  return raw as VerifyOutputs;
}

/** Runs the three checks. Pure apart from `deps`. */
export async function verify(stack: string, deps: VerifyDeps, opts: VerifyOptions): Promise<VerifyResult> {
  const o = requireOutputs(stack, await deps.readOutputs(stack));
  const ecs = deps.ecs(o.awsRegion);
  const svc = `ECS service ${o.serviceName} (cluster ${o.clusterName}, stack ${stack})`;
  const deadline = deps.now() + opts.timeoutSeconds * 1000;
  const fail = (lines: string[], deployment?: VerifyResult["deployment"]): VerifyResult => ({
    ok: false,
    lines: [...lines, ...whereToLook(o)],
    deployment,
  });

  for (;;) {
    const out = await ecs.send(new DescribeServicesCommand({ cluster: o.clusterName, services: [o.serviceName] }));
    const service = out.services?.[0];
    if (!service || service.status === "INACTIVE") {
      return fail([
        `FAIL ${svc}: the service does not exist or is INACTIVE${out.failures?.[0]?.reason ? ` (${out.failures[0].reason})` : ""}.`,
      ]);
    }
    const primary = (service.deployments ?? []).find((d) => d.status === "PRIMARY");
    const dep = primary && {
      id: primary.id,
      taskDefinition: primary.taskDefinition,
      rolloutState: primary.rolloutState,
      rolloutStateReason: primary.rolloutStateReason,
      runningCount: primary.runningCount,
      desiredCount: primary.desiredCount,
    };
    const events = (service.events ?? []).slice(0, 3).map((e) => `  recent event: ${e.message}`);
    const state = dep
      ? `deployment ${dep.id}: rolloutState=${dep.rolloutState ?? "unknown"}${dep.rolloutStateReason ? ` (${dep.rolloutStateReason})` : ""}, running ${dep.runningCount}/${dep.desiredCount}`
      : "no PRIMARY deployment";
    if (!dep) return fail([`FAIL ${svc}: ${state}.`, ...events]);
    if (dep.taskDefinition !== o.taskDefinitionArn) {
      // The circuit breaker (or a deployment alarm) rolled back: the primary deployment runs an earlier revision.
      return fail(
        [
          `FAIL ${svc}: the primary deployment runs ${dep.taskDefinition}, not this update's ${o.taskDefinitionArn}: ECS rolled the release back (${state}).`,
          ...events,
        ],
        dep,
      );
    }
    if (dep.rolloutState === "FAILED") return fail([`FAIL ${svc}: this update's deployment FAILED (${state}).`, ...events], dep);
    if (dep.rolloutState === "COMPLETED") {
      const lines = [
        `ok   ${svc}: primary deployment runs this update's task definition ${o.taskDefinitionArn} and COMPLETED (running ${dep.runningCount}/${dep.desiredCount}).`,
      ];
      let status: number;
      try {
        status = (await deps.fetch(o.healthUrl, { signal: AbortSignal.timeout(10_000) })).status;
      } catch (e) {
        return fail(
          [...lines, `FAIL GET ${o.healthUrl} through the load balancer: ${(e as Error).message} (DNS, certificate or security group?).`],
          dep,
        );
      }
      if (status !== 200) {
        return {
          ...fail(
            [
              ...lines,
              `FAIL GET ${o.healthUrl} through the load balancer answered ${status}, expected 200 (503: the database check fails; 502/504: no healthy target).`,
            ],
            dep,
          ),
          healthStatus: status,
        };
      }
      return {
        ok: true,
        lines: [...lines, `ok   GET ${o.healthUrl} answered 200 through the load balancer.`],
        deployment: dep,
        healthStatus: status,
      };
    }
    if (deps.now() >= deadline) {
      return fail([`FAIL ${svc}: this update's deployment did not complete within ${opts.timeoutSeconds}s (${state}).`, ...events], dep);
    }
    await deps.sleep(opts.intervalSeconds * 1000);
  }
}

export const VERIFY_COMMAND: CommandSpec = {
  command: "npm run verify --",
  summary:
    "Checks that the last update of a stack went live: the ECS service's primary deployment runs this update's task definition and COMPLETED (not rolled back), and /health answers 200 through the load balancer.",
  standard: ["stack", "json"],
  options: {
    timeout: { type: "string", placeholder: "SECONDS", description: "How long to wait for a deployment still IN_PROGRESS (default 900)." },
    interval: { type: "string", placeholder: "SECONDS", description: "Poll interval while waiting (default 15)." },
  },
  examples: ["npm run verify -- staging", "npm run verify -- prod --timeout 1800 --json"],
  notes: [
    "Reads the stack outputs with `pulumi stack output --json --stack <stack>` and the service with ecs:DescribeServices (AWS credentials of the stack's account).",
    "Exit codes: 0 the release is live, 1 it is not (rolled back, failed, timed out or unhealthy), 2 bad usage or missing stack outputs.",
  ],
};

function seconds(o: ParsedOptions, name: string, def: number): number {
  const raw = o.values[name];
  if (raw === undefined) return def;
  if (typeof raw !== "string" || !/^\d+$/.test(raw))
    throw new UsageError(`--${name} must be a whole number of seconds, got ${JSON.stringify(raw)}.`);
  return Number(raw);
}

export async function main(
  argv: string[],
  deps: VerifyDeps = DEFAULT_DEPS,
  io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) },
): Promise<number> {
  return runCommand(
    VERIFY_COMMAND,
    argv,
    async (o) => {
      if (!o.stack) throw new UsageError("no stack given: `npm run verify -- <stack>`.");
      const result = await verify(o.stack, deps, {
        timeoutSeconds: seconds(o, "timeout", 900),
        intervalSeconds: seconds(o, "interval", 15),
      });
      if (o.json) io.out(JSON.stringify(result, null, 2));
      else (result.ok ? io.out : io.err)(result.lines.join("\n"));
      return result.ok ? 0 : 1;
    },
    io,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`verify failed: ${e?.message ?? e}`);
      process.exit(2);
    },
  );
}
