/**
 * RDS for PostgreSQL instance classes per engine major version, from the dated offline table
 * infra/reference/rds-postgres-instance-classes.json. A class RDS does not offer for the chosen
 * version fails the plan (with the closest valid classes) instead of CreateDBInstance half-way
 * through `pulumi up`.
 */
import { loadReference } from "./reference";
import { editDistance } from "./offline/options";

/** One row: the classes of one instance family for one engine major version. */
export interface RdsClassRow {
  engineVersion: string;
  family: string;
  classes: string[];
}

export const RDS_CLASS_TABLE = "rds-postgres-instance-classes";

/** Every class the table lists for a PostgreSQL major version ("16", "17"). */
export function rdsInstanceClasses(engineVersion: string): string[] {
  return loadReference<RdsClassRow>(RDS_CLASS_TABLE)
    .rows.filter((r) => r.engineVersion === engineVersion)
    .flatMap((r) => r.classes);
}

/** Up to `n` valid classes closest to `wanted` (same family and size first, then by edit distance). */
export function closeRdsClasses(wanted: string, valid: readonly string[], n = 5): string[] {
  const [, family = "", size = ""] = wanted.split(".");
  const score = (c: string) => {
    const [, f, s] = c.split(".");
    return editDistance(wanted, c) - (f === family ? 2 : 0) - (s === size ? 2 : 0);
  };
  return [...valid].sort((a, b) => score(a) - score(b) || a.localeCompare(b)).slice(0, n);
}

/** An error text when `instanceClass` is not offered for `engineVersion`, else undefined. */
export function checkRdsInstanceClass(instanceClass: string, engineVersion: string): string | undefined {
  const valid = rdsInstanceClasses(engineVersion);
  if (valid.length === 0)
    return `no RDS instance classes are listed for PostgreSQL ${engineVersion} in infra/reference/${RDS_CLASS_TABLE}.json`;
  if (valid.includes(instanceClass)) return undefined;
  const t = loadReference(RDS_CLASS_TABLE);
  return `RDS for PostgreSQL ${engineVersion} does not offer ${instanceClass} (infra/reference/${RDS_CLASS_TABLE}.json, as of ${t.asOf}). Close matches: ${closeRdsClasses(instanceClass, valid).join(", ")}`;
}
