// `npm run policy -- check <file>... [--config policy/config/prod.json] [--json]`
// Evaluates the pack against `pulumi stack export` / `pulumi preview --json`
// files. Exit codes: 0 clean or advisory only, 1 mandatory violations,
// 2 unreadable or invalid input (or usage error).
import { evaluateResources, Finding, formatFindings, loadPolicyConfig, PolicyPackConfigFile } from "../evaluator";
import { InputError, readInputFile } from "../lib/inputs";

const USAGE = "usage: npm run policy -- check <stack-export-or-preview.json>... [--config policy/config/<stack>.json] [--json]";

export async function main(argv: string[], out: (s: string) => void = s => process.stdout.write(s + "\n"),
    err: (s: string) => void = s => process.stderr.write(s + "\n")): Promise<number> {
    const [command, ...rest] = argv;
    if (command !== "check") {
        err(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
        return 2;
    }
    const files: string[] = [];
    let configFile: string | undefined;
    let json = false;
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (a === "--json") {
            json = true;
        } else if (a === "--config") {
            configFile = rest[++i];
            if (!configFile) {
                err(`--config needs a file\n${USAGE}`);
                return 2;
            }
        } else if (a.startsWith("--config=")) {
            configFile = a.slice("--config=".length);
        } else if (a.startsWith("-")) {
            err(`unknown option "${a}"\n${USAGE}`);
            return 2;
        } else {
            files.push(a);
        }
    }
    if (files.length === 0) {
        err(`no input files\n${USAGE}`);
        return 2;
    }
    let config: PolicyPackConfigFile = {};
    if (configFile) {
        try {
            config = loadPolicyConfig(configFile);
        } catch (e: any) {
            err(e.message);
            return 2;
        }
    }
    const results: Array<{ file: string; findings: Finding[] }> = [];
    let invalid = false;
    for (const file of files) {
        try {
            const input = readInputFile(file);
            const findings = await evaluateResources(input.resources, { config, preview: input.kind === "preview" });
            results.push({ file, findings });
        } catch (e: any) {
            if (e instanceof InputError) {
                err(e.message);
                invalid = true;
                continue;
            }
            throw e;
        }
    }
    if (json) {
        out(JSON.stringify(results.flatMap(r => r.findings.map(f => ({
            file: r.file,
            policy: f.policy,
            enforcementLevel: f.enforcementLevel,
            severity: f.severity,
            urn: f.urn ?? null,
            message: f.message,
        }))), null, 2));
    } else {
        for (const r of results) {
            out(`== ${r.file}`);
            out(formatFindings(r.findings));
        }
    }
    if (invalid) {
        return 2;
    }
    return results.some(r => r.findings.some(f => f.enforcementLevel === "mandatory")) ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => {
        process.exitCode = code;
    }, e => {
        process.stderr.write(`policy check failed: ${e?.stack ?? e}\n`);
        process.exitCode = 2;
    });
}
