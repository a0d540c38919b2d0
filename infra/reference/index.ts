/**
 * Loader for the dated offline reference tables in this folder (see README.md).
 */
import * as fs from "fs";
import * as path from "path";

export interface ReferenceTable<Row = unknown> {
  /** Date the figures were read, YYYY-MM-DD. */
  asOf: string;
  /** Where they were read. */
  source: string;
  /** Free-form remarks (scope, exclusions). */
  notes?: string;
  rows: Row[];
}

export const REFERENCE_DIR = __dirname;

/** Loads `<name>.json` from this folder and checks it is dated and sourced. */
export function loadReference<Row = unknown>(name: string): ReferenceTable<Row> {
  const file = path.join(REFERENCE_DIR, `${name}.json`);
  const t = JSON.parse(fs.readFileSync(file, "utf8")) as ReferenceTable<Row>;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t.asOf ?? ""))
    throw new Error(`infra/reference/${name}.json: "asOf" must be the date the figures were read (YYYY-MM-DD).`);
  if (typeof t.source !== "string" || t.source.trim() === "")
    throw new Error(`infra/reference/${name}.json: "source" must say where the figures were read.`);
  if (!Array.isArray(t.rows)) throw new Error(`infra/reference/${name}.json: "rows" must be an array.`);
  return t;
}

/** Names of every table in the folder. */
export function listReferences(): string[] {
  return fs
    .readdirSync(REFERENCE_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}
