/**
 * docs/config.md, generated from CONFIG_KEYS (infra/config.ts) by `npm run docs`: every `paved:`
 * key with its type, default, allowed values and description. Adding a key to CONFIG_KEYS (and
 * re-running the command) is all it takes to document it.
 */
import { CONFIG_KEYS, describeAllowed, type KeySpec } from "../config";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

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
(e.g. \`paved:taskMemoryMib\` must suit \`paved:taskCpu\`). For \`environment: prod\`, the
relaxations marked "refused for prod" or "must be true for environment=prod" are errors.

\`secure:\` values work in the offline plan: it cannot decrypt them, so it uses a placeholder of the
key's own format and marks every value derived from it as a secret in the export and the tree.

| Key | Type | Default | Allowed | Description |
|---|---|---|---|---|
${rows.join("\n")}

Certificate source (one of): \`paved:domain\` + \`paved:hostedZoneId\` (ACM issues and validates a
certificate), or \`paved:certificateArn\` (an existing certificate in the stack's region). Setting
both is an error.
`;
}
