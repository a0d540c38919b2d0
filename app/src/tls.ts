import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";

/**
 * The Amazon RDS CA bundle (all regions, all CA generations), committed in
 * app/certs/. Resolved relative to this file so it works from src/ (ts-node)
 * and from dist/ (the image copies app/certs next to app/dist).
 */
export const RDS_CA_BUNDLE_PATH = join(__dirname, "..", "certs", "rds-global-bundle.pem");

export type DbSslMode = "verify-full" | "disable";

let cached: string[] | undefined;

/** The bundle split into single certificates, each parsed once to fail early on a corrupt file. */
export function loadRdsCaBundle(path = RDS_CA_BUNDLE_PATH): string[] {
  if (path === RDS_CA_BUNDLE_PATH && cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(
      `DB_SSL=verify-full needs the RDS CA bundle at ${path} but it cannot be read (${(err as Error).message}). ` +
        "Copy app/certs/ into the image next to app/dist/.",
    );
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) throw new Error(`The RDS CA bundle at ${path} contains no certificates.`);
  for (const pem of certs) new X509Certificate(pem);
  if (path === RDS_CA_BUNDLE_PATH) cached = certs;
  return certs;
}

/**
 * TLS options for node-postgres. `verify-full` checks the chain against the RDS
 * CA bundle *and* the host name (Node's default checkServerIdentity). There is
 * deliberately no mode that skips verification: a certificate error must be
 * fixed by trusting the right CA, never by switching certificate verification off.
 */
export function pgSslOptions(mode: DbSslMode): false | ConnectionOptions {
  if (mode === "disable") return false;
  return { ca: loadRdsCaBundle(), rejectUnauthorized: true, minVersion: "TLSv1.2" };
}
