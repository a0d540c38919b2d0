/**
 * docs/config.md, generated from CONFIG_KEYS (infra/config.ts) by `npm run docs`: every `paved:`
 * key with its type, default, allowed values and description. Adding a key to CONFIG_KEYS (and
 * re-running the command) is all it takes to document it.
 */
import { CONFIG_KEYS, describeAllowed, type KeySpec } from "../config";
import { TIERS, TIER_NAMES } from "../tiers";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The tier profile (infra/tiers.ts) as a table: one column per tier. */
export function tierTable(): string {
  const row = (label: string, f: (t: (typeof TIERS)[keyof typeof TIERS]) => string) =>
    `| ${label} | ${TIER_NAMES.map((n) => cell(f(TIERS[n]))).join(" | ")} |`;
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  const floorKeys = Object.keys(TIERS[TIER_NAMES[0]].floors) as (keyof (typeof TIERS)["prod"]["floors"])[];
  return [
    `| | ${TIER_NAMES.map((n) => `\`${n}\``).join(" | ")} |`,
    `|---|${TIER_NAMES.map(() => "---").join("|")}|`,
    row("Pulumi protect on stateful resources", (t) => (t.protect ? "yes" : "no")),
    row("KMS deletion / secret recovery window (days)", (t) => `${t.kmsDeletionWindowDays} / ${t.secretRecoveryWindowDays}`),
    ...floorKeys.map((k) => row(`Floor of \`paved:${k}\``, (t) => String(t.floors[k]))),
    row("Defaults for unset keys", (t) => list(Object.entries(t.defaults).map(([k, v]) => `\`${k}=${v}\``))),
    row("Refused relaxations", (t) =>
      list(
        t.requires.map((r) => `\`${r.key}\` must be \`${r.value}\`${r.onlyWith ? ` (with ${r.onlyWith.key}=${r.onlyWith.value})` : ""}`),
      ),
    ),
    row("Alarm subscriber required", (t) => (t.alarmSubscriberRequired ? "yes" : "no")),
    row("Policy pack: advisory policies", (t) => `${t.pack.allMandatory ? "all others mandatory; " : ""}${list(t.pack.advisory)}`),
    row("Policy pack: monthly budget (USD) / longest exemption (days)", (t) => `${t.pack.monthlyBudgetUsd} / ${t.pack.maxExemptionDays}`),
  ].join("\n");
}

export function configReference(): string {
  const rows = (Object.entries(CONFIG_KEYS) as [string, KeySpec<any>][]).map(([key, spec]) => {
    const def = spec.default === "" ? "(unset)" : `\`${String(spec.default)}\``;
    const allowed = spec.type === "string" && !spec.allowed ? "" : describeAllowed(spec);
    return `| \`paved:${key}\` | ${spec.type} | ${def} | ${cell(allowed)} | ${cell(spec.description)} |`;
  });
  return `<!-- GENERATED from infra/config.ts by \`npm run docs\`; do not edit (a test fails when it is stale). -->
# Configuration reference

Every key of the \`paved:\` namespace, set per stack in \`Pulumi.<stack>.yaml\` or with
\`pulumi config set paved:<key> <value>\` (add \`--secret\` for a \`secure:\` value). For a single
offline run: \`npm run plan -- <stack> --config <key>=<value>\`.

Validation happens before any resource is built, and every problem of a run is reported at once:
an unknown key is refused with the closest known one ("did you mean paved:dbMultiAz?"), a bad value
names the key, the value and what is allowed, and cross-key rules name every key involved
(e.g. \`paved:taskMemoryMib\` must suit \`paved:taskCpu\`). \`paved:environment\` selects the tier
(below): its floors and refused relaxations are errors naming the key.

\`secure:\` values work in the offline plan: it cannot decrypt them, so it uses a placeholder of the
key's own format and marks every value derived from it as a secret in the export and the tree.

| Key | Type | Default | Allowed | Description |
|---|---|---|---|---|
${rows.join("\n")}

## Tiers

Every difference between a staging and a prod stack lives in the tier profile, \`infra/tiers.ts\`;
\`policy/config/<stack>.json\` repeats the pack's side of it (the pack imports nothing from infra/)
and a test holds the two equal.

${tierTable()}

Certificate source (one of): \`paved:domain\` + \`paved:hostedZoneId\` (ACM issues and validates a
certificate), or \`paved:certificateArn\` (an existing certificate in the stack's region). Setting
both is an error.
`;
}
