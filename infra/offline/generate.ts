/**
 * `npm run docs [-- --check]`: writes every generated file of the repository from the code it
 * documents or types. ONE command and ONE freshness test (test/infra/generate.test.ts) for all of
 * them: add a generator by adding an entry to GENERATED.
 */
import * as fs from "fs";
import * as path from "path";
import { runCommand, type CommandSpec } from "./options";
import { appContractModule, infraContractTypes } from "./contract-types";
import { configReference } from "./config-reference";
import { renderPolicyReference } from "../../policy/scripts/policy-docs";
import { projectFile } from "./project-config";
import { REPO_ROOT } from "../app";
import { runPlan } from "./plan";
import { architecture, architectureDoc, DOCS_STACK, toMermaid } from "./diagram";
import { componentReference } from "./component-reference";

export interface Generated {
  /** Output path, relative to the repository root. */
  file: string;
  /** Where the content comes from (shown in --check output). */
  from: string;
  generate: () => string | Promise<string>;
}

export const GENERATED: Generated[] = [
  { file: "app/src/contract.ts", from: "app/paved.app.json", generate: () => appContractModule() },
  { file: "infra/contract.generated.ts", from: "app/paved.app.json", generate: () => infraContractTypes() },
  { file: "Pulumi.yaml", from: "infra/config.ts (CONFIG_KEYS): the config: block", generate: () => projectFile() },
  { file: "docs/config.md", from: "infra/config.ts (CONFIG_KEYS)", generate: () => configReference() },
  { file: "docs/policies.md", from: "policy/policies (policy/scripts/policy-docs.ts)", generate: () => renderPolicyReference() },
  { file: "docs/components.md", from: "infra/components/*.ts (their Args' JSDoc)", generate: () => componentReference() },
  {
    file: "docs/architecture.md",
    from: "the prod stack's offline plan (infra/offline/diagram.ts)",
    generate: async () => architectureDoc(toMermaid(architecture(await runPlan(DOCS_STACK)))),
  },
];

/** Files whose content differs from what their generator produces now, with that content. */
export async function staleFiles(root: string = REPO_ROOT): Promise<Array<Generated & { content: string }>> {
  const stale: Array<Generated & { content: string }> = [];
  // One at a time: a generator may run the offline plan, which runs one at a time per process.
  for (const g of GENERATED) {
    const content = await g.generate();
    const abs = path.join(root, g.file);
    if (!fs.existsSync(abs) || fs.readFileSync(abs, "utf8") !== content) stale.push({ ...g, content });
  }
  return stale;
}

export const DOCS_COMMAND: CommandSpec = {
  command: "npm run docs --",
  summary: "Regenerates every generated file (config reference, app contract types, ...) from the code.",
  options: { check: { type: "boolean", description: "Write nothing; exit 1 when a generated file is stale (CI)." } },
  examples: ["npm run docs", "npm run docs -- --check"],
  notes: [`Generated files:\n${GENERATED.map((g) => `  ${g.file}  (from ${g.from})`).join("\n")}`],
};

export async function main(argv: string[]): Promise<number> {
  return runCommand(DOCS_COMMAND, argv, async (o) => {
    const stale = await staleFiles();
    if (o.values.check) {
      for (const g of stale) console.error(`${g.file} is stale (generated from ${g.from}): run \`npm run docs\`.`);
      return stale.length ? 1 : 0;
    }
    for (const g of stale) {
      fs.mkdirSync(path.dirname(path.join(REPO_ROOT, g.file)), { recursive: true });
      fs.writeFileSync(path.join(REPO_ROOT, g.file), g.content);
      console.log(`wrote ${g.file}`);
    }
    if (stale.length === 0) console.log(`${GENERATED.length} generated files are up to date.`);
    return 0;
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`docs failed: ${e?.message ?? e}`);
      process.exit(2);
    },
  );
}
