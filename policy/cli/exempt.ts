// `npm run policy -- exempt POLICY RESOURCE --reason "..." --expires YYYY-MM-DD --stack NAME`
// Writes a reviewed, expiring exemption into policy/config/<stack>.json, refusing a missing or
// thin reason and an expiry past the stack's limit (maxExemptionDays on
// paved-exemptions-not-expired, which the pack enforces on every run too).
import * as fs from "fs";
import * as path from "path";
import { loadPolicyConfig, validatePolicyConfig } from "../evaluator";
import { DEFAULT_MAX_EXEMPTION_DAYS, exemptionsSchema, expiryProblem } from "../lib/exemptions";
import { policies } from "../policies";
import type { CheckDeps } from "./check";
import { closest, CliIO, CommandSpec, UsageError } from "./options";

export const CONFIG_DIR = path.join("policy", "config");
const LIMIT_POLICY = "paved-exemptions-not-expired";
const DEFAULT_ROOT = path.resolve(__dirname, "..", "..");

export const EXEMPT_COMMAND: CommandSpec = {
  command: "npm run policy -- exempt",
  summary: "Adds a reviewed, expiring exemption of one resource from one policy to policy/config/<stack>.json.",
  positionals: [
    { name: "policy", description: "The policy, e.g. paved-ecs-readonly-root-filesystem", required: true },
    { name: "resource", description: "The resource's logical name (as in the finding, e.g. service-app) or its URN", required: true },
  ],
  options: {
    reason: { type: "string", placeholder: "TEXT", description: "Why this is acceptable and who reviewed it (at least 10 characters)." },
    expires: {
      type: "string",
      placeholder: "YYYY-MM-DD",
      description: "Last day (UTC) it applies; at most the stack's maxExemptionDays away.",
    },
    stack: { type: "string", placeholder: "NAME", description: "The stack whose policy config gets the exemption." },
  },
  examples: [
    'npm run policy -- exempt paved-ecs-readonly-root-filesystem service-app --reason "ECS Exec for incident INC-7, approved by J. Doe" --expires 2026-12-15 --stack staging',
  ],
  notes: [`The limit is maxExemptionDays on ${LIMIT_POLICY} in the stack's policy config (default ${DEFAULT_MAX_EXEMPTION_DAYS}).`],
};

/** policy/config/<stack>.json under `root`, or a one-line usage error naming the known stacks. */
export function stackConfigFile(stack: string, root: string): string {
  const file = path.join(root, CONFIG_DIR, `${stack}.json`);
  if (!fs.existsSync(file)) {
    const known = fs.existsSync(path.join(root, CONFIG_DIR))
      ? fs
          .readdirSync(path.join(root, CONFIG_DIR))
          .filter((f) => f.endsWith(".json"))
          .map((f) => f.slice(0, -5))
          .sort()
      : [];
    throw new UsageError(
      `no policy config for stack "${stack}" (${path.join(CONFIG_DIR, `${stack}.json`)}). Known stacks: ${known.join(", ") || "(none)"}. ` +
        `Create it by copying ${path.join(CONFIG_DIR, "staging.json")} and adjusting levels and thresholds.`,
    );
  }
  return file;
}

export async function exempt(policy: string, resource: string, values: Record<string, any>, io: CliIO, deps: CheckDeps): Promise<number> {
  const root = deps.root ?? DEFAULT_ROOT;
  const reason = typeof values.reason === "string" ? values.reason.trim() : "";
  const expires = typeof values.expires === "string" ? values.expires : "";
  if (values.stack === undefined) throw new UsageError("missing --stack NAME (the stack whose policy config gets the exemption).");
  if (!reason) throw new UsageError('missing --reason "..." (why this is acceptable, and who reviewed it).');
  const minReason = (exemptionsSchema as any).items.properties.reason.minLength as number;
  if (reason.length < minReason)
    throw new UsageError(`--reason is too short (${reason.length} characters, at least ${minReason}): say why, and who reviewed it.`);
  if (!expires) throw new UsageError("missing --expires YYYY-MM-DD (the last day the exemption applies).");
  const known = policies.map((p) => p.name);
  const target = policies.find((p) => p.name === policy);
  if (!target) {
    const near = closest(policy, known);
    throw new UsageError(`unknown policy "${policy}"${near ? ` (did you mean ${near}?)` : ""}.`);
  }
  if (!(target.configSchema?.properties ?? {}).exemptions)
    throw new UsageError(`${policy} cannot be exempted (it reports on exemptions themselves).`);
  if (!resource.trim()) throw new UsageError("RESOURCE is empty: give the resource's logical name from the finding, or its URN.");

  const file = stackConfigFile(String(values.stack), root);
  const config = loadPolicyConfig(file);
  const limitEntry = config[LIMIT_POLICY];
  const maxDays =
    typeof limitEntry === "object" && typeof limitEntry?.maxExemptionDays === "number"
      ? limitEntry.maxExemptionDays
      : DEFAULT_MAX_EXEMPTION_DAYS;
  const problem = expiryProblem(expires, maxDays, (deps.now ?? (() => new Date()))());
  if (problem) throw new UsageError(`--expires ${problem}.`);

  const entry = config[policy];
  const next: Record<string, any> = typeof entry === "string" ? { enforcementLevel: entry } : { ...(entry ?? {}) };
  const list: any[] = Array.isArray(next.exemptions) ? next.exemptions.filter((e: any) => e?.resource !== resource) : [];
  const replaced = Array.isArray(next.exemptions) && list.length !== next.exemptions.length;
  list.push({ resource, reason, expires });
  next.exemptions = list;
  const updated = { ...config, [policy]: next };
  const problems = validatePolicyConfig(updated);
  if (problems.length) {
    io.err(`refusing to write ${path.relative(root, file)}: the result would be invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return 2;
  }
  fs.writeFileSync(file, JSON.stringify(updated, null, 2) + "\n");
  io.out(
    `${replaced ? "Replaced" : "Added"} exemption of '${resource}' from ${policy} until ${expires} in ${path.relative(root, file)}. ` +
      "Commit it for review; `pulumi preview`/`up` report it on every run (paved-exemptions-report) until it expires.",
  );
  return 0;
}
