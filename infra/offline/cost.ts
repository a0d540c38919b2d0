/**
 * `npm run cost -- <stack> [--json] [--config key=value] [--usage key=value]`
 *
 * A monthly estimate from the offline plan: one line per priced item (resource, what is billed,
 * quantity, unit price, monthly) and a total. The pricing itself is the pack's pricing core
 * (policy/lib/pricing.ts, also run by the paved-monthly-estimate policy); the prices and the default
 * usage assumptions are the dated table infra/reference/prices-<region>.json.
 * Exit codes: 0 estimate printed, 1 some resource is neither priced nor on the free list, 2 bad usage.
 */
import { runCommand, UsageError, type CommandSpec, type ParsedOptions, type OptionSpec } from "./options";
import { runPlan, listStacks, type PlanResult, type ExportDoc, type ExportResource } from "./plan";
import { listReferences, loadReference } from "../reference";
import {
  checkPriceTable,
  estimate,
  resolveUsage,
  topResources,
  usd,
  DEFAULT_PRICE_REGION,
  type Estimate,
  type PriceTable,
  type PricedResource,
} from "../../policy/lib/pricing";

/** The price table for a region from infra/reference/ (us-east-1 when the region has none). */
export function priceTable(region: string): PriceTable {
  const name = listReferences().includes(`prices-${region}`) ? `prices-${region}` : `prices-${DEFAULT_PRICE_REGION}`;
  return checkPriceTable(loadReference(name), `infra/reference/${name}.json`);
}

/** Export resources as the pricing core reads them (inputs, as the pack sees them). */
export function pricedResources(resources: ExportResource[]): PricedResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.urn.split("::").pop()!,
    urn: r.urn,
    props: r.inputs ?? {},
    propertyDependencies: r.propertyDependencies,
    custom: r.custom,
  }));
}

/** The region of the default aws provider (us-east-1 when there is none). */
export function regionOf(resources: ExportResource[]): string {
  const p = resources.find((r) => r.type === "pulumi:providers:aws");
  return (p?.inputs?.region as string | undefined) ?? DEFAULT_PRICE_REGION;
}

/** The estimate of a `pulumi stack export` document (an offline plan's or a real stack's). */
export function estimateExport(doc: ExportDoc, usage: Record<string, string | number> = {}): Estimate {
  const resources = doc.deployment.resources;
  const region = regionOf(resources);
  return estimate(pricedResources(resources), { region, usage, table: priceTable(region) });
}

/** The estimate of a plan. */
export function estimatePlan(result: PlanResult, usage: Record<string, string | number> = {}): Estimate {
  return estimateExport(result.exportDoc, usage);
}

/** `--usage k=v` values (repeatable) as a map; a malformed one is a usage error. */
export function parseUsage(raw: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const u of raw ?? []) {
    const eq = u.indexOf("=");
    if (eq <= 0) throw new UsageError(`--usage needs KEY=VALUE (e.g. --usage natGb=50), got "${u}".`);
    out[u.slice(0, eq)] = u.slice(eq + 1);
  }
  return out;
}

/** Refuses unknown or malformed usage overrides before the (slow) plan runs. */
export function checkUsage(usage: Record<string, string>): void {
  try {
    resolveUsage(priceTable(DEFAULT_PRICE_REGION), usage);
  } catch (e: any) {
    throw new UsageError(e.message);
  }
}

export const USAGE_OPTION: OptionSpec = {
  type: "string",
  multiple: true,
  placeholder: "KEY=VALUE",
  description: "Override one usage assumption (repeatable), e.g. --usage natGb=50; the defaults are printed with every estimate.",
};

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

/** The text report: lines grouped per resource, total, top lines, assumptions, sources. */
export function renderEstimate(stack: string, e: Estimate): string {
  const out: string[] = [`Monthly estimate for stack "${stack}" (offline plan, ${e.priceRegion} on-demand list prices as of ${e.asOf})`];
  if (e.regionNote) out.push(`NOTE: ${e.regionNote}`);
  out.push("");
  const w = Math.max(...e.lines.map((l) => l.resource.length), 8);
  const iw = Math.max(...e.lines.map((l) => l.item.length), 4);
  out.push(`${pad("resource", w)}  ${pad("billed", iw)}  ${lpad("quantity", 22)}  ${lpad("unit price", 12)}  ${lpad("monthly", 10)}`);
  for (const l of e.lines) {
    out.push(
      `${pad(l.resource, w)}  ${pad(l.item, iw)}  ${lpad(`${l.quantity} ${l.unit}`, 22)}  ${lpad(`$${l.unitUsd}`, 12)}  ${lpad(usd(l.monthlyUsd), 10)}`,
    );
  }
  out.push("", `Total: ${usd(e.totalUsd)} / month`);
  out.push("", "Top lines:");
  for (const t of topResources(e, 5)) out.push(`  ${lpad(usd(t.monthlyUsd), 10)}  ${t.resource} (${t.type})`);
  out.push("", "Usage assumptions (override with --usage KEY=VALUE):");
  for (const u of e.usage) out.push(`  ${u.key}=${u.value}${u.overridden ? " (overridden)" : ""}  ${u.unit}: ${u.description}`);
  const freeCount = Object.values(e.free).reduce((a, b) => a + b, 0);
  out.push("", `${freeCount} more resources cost nothing themselves (VPC, subnets, routes, security groups, IAM, listeners, ...).`);
  if (e.unpriced.length) {
    out.push("", `NOT PRICED (${e.unpriced.length}): the estimate is missing these:`);
    for (const u of e.unpriced) out.push(`  ${u.name} (${u.type}): ${u.why}`);
  }
  out.push("", `Prices: ${e.source}`);
  if (e.notes) out.push(`Not included: ${e.notes}`);
  return out.join("\n");
}

export const COST_COMMAND: CommandSpec = {
  command: "npm run cost --",
  summary:
    "Estimates a stack's monthly AWS bill from the offline plan (nothing is deployed): one line per priced item and a total, with the usage assumptions printed.",
  standard: ["stack", "json", "config"],
  options: { usage: USAGE_OPTION },
  examples: [
    "npm run cost -- staging",
    "npm run cost -- prod --json",
    "npm run cost -- staging --usage natGb=50 --usage logsGb=20",
    "npm run cost -- staging --config natMode=gateway",
  ],
  notes: [
    "Prices and default usage assumptions: infra/reference/prices-us-east-1.json (dated, a source per line). A region without its own table is estimated with us-east-1 prices, and the output says so.",
    "Exit codes: 0 estimate printed, 1 a resource is neither priced nor on the table's free list (the estimate would be too low), 2 bad usage or a program/config error.",
  ],
};

export async function main(argv: string[]): Promise<number> {
  return runCommand(COST_COMMAND, argv, (o) => cost(o));
}

async function cost(o: ParsedOptions): Promise<number> {
  if (!o.stack) throw new UsageError(`missing stack. Stacks: ${listStacks().join(", ")}.`);
  const usage = parseUsage(o.values.usage as string[] | undefined);
  checkUsage(usage);
  let result: PlanResult;
  try {
    result = await runPlan(o.stack, { config: o.config });
  } catch (e: any) {
    console.error(`cost: ${e?.message ?? e}`);
    return 2;
  }
  let e: Estimate;
  try {
    e = estimatePlan(result, usage);
  } catch (err: any) {
    throw new UsageError(err.message);
  }
  if (o.json) console.log(JSON.stringify({ stack: o.stack, ...e }, null, 2));
  else console.log(renderEstimate(o.stack, e));
  return e.unpriced.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`cost failed: ${e?.stack ?? e}`);
      process.exit(2);
    },
  );
}
