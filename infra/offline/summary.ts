/**
 * `npm run summary -- <stack> [--base old-export.json] [--config key=value] [--usage key=value]`
 *
 * Markdown for a pull request, labelled as paved's offline plan (distinct from Pulumi's own preview
 * comment): resources by component, policy findings, the cost estimate (total and top lines) and
 * the architecture diagram. With --base (a `pulumi stack export` v3 file: an earlier offline plan
 * from `npm run plan -- <stack> --out`, or a real stack's export), what changed: resources added,
 * removed and changed, and the cost delta.
 */
import * as fs from "fs";
import * as path from "path";
import { runCommand, UsageError, type CommandSpec, type ParsedOptions } from "./options";
import { runPlan, listStacks, REPO_ROOT, type ExportDoc, type ExportResource, type PlanResult } from "./plan";
import { checkUsage, estimateExport, parseUsage, USAGE_OPTION } from "./cost";
import { architecture, toMermaid } from "./diagram";
import { topResources, usd, type Estimate } from "../../policy/lib/pricing";
import type { Finding } from "../../policy/evaluator";

const nameOf = (urn: string) => urn.split("::").pop()!;
const isCounted = (r: ExportResource) => r.custom && !r.type.startsWith("pulumi:providers:");

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  /** Input keys whose literal value changed (inputs that come from other resources are not compared). */
  keys: string[];
}

export interface PlanDelta {
  added: { urn: string; type: string; name: string }[];
  removed: { urn: string; type: string; name: string }[];
  changed: ResourceChange[];
  cost: {
    baseUsd: number;
    headUsd: number;
    deltaUsd: number;
    lines: { resource: string; type: string; baseUsd: number; headUsd: number; deltaUsd: number }[];
  };
}

const canonical = (v: any): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );

/**
 * What changed between two exports, by URN. An input that holds other resources' values (it has
 * propertyDependencies: ids, ARNs, names) is compared by the resources it comes from, not by value,
 * so a real stack's export can be the base of an offline plan, whose ids are mock values.
 */
export function diffExports(base: ExportDoc, head: ExportDoc, baseCost: Estimate, headCost: Estimate): PlanDelta {
  const b = new Map(base.deployment.resources.filter(isCounted).map((r) => [r.urn, r]));
  const h = new Map(head.deployment.resources.filter(isCounted).map((r) => [r.urn, r]));
  const brief = (r: ExportResource) => ({ urn: r.urn, type: r.type, name: nameOf(r.urn) });
  const sortByName = <T extends { name: string; urn: string }>(xs: T[]) =>
    xs.sort((x, y) => x.name.localeCompare(y.name) || x.urn.localeCompare(y.urn));
  const added = sortByName([...h.values()].filter((r) => !b.has(r.urn)).map(brief));
  const removed = sortByName([...b.values()].filter((r) => !h.has(r.urn)).map(brief));
  const changed: ResourceChange[] = [];
  for (const [urn, hr] of h) {
    const br = b.get(urn);
    if (!br) continue;
    const derived = new Set([
      ...Object.keys(hr.propertyDependencies ?? {}).filter((k) => (hr.propertyDependencies![k] ?? []).length > 0),
      ...Object.keys(br.propertyDependencies ?? {}).filter((k) => (br.propertyDependencies![k] ?? []).length > 0),
    ]);
    const deps = (r: ExportResource, k: string) => canonical([...(r.propertyDependencies?.[k] ?? [])].sort());
    const keys = [...new Set([...Object.keys(hr.inputs ?? {}), ...Object.keys(br.inputs ?? {})])]
      .filter(
        (k) =>
          k !== "__defaults" && (derived.has(k) ? deps(hr, k) !== deps(br, k) : canonical(hr.inputs?.[k]) !== canonical(br.inputs?.[k])),
      )
      .sort();
    if (keys.length) changed.push({ ...brief(hr), keys });
  }
  sortByName(changed);
  const perResource = (e: Estimate) => {
    const m = new Map<string, { resource: string; type: string; usd: number }>();
    for (const l of e.lines) {
      const x = m.get(l.urn) ?? { resource: l.resource, type: l.type, usd: 0 };
      x.usd += l.monthlyUsd;
      m.set(l.urn, x);
    }
    return m;
  };
  const bc = perResource(baseCost);
  const hc = perResource(headCost);
  const r2 = (n: number) => Math.round(n * 100) / 100;
  const lines = [...new Set([...bc.keys(), ...hc.keys()])]
    .map((urn) => {
      const x = hc.get(urn) ?? bc.get(urn)!;
      const baseUsd = r2(bc.get(urn)?.usd ?? 0);
      const headUsd = r2(hc.get(urn)?.usd ?? 0);
      return { resource: x.resource, type: x.type, baseUsd, headUsd, deltaUsd: r2(headUsd - baseUsd) };
    })
    .filter((l) => l.deltaUsd !== 0)
    .sort((x, y) => Math.abs(y.deltaUsd) - Math.abs(x.deltaUsd) || x.resource.localeCompare(y.resource));
  return {
    added,
    removed,
    changed,
    cost: { baseUsd: baseCost.totalUsd, headUsd: headCost.totalUsd, deltaUsd: r2(headCost.totalUsd - baseCost.totalUsd), lines },
  };
}

const signed = (n: number) => `${n >= 0 ? "+" : "−"}${usd(Math.abs(n))}`;
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Resources by component: `component (type)` → counts per resource type. */
export function byComponent(doc: ExportDoc): { component: string; count: number; types: string }[] {
  const res = doc.deployment.resources;
  const byUrn = new Map(res.map((r) => [r.urn, r]));
  const groups = new Map<string, Map<string, number>>();
  for (const r of res.filter(isCounted)) {
    let p = r.parent ? byUrn.get(r.parent) : undefined;
    // The nearest component ancestor below the stack.
    while (p && p.custom) p = p.parent ? byUrn.get(p.parent) : undefined;
    const label = p && p.type !== "pulumi:pulumi:Stack" ? `${nameOf(p.urn)} (${p.type})` : "(stack)";
    const m = groups.get(label) ?? new Map<string, number>();
    const t = r.type.split(":").pop()!;
    m.set(t, (m.get(t) ?? 0) + 1);
    groups.set(label, m);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([component, m]) => ({
      component,
      count: [...m.values()].reduce((x, y) => x + y, 0),
      types: [...m.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([t, n]) => `${n} ${t}`)
        .join(", "),
    }));
}

export interface SummaryInput {
  stack: string;
  head: ExportDoc;
  headCost: Estimate;
  findings: Finding[];
  policyConfigFile: string;
  diagram: string;
  base?: { label: string; doc: ExportDoc; cost: Estimate };
}

/** The pull-request Markdown. */
export function renderSummary(i: SummaryInput): string {
  const out: string[] = [];
  const counted = i.head.deployment.resources.filter(isCounted);
  out.push(`## paved offline plan: \`${i.stack}\``, "");
  out.push(
    `> **Offline plan** (the Pulumi program run under mocks by \`npm run summary -- ${i.stack}\`; nothing was deployed). This is not Pulumi's own preview: resource ids and ARNs are mock values.`,
    "",
  );
  out.push(
    `**${counted.length} resources** · **policy:** ${countLevels(i.findings)} · **estimate:** ${usd(i.headCost.totalUsd)}/month${i.base ? ` (${signed(i.base ? diffCost(i) : 0)} vs base)` : ""}`,
    "",
  );

  if (i.base) {
    const d = diffExports(i.base.doc, i.head, i.base.cost, i.headCost);
    out.push(`### Changes vs base (${cell(i.base.label)})`, "");
    out.push(
      `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed. Cost: ${usd(d.cost.baseUsd)} → ${usd(d.cost.headUsd)} (**${signed(d.cost.deltaUsd)}/month**).`,
      "",
    );
    if (d.added.length + d.removed.length + d.changed.length > 0) {
      out.push("| | resource | type | what |", "|---|---|---|---|");
      for (const a of d.added) out.push(`| + | ${cell(a.name)} | \`${a.type}\` | added |`);
      for (const r of d.removed) out.push(`| − | ${cell(r.name)} | \`${r.type}\` | removed |`);
      for (const c of d.changed) out.push(`| ~ | ${cell(c.name)} | \`${c.type}\` | ${cell(c.keys.join(", "))} |`);
      out.push("");
    }
    if (d.cost.lines.length) {
      out.push("| cost change | resource | base | head |", "|---:|---|---:|---:|");
      for (const l of d.cost.lines)
        out.push(`| ${signed(l.deltaUsd)} | ${cell(l.resource)} (\`${l.type}\`) | ${usd(l.baseUsd)} | ${usd(l.headUsd)} |`);
      out.push("");
    }
  }

  out.push("### Resources by component", "", "| component | resources | by type |", "|---|---:|---|");
  for (const g of byComponent(i.head)) out.push(`| ${cell(g.component)} | ${g.count} | ${cell(g.types)} |`);
  out.push("");

  out.push(`### Policy findings (${i.policyConfigFile})`, "");
  const shown = i.findings.filter((f) => f.enforcementLevel !== "exempted");
  if (shown.length === 0) out.push("No violations.");
  for (const f of shown)
    out.push(
      `- **${f.enforcementLevel}** \`${f.policy}\` ${f.resourceName ? `on ${cell(f.resourceName)}` : "(stack)"}: ${cell(f.message)}`,
    );
  const exempted = i.findings.filter((f) => f.enforcementLevel === "exempted").length;
  if (exempted) out.push(`- ${exempted} exempted finding(s) (see the stack's policy config).`);
  out.push("");

  const e = i.headCost;
  out.push(`### Cost estimate: ${usd(e.totalUsd)}/month`, "");
  out.push(
    `${e.priceRegion} on-demand list prices as of ${e.asOf}${e.regionNote ? `. ${e.regionNote}` : ""}; default usage assumptions (${e.usage.map((u) => `${u.key}=${u.value}${u.overridden ? "*" : ""}`).join(", ")}). Every line: \`npm run cost -- ${i.stack}\`.`,
    "",
  );
  out.push("| monthly | resource |", "|---:|---|");
  for (const t of topResources(e, 5)) out.push(`| ${usd(t.monthlyUsd)} | ${cell(t.resource)} (\`${t.type}\`) |`);
  if (e.unpriced.length)
    out.push("", `**Not priced:** ${e.unpriced.map((u) => `${u.name} (\`${u.type}\`)`).join(", ")} — the estimate is too low.`);
  out.push("");

  out.push(
    "### Architecture",
    "",
    "<details><summary>Diagram (from the offline plan)</summary>",
    "",
    "```mermaid",
    i.diagram.trimEnd(),
    "```",
    "",
    "</details>",
    "",
  );
  return out.join("\n");

  function diffCost(x: SummaryInput): number {
    return Math.round((x.headCost.totalUsd - x.base!.cost.totalUsd) * 100) / 100;
  }
}

function countLevels(fs: Finding[]): string {
  const n = (l: string) => fs.filter((f) => f.enforcementLevel === l).length;
  return `${n("mandatory")} mandatory, ${n("advisory")} advisory${n("exempted") ? `, ${n("exempted")} exempted` : ""}`;
}

/** Reads a `pulumi stack export` (v3) file, with a clear error for anything else. */
export function readExport(file: string): ExportDoc {
  let doc: any;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e: any) {
    throw new UsageError(
      `--base ${file}: cannot read it as JSON (${e.message}). Pass a \`pulumi stack export\` file or one written by \`npm run plan -- <stack> --out FILE\`.`,
    );
  }
  if (doc?.version !== 3 || !Array.isArray(doc?.deployment?.resources)) {
    throw new UsageError(`--base ${file}: not a \`pulumi stack export\` version 3 document (needs "version": 3 and deployment.resources).`);
  }
  return doc as ExportDoc;
}

export const SUMMARY_COMMAND: CommandSpec = {
  command: "npm run summary --",
  summary:
    "Markdown for a pull request from paved's offline plan: resources by component, policy findings, cost estimate and the architecture diagram; with --base, what changed and the cost delta.",
  standard: ["stack", "config"],
  options: {
    base: {
      type: "string",
      placeholder: "FILE",
      description: "A `pulumi stack export` (v3) of the base: adds resources added/removed/changed and the cost delta.",
    },
    usage: USAGE_OPTION,
    out: { type: "string", short: "o", placeholder: "FILE", description: "Write the Markdown to FILE instead of stdout." },
  },
  examples: [
    "npm run summary -- staging",
    "npm run plan -- prod --out base.json   # on the base branch",
    "npm run summary -- prod --base base.json --out summary.md",
  ],
  notes: ["Exit codes: 0 written (whatever the findings: the summary reports them), 2 bad usage or a program/config error."],
};

export async function main(argv: string[]): Promise<number> {
  return runCommand(SUMMARY_COMMAND, argv, (o) => summary(o));
}

async function summary(o: ParsedOptions): Promise<number> {
  if (!o.stack) throw new UsageError(`missing stack. Stacks: ${listStacks().join(", ")}.`);
  const usage = parseUsage(o.values.usage as string[] | undefined);
  checkUsage(usage);
  const baseFile = o.values.base as string | undefined;
  const baseDoc = baseFile ? readExport(baseFile) : undefined;
  let result: PlanResult;
  try {
    result = await runPlan(o.stack, { config: o.config });
  } catch (e: any) {
    console.error(`summary: ${e?.message ?? e}`);
    return 2;
  }
  let headCost: Estimate;
  let baseCost: Estimate | undefined;
  try {
    headCost = estimateExport(result.exportDoc, usage);
    baseCost = baseDoc ? estimateExport(baseDoc, usage) : undefined;
  } catch (e: any) {
    throw new UsageError(e.message);
  }
  const evaluator = await import("../../policy/evaluator");
  const policyConfigFile = path.join("policy", "config", `${o.stack}.json`);
  const abs = path.join(REPO_ROOT, policyConfigFile);
  const config = fs.existsSync(abs) ? evaluator.loadPolicyConfig(abs) : {};
  const findings = await evaluator.evaluateResources(result.resources, { config });
  const md = renderSummary({
    stack: o.stack,
    head: result.exportDoc,
    headCost,
    findings,
    policyConfigFile: fs.existsSync(abs) ? policyConfigFile : "pack defaults: no policy config for this stack",
    diagram: toMermaid(architecture(result)),
    base: baseDoc ? { label: path.basename(baseFile!), doc: baseDoc, cost: baseCost! } : undefined,
  });
  const out = o.values.out as string | undefined;
  if (out) fs.writeFileSync(out, md);
  else process.stdout.write(md);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`summary failed: ${e?.stack ?? e}`);
      process.exit(2);
    },
  );
}
