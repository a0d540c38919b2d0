/**
 * The Pulumi projects of this repository, for the commands that take `--project`
 * (`npm run plan`, `npm run preview|up`): where each project's Pulumi.yaml and stack files
 * live and where its stacks' policy configs are. Dependency-free, like the rest of the pack.
 *
 *   paved      the app's infrastructure (Pulumi.yaml at the root; policy/config/<stack>.json)
 *   bootstrap  what the delivery pipeline needs in AWS, run once by hand
 *              (infra/bootstrap/Pulumi.yaml; policy/config/bootstrap/<stack>.json)
 *
 * Each project has its own folder of stack files and of policy configs, so a stack name in one
 * never picks up the other's files.
 */
import * as path from "path";
import { UsageError } from "./options";

export interface ProjectSpec {
  /** The selector users type (`--project bootstrap`). */
  key: string;
  /** The `name:` in the project's Pulumi.yaml (also its config namespace). */
  pulumiName: string;
  /** Folder of Pulumi.yaml and Pulumi.<stack>.yaml, relative to the repository root. */
  dir: string;
  /** Folder of <stack>.json policy configs, relative to the repository root. */
  policyConfigDir: string;
  /** Whether `npm run up` runs `npm run verify -- <stack>` after a successful update. */
  verifyAfterUp: boolean;
}

export const DEFAULT_PROJECT = "paved";

export const PROJECTS: Readonly<Record<string, ProjectSpec>> = {
  paved: { key: "paved", pulumiName: "paved", dir: ".", policyConfigDir: path.join("policy", "config"), verifyAfterUp: true },
  bootstrap: {
    key: "bootstrap",
    pulumiName: "paved-bootstrap",
    dir: path.join("infra", "bootstrap"),
    policyConfigDir: path.join("policy", "config", "bootstrap"),
    verifyAfterUp: false,
  },
};

/** The project for a `--project` value (default: the app's); an unknown name is a usage error naming the known ones. */
export function resolveProject(name: string | undefined): ProjectSpec {
  const key = name ?? DEFAULT_PROJECT;
  const p = PROJECTS[key] ?? Object.values(PROJECTS).find((x) => x.pulumiName === key);
  if (!p) throw new UsageError(`unknown project "${key}" (known: ${Object.keys(PROJECTS).join(", ")}).`);
  return p;
}
