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
import * as path from "path";
import { evaluateResources, Finding, formatFindings, loadPolicyConfig, PolicyPackConfigFile } from "../evaluator";
import { InputError, readInputFile } from "../lib/inputs";
import { EXEMPT_COMMAND, exempt, stackConfigFile } from "./exempt";
import { closest, CliIO, CommandSpec, runCommand, UsageError } from "./options";

/** Repository root: policy/config/<stack>.json lives under it. */
export const ROOT = path.resolve(__dirname, "..", "..");

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
    stack: {
      type: "string",
      placeholder: "NAME",
      description: "Use the stack's policy config, policy/config/<NAME>.json (levels, thresholds, exemptions).",
    },
    config: { type: "string", placeholder: "FILE", description: "Use this policy config file instead of --stack." },
    json: { type: "boolean", description: "Print the findings as JSON (policy, level, severity, resource, message, remediation)." },
  },
  passthrough: true,
  examples: [
    "npm run policy -- check prod-export.json --stack prod",
    "pulumi preview --json > p.json && npm run policy -- check p.json --stack staging --json",
  ],
  notes: [
    "Without --stack or --config the pack's built-in defaults apply (every policy mandatory, prod thresholds), and the command says so.",
    "Exit codes: 0 clean or advisory only, 1 mandatory violations, 2 unreadable or invalid input, or bad usage.",
  ],
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

const STDIO: CliIO = { out: (s) => process.stdout.write(s + "\n"), err: (s) => process.stderr.write(s + "\n") };

export async function main(
  argv: string[],
  out: (s: string) => void = STDIO.out,
  err: (s: string) => void = STDIO.err,
  deps: CheckDeps = {},
): Promise<number> {
  const io: CliIO = { out, err };
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    (command === undefined ? err : out)(TOP_HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === "check") {
    return runCommand(CHECK_COMMAND, rest, (o) => check(o.args.file!, o.rest, o.values, io, deps), io);
  }
  if (command === "exempt") {
    return runCommand(EXEMPT_COMMAND, rest, (o) => exempt(o.args.policy!, o.args.resource!, o.values, io, deps), io);
  }
  const near = closest(command, ["check", "exempt"]);
  err(`npm run policy: unknown command "${command}"${near ? ` (did you mean ${near}?)` : ""}. Run \`npm run policy -- --help\` for usage.`);
  return 2;
}

async function check(first: string, rest: string[], values: Record<string, any>, io: CliIO, deps: CheckDeps): Promise<number> {
  // Extra files arrive through passthrough; anything option-like there is a typo.
  const unknown = rest.find((a) => a.startsWith("-") && a !== "-");
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
    io.err(
      "NOTE: no --stack or --config given: evaluating with the pack's BUILT-IN DEFAULTS (every policy at its default level, " +
        "mostly mandatory, with prod thresholds and no exemptions). Pass --stack <name> to use policy/config/<name>.json.",
    );
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
    io.out(
      JSON.stringify(
        results.flatMap((r) => r.findings.map((f) => findingJson(f, r.file))),
        null,
        2,
      ),
    );
  } else {
    for (const r of results) {
      io.out(
        `== ${r.file}${configFile ? ` (policy config ${path.relative(process.cwd(), configFile) || configFile})` : " (built-in defaults)"}`,
      );
      io.out(formatFindings(r.findings));
    }
  }
  if (invalid) {
    return 2;
  }
  return results.some((r) => r.findings.some((f) => f.enforcementLevel === "mandatory")) ? 1 : 0;
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

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`policy: ${e?.message ?? e}\n`);
      process.exitCode = 2;
    },
  );
}
