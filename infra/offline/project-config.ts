/**
 * The `config:` block of Pulumi.yaml, generated from CONFIG_KEYS (infra/config.ts) by
 * `npm run docs`, so the Pulumi CLI knows every key's type, default and description and a key is
 * declared in exactly one place. Everything above `config:` in Pulumi.yaml is kept as written.
 */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS, type KeySpec } from "../config";
import { REPO_ROOT } from "../app";

export function projectConfigBlock(): string {
  const lines = [
    "config:",
    "  # GENERATED from infra/config.ts (CONFIG_KEYS) by `npm run docs`; do not edit this block.",
    "  # Every project key, with type, default and description. Validated again (with",
    "  # cross-key and prod rules) by infra/config.ts.",
  ];
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec<any>][]) {
    const description = spec.description + (spec.allowed ? ` (one of: ${spec.allowed.join(", ")})` : "");
    lines.push(
      `  ${key}:`,
      `    type: ${spec.type}`,
      `    default: ${JSON.stringify(spec.default)}`,
      `    description: ${JSON.stringify(description)}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Pulumi.yaml with its config block regenerated. */
export function projectFile(root: string = REPO_ROOT): string {
  const text = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
  const at = text.search(/^config:/m);
  return (at === -1 ? text.replace(/\n*$/, "\n") : text.slice(0, at)) + projectConfigBlock();
}
