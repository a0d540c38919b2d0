// `npm run policy -- <command>`: the policy pack outside the Pulumi engine.
//
//   check FILE... [--stack NAME | --config FILE] [--json]
//       Evaluates the pack against `pulumi stack export` / `pulumi preview --json` files.
//       Exit codes: 0 clean or advisory only, 1 mandatory violations, 2 unreadable or invalid
//       input (or usage error).
//   exempt POLICY RESOURCE --reason "..." --expires YYYY-MM-DD --stack NAME
//       Writes a reviewed, expiring exemption into policy/config/<stack>.json.
//
// Both run on the one option parser every paved command uses (cli/options.ts).
import * as fs from "fs";
import * as path from "path";
import { evaluateResources, Finding, formatFindings, loadPolicyConfig, PolicyPackConfigFile, validatePolicyConfig } from "../evaluator";
import { InputError, readInputFile } from "../lib/inputs";
import { DEFAULT_MAX_EXEMPTION_DAYS, exemptionsSchema, expiryProblem } from "../lib/exemptions";
import { policies } from "../policies";
import { closest, CliIO, CommandSpec, runCommand, UsageError } from "./options";

/** Repository root: policy/config/<stack>.json lives under it. */
const ROOT = path.resolve(__dirname, "..", "..");
export const CONFIG_DIR = path.join("policy", "config");
const LIMIT_POLICY = "paved-exemptions-not-expired";

export interface CheckDeps {
    /** Today, for exemption expiry checks (injected so tests do not depend on the date). */
    now?: () => Date;
    /** Directory holding policy/config (default: the repository root). */
    root?: string;
}

export const CHECK_COMMAND: CommandSpec = {
    command: "npm run policy -- check",
    summary: "Evaluates the policy pack against `pulumi stack export` or `pulumi preview --json` files, with a stack's policy config.",
    positionals: [{ name: "file", description: "Stack export or preview JSON (more may follow)", required: true }],
    options: {
        stack: { type: "string", placeholder: "NAME", description: "Use the stack's policy config, policy/config/<NAME>.json (levels, thresholds, exemptions)." },
        config: { type: "string", placeholder: "FILE", description: "Use this policy config file instead of --stack." },
        json: { type: "boolean", description: "Print the findings as JSON (policy, level, severity, resource, message, remediation)." },
    },
    passthrough: true,
    examples: ["npm run policy -- check prod-export.json --stack prod", "pulumi preview --json > p.json && npm run policy -- check p.json --stack staging --json"],
    notes: [
        "Without --stack or --config the pack's built-in defaults apply (every policy mandatory, prod thresholds), and the command says so.",
        "Exit codes: 0 clean or advisory only, 1 mandatory violations, 2 unreadable or invalid input, or bad usage.",
    ],
};

export const EXEMPT_COMMAND: CommandSpec = {
    command: "npm run policy -- exempt",
    summary: "Adds a reviewed, expiring exemption of one resource from one policy to policy/config/<stack>.json.",
    positionals: [
        { name: "policy", description: "The policy, e.g. paved-ecs-readonly-root-filesystem", required: true },
        { name: "resource", description: "The resource's logical name (as in the finding, e.g. service-app) or its URN", required: true },
    ],
    options: {
        reason: { type: "string", placeholder: "TEXT", description: "Why this is acceptable and who reviewed it (at least 10 characters)." },
        expires: { type: "string", placeholder: "YYYY-MM-DD", description: "Last day (UTC) it applies; at most the stack's maxExemptionDays away." },
        stack: { type: "string", placeholder: "NAME", description: "The stack whose policy config gets the exemption." },
    },
    examples: ['npm run policy -- exempt paved-ecs-readonly-root-filesystem service-app --reason "ECS Exec for incident INC-7, approved by J. Doe" --expires 2026-12-15 --stack staging'],
    notes: [`The limit is maxExemptionDays on ${LIMIT_POLICY} in the stack's policy config (default ${DEFAULT_MAX_EXEMPTION_DAYS}).`],
};

const TOP_HELP = [
    "usage: npm run policy -- <command> [options]",
    "",
    "The paved policy pack outside the Pulumi engine.",
    "",
    "Commands:",
    `  check FILE...            ${CHECK_COMMAND.summary}`,
    `  exempt POLICY RESOURCE   ${EXEMPT_COMMAND.summary}`,
    "",
    "Run `npm run policy -- <command> --help` for a command's options.",
].join("\n");

const STDIO: CliIO = { out: s => process.stdout.write(s + "\n"), err: s => process.stderr.write(s + "\n") };

export async function main(argv: string[], out: (s: string) => void = STDIO.out, err: (s: string) => void = STDIO.err, deps: CheckDeps = {}): Promise<number> {
    const io: CliIO = { out, err };
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
        (command === undefined ? err : out)(TOP_HELP);
        return command === undefined ? 2 : 0;
    }
    if (command === "check") {
        return runCommand(CHECK_COMMAND, rest, o => check(o.args.file!, o.rest, o.values, io, deps), io);
    }
    if (command === "exempt") {
        return runCommand(EXEMPT_COMMAND, rest, o => exempt(o.args.policy!, o.args.resource!, o.values, io, deps), io);
    }
    const near = closest(command, ["check", "exempt"]);
    err(`npm run policy: unknown command "${command}"${near ? ` (did you mean ${near}?)` : ""}. Run \`npm run policy -- --help\` for usage.`);
    return 2;
}

function stackConfigFile(stack: string, root: string): string {
    const file = path.join(root, CONFIG_DIR, `${stack}.json`);
    if (!fs.existsSync(file)) {
        const known = fs.existsSync(path.join(root, CONFIG_DIR))
            ? fs.readdirSync(path.join(root, CONFIG_DIR)).filter(f => f.endsWith(".json")).map(f => f.slice(0, -5)).sort()
            : [];
        throw new UsageError(`no policy config for stack "${stack}" (${path.join(CONFIG_DIR, `${stack}.json`)}). Known stacks: ${known.join(", ") || "(none)"}. ` +
            `Create it by copying ${path.join(CONFIG_DIR, "staging.json")} and adjusting levels and thresholds.`);
    }
    return file;
}

async function check(first: string, rest: string[], values: Record<string, any>, io: CliIO, deps: CheckDeps): Promise<number> {
    // Extra files arrive through passthrough; anything option-like there is a typo.
    const unknown = rest.find(a => a.startsWith("-") && a !== "-");
    if (unknown) {
        const near = closest(unknown.split("=")[0], ["--stack", "--config", "--json", "--help"]);
        throw new UsageError(`unknown option ${unknown}${near ? ` (did you mean ${near}?)` : ""}.`);
    }
    const files = [first, ...rest];
    const root = deps.root ?? ROOT;
    if (values.stack !== undefined && values.config !== undefined) {
        throw new UsageError("give --stack or --config, not both.");
    }
    let configFile: string | undefined = values.config;
    if (values.stack !== undefined) {
        configFile = stackConfigFile(String(values.stack), root);
    }
    let config: PolicyPackConfigFile = {};
    if (configFile) {
        try {
            config = loadPolicyConfig(configFile);
        } catch (e: any) {
            io.err(e.message);
            return 2;
        }
    } else {
        io.err("NOTE: no --stack or --config given: evaluating with the pack's BUILT-IN DEFAULTS (every policy at its default level, " +
            "mostly mandatory, with prod thresholds and no exemptions). Pass --stack <name> to use policy/config/<name>.json.");
    }
    const results: Array<{ file: string; findings: Finding[] }> = [];
    let invalid = false;
    for (const file of files) {
        try {
            const input = readInputFile(file);
            const findings = await evaluateResources(input.resources, { config, preview: input.kind === "preview", now: deps.now?.() });
            results.push({ file, findings });
        } catch (e: any) {
            if (e instanceof InputError) {
                io.err(e.message);
                invalid = true;
                continue;
            }
            throw e;
        }
    }
    if (values.json) {
        io.out(JSON.stringify(results.flatMap(r => r.findings.map(f => findingJson(f, r.file))), null, 2));
    } else {
        for (const r of results) {
            io.out(`== ${r.file}${configFile ? ` (policy config ${path.relative(process.cwd(), configFile) || configFile})` : " (built-in defaults)"}`);
            io.out(formatFindings(r.findings));
        }
    }
    if (invalid) {
        return 2;
    }
    return results.some(r => r.findings.some(f => f.enforcementLevel === "mandatory")) ? 1 : 0;
}

/** One finding as JSON: what, where, how bad, and how to fix it. */
export function findingJson(f: Finding, file?: string): Record<string, unknown> {
    return {
        ...(file !== undefined ? { file } : {}),
        policy: f.policy,
        enforcementLevel: f.enforcementLevel,
        severity: f.severity,
        urn: f.urn ?? null,
        resourceName: f.resourceName ?? null,
        message: f.message,
        remediation: f.remediation,
        ...(f.exemption ? { exemption: f.exemption } : {}),
    };
}

async function exempt(policy: string, resource: string, values: Record<string, any>, io: CliIO, deps: CheckDeps): Promise<number> {
    const root = deps.root ?? ROOT;
    const reason = typeof values.reason === "string" ? values.reason.trim() : "";
    const expires = typeof values.expires === "string" ? values.expires : "";
    if (values.stack === undefined) throw new UsageError("missing --stack NAME (the stack whose policy config gets the exemption).");
    if (!reason) throw new UsageError('missing --reason "..." (why this is acceptable, and who reviewed it).');
    const minReason = (exemptionsSchema as any).items.properties.reason.minLength as number;
    if (reason.length < minReason) throw new UsageError(`--reason is too short (${reason.length} characters, at least ${minReason}): say why, and who reviewed it.`);
    if (!expires) throw new UsageError("missing --expires YYYY-MM-DD (the last day the exemption applies).");
    const known = policies.map(p => p.name);
    const target = policies.find(p => p.name === policy);
    if (!target) {
        const near = closest(policy, known);
        throw new UsageError(`unknown policy "${policy}"${near ? ` (did you mean ${near}?)` : ""}.`);
    }
    if (!(target.configSchema?.properties ?? {}).exemptions) throw new UsageError(`${policy} cannot be exempted (it reports on exemptions themselves).`);
    if (!resource.trim()) throw new UsageError("RESOURCE is empty: give the resource's logical name from the finding, or its URN.");

    const file = stackConfigFile(String(values.stack), root);
    const config = loadPolicyConfig(file);
    const limitEntry = config[LIMIT_POLICY];
    const maxDays = typeof limitEntry === "object" && typeof limitEntry?.maxExemptionDays === "number" ? limitEntry.maxExemptionDays : DEFAULT_MAX_EXEMPTION_DAYS;
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
        io.err(`refusing to write ${path.relative(root, file)}: the result would be invalid:\n${problems.map(p => `  - ${p}`).join("\n")}`);
        return 2;
    }
    fs.writeFileSync(file, JSON.stringify(updated, null, 2) + "\n");
    io.out(`${replaced ? "Replaced" : "Added"} exemption of '${resource}' from ${policy} until ${expires} in ${path.relative(root, file)}. ` +
        "Commit it for review; `pulumi preview`/`up` report it on every run (paved-exemptions-report) until it expires.");
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => {
        process.exitCode = code;
    }, e => {
        process.stderr.write(`policy: ${e?.message ?? e}\n`);
        process.exitCode = 2;
    });
}
