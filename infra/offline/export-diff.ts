/**
 * `npm run export-diff -- [<stack>] [--config KEY=VALUE] [--write]`
 *
 * Guards restructurings of the program (moves, renames, new parents) against replacements no one
 * asked for. A baseline records, per plan variant, every resource's URN, type and physical name
 * (the input AWS names it by: `name`, `bucket`, `identifier`, `family`, ... or the prefix of a
 * generated name). `compareExport` checks a new plan against it:
 * - every physical name is unchanged (a new name is a new AWS resource: a replacement);
 * - every baseline URN still exists or is one of the `aliases` of a resource of the new plan
 *   (without an alias the engine deletes the old resource and creates a new one).
 * The baselines live in test/infra/fixtures/export-baseline-<variant>.json and are written with
 * `--write` from the program as it is BEFORE a restructuring; test/infra/export-diff.test.ts holds
 * the program to them afterwards.
 */
import * as fs from "fs";
import * as path from "path";
import { runPlan, REPO_ROOT, type ExportDoc, type ExportResource } from "./plan";
import { runCommand, type CommandSpec } from "./options";

export interface BaselineResource {
  urn: string;
  type: string;
  /** Input name → value of every field AWS names the resource by (absent: a Pulumi auto-name from the URN's name). */
  physicalName?: Record<string, string>;
}

export interface Baseline {
  stack: string;
  /** The --config overrides of this variant (`paved:` keys). */
  config: Record<string, string>;
  resources: BaselineResource[];
}

/** One plan variant: a stack plus config overrides. */
export interface Variant {
  id: string;
  stack: string;
  config: Record<string, string>;
}

/** The variants `.ci/run` plans: each stack on Fargate and on EC2 capacity. */
export const VARIANTS: Variant[] = [
  { id: "staging", stack: "staging", config: {} },
  { id: "prod", stack: "prod", config: {} },
  { id: "staging-ec2", stack: "staging", config: { "paved:compute": "ec2" } },
  { id: "prod-ec2", stack: "prod", config: { "paved:compute": "ec2" } },
];

export const BASELINE_DIR = path.join(REPO_ROOT, "test", "infra", "fixtures");
export const baselineFile = (id: string): string => path.join(BASELINE_DIR, `export-baseline-${id}.json`);

/** Inputs that name a resource in AWS, for every type. */
const NAME_FIELDS = ["name", "namePrefix", "identifier", "identifierPrefix", "dashboardName", "domainName", "bucketPrefix"];
/** Type-specific naming inputs (elsewhere these fields refer to another resource). */
const TYPE_NAME_FIELDS: Record<string, string[]> = {
  "aws:s3/bucket:Bucket": ["bucket"],
  "aws:s3/bucketV2:BucketV2": ["bucket"],
  "aws:ecs/taskDefinition:TaskDefinition": ["family"],
};

const text = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** The physical name of a resource as its inputs give it (undefined: auto-named, or a component). */
export function physicalName(r: ExportResource): Record<string, string> | undefined {
  if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
  const fields = [...NAME_FIELDS, ...(TYPE_NAME_FIELDS[r.type] ?? [])];
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = r.inputs?.[f];
    if (v !== undefined && v !== null && v !== "") out[f] = text(v);
  }
  return Object.keys(out).length ? out : undefined;
}

/** The baseline of an export: every resource but the stack and the default providers, by URN. */
export function toBaseline(doc: ExportDoc, stack: string, config: Record<string, string>): Baseline {
  const resources = doc.deployment.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"))
    .map((r) => {
      const b: BaselineResource = { urn: r.urn, type: r.type };
      const p = physicalName(r);
      if (p) b.physicalName = p;
      return b;
    })
    .sort((a, b) => a.urn.localeCompare(b.urn));
  return { stack, config, resources };
}

/**
 * What would make the engine replace something when `doc` follows `baseline`: one line per
 * problem (empty: no replacement). A resource found by alias must keep its type.
 */
export function compareExport(baseline: Baseline, doc: ExportDoc): string[] {
  const problems: string[] = [];
  const now = doc.deployment.resources;
  const byUrn = new Map(now.map((r) => [r.urn, r]));
  const byAlias = new Map<string, ExportResource>();
  for (const r of now) for (const a of r.aliases ?? []) byAlias.set(a, r);
  for (const b of baseline.resources) {
    const r = byUrn.get(b.urn) ?? byAlias.get(b.urn);
    if (!r) {
      problems.push(`${b.urn}: gone, and no resource lists it in its aliases (the engine would delete it and create its successor)`);
      continue;
    }
    const how = r.urn === b.urn ? "" : ` (now ${r.urn})`;
    if (r.type !== b.type)
      problems.push(`${b.urn}${how}: type ${b.type} became ${r.type} (an alias cannot change a custom resource's type)`);
    const was = JSON.stringify(b.physicalName ?? null);
    const is = JSON.stringify(physicalName(r) ?? null);
    if (was !== is) problems.push(`${b.urn}${how}: physical name ${was} became ${is} (AWS would replace it)`);
  }
  return problems;
}

/** Plans a variant and returns its baseline. */
export async function planBaseline(v: Variant): Promise<{ baseline: Baseline; doc: ExportDoc }> {
  const plan = await runPlan(v.stack, { config: v.config });
  return { baseline: toBaseline(plan.exportDoc, v.stack, v.config), doc: plan.exportDoc };
}

export const EXPORT_DIFF_COMMAND: CommandSpec = {
  command: "npm run export-diff --",
  summary:
    "Compares the offline plan with the committed export baselines (same physical names; every former URN still there or aliased); --write records new baselines.",
  positionals: [{ name: "variant", description: `One variant (${VARIANTS.map((v) => v.id).join(", ")}); default: all.` }],
  options: { write: { type: "boolean", description: "Write the baselines from the current program (only BEFORE a restructuring)." } },
  examples: ["npm run export-diff", "npm run export-diff -- prod-ec2", "npm run export-diff -- --write"],
  notes: ["Exit codes: 0 no replacement, 1 a resource would be replaced or deleted, 2 bad usage."],
};

export async function main(argv: string[]): Promise<number> {
  return runCommand(EXPORT_DIFF_COMMAND, argv, async (o) => {
    const id = o.args.variant;
    const variants = id ? VARIANTS.filter((v) => v.id === id) : VARIANTS;
    if (variants.length === 0)
      throw new (await import("./options")).UsageError(`unknown variant "${id}"; one of: ${VARIANTS.map((v) => v.id).join(", ")}.`);
    let failed = 0;
    for (const v of variants) {
      const { baseline, doc } = await planBaseline(v);
      if (o.values.write) {
        fs.mkdirSync(BASELINE_DIR, { recursive: true });
        fs.writeFileSync(baselineFile(v.id), JSON.stringify(baseline, null, 2) + "\n");
        console.log(`${v.id}: wrote ${path.relative(REPO_ROOT, baselineFile(v.id))} (${baseline.resources.length} resources)`);
        continue;
      }
      const old: Baseline = JSON.parse(fs.readFileSync(baselineFile(v.id), "utf8"));
      const problems = compareExport(old, doc);
      console.log(
        `${v.id}: ${problems.length === 0 ? `no replacement (${old.resources.length} resources)` : `${problems.length} problem(s)`}`,
      );
      for (const p of problems) console.log(`  - ${p}`);
      if (problems.length) failed++;
    }
    return failed ? 1 : 0;
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e?.message ?? e);
      process.exit(2);
    },
  );
}
