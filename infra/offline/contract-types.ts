/**
 * TypeScript generated from the app contract (app/paved.app.json), so the compiler keeps both
 * sides honest without infra importing the app's code:
 *   - app/src/contract.ts: ENV_CONTRACT for the TypeScript app's startup validation;
 *   - infra/contract.generated.ts: the platform and secret variable names, which type the values
 *     the program must give (infra/components/service.ts), so a variable without a value is a type error.
 * Regenerate with `npm run docs` (a test fails when either file is stale).
 */
import { AppContract, DEFAULT_CONTRACT, loadAppContract, varsBySource } from "../app";

const list = (names: string[]) => (names.length ? `[\n${names.map((n) => `    ${JSON.stringify(n)},`).join("\n")}\n]` : "[]");

export function infraContractTypes(contract: AppContract = loadAppContract(DEFAULT_CONTRACT)): string {
  return `// GENERATED from ${contract.file} by \`npm run docs\`; do not edit (edit the contract and re-run).
// The variables the program must give a value: platform values (infra/index.ts \`environment\`)
// and secret references (\`secrets\`). See infra/app.ts.

export const PLATFORM_VARS = ${list(varsBySource(contract, "platform"))} as const;

export const SECRET_VARS = ${list(varsBySource(contract, "secret"))} as const;

export type PlatformVar = (typeof PLATFORM_VARS)[number];
export type SecretVar = (typeof SECRET_VARS)[number];
`;
}

export function appContractModule(contract: AppContract = loadAppContract(DEFAULT_CONTRACT)): string {
  const entries = Object.entries(contract.env).map(([name, v]) => {
    const fields = [`source: ${JSON.stringify(v.source)}`];
    if (v.value !== undefined) fields.push(`value: ${JSON.stringify(v.value)}`);
    fields.push(`containers: ${JSON.stringify(v.containers).replace(/,/g, ", ")}`, `description: ${JSON.stringify(v.description)}`);
    return `  ${name}: { ${fields.join(", ")} },`;
  });
  return `/**
 * GENERATED from ${contract.file} by \`npm run docs\`; do not edit: add or change a variable in
 * the JSON contract (which infra reads too) and re-run. A test fails when this file is stale.
 *
 * The app validates exactly these variables at startup (config.ts). On AWS, paved passes them to
 * the containers listed: \`plain\` values from the contract, \`platform\` values it computes,
 * \`secret\` ones as Secrets Manager references; \`local-only\` ones are never set on AWS.
 */

/** Where a variable's value comes from when the app runs on AWS. */
export type EnvSource = "plain" | "platform" | "secret" | "local-only";

export interface EnvVarSpec {
  source: EnvSource;
  /** For plain variables: the value. */
  value?: string;
  /** Containers that receive it. */
  containers: readonly ("app" | "migrate")[];
  /** What it is, for error messages and docs. */
  description: string;
}

export const ENV_CONTRACT = {
${entries.join("\n")}
} as const satisfies Record<string, EnvVarSpec>;

export type EnvVarName = keyof typeof ENV_CONTRACT;

/**
 * Names of the variables with the given source, in contract order; "environment" = plain and
 * platform together (what the task definition's \`environment\` holds).
 */
export function envVarsBySource(source: EnvSource | "environment"): EnvVarName[] {
  return (Object.keys(ENV_CONTRACT) as EnvVarName[]).filter((k) => {
    const s: EnvSource = ENV_CONTRACT[k].source;
    return source === "environment" ? s === "plain" || s === "platform" : s === source;
  });
}
`;
}
