import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { testPostgres, type TestPostgres } from "./helpers/pg";
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, MIGRATION_LOCK_KEY, runMigrations } from "../../app/src/migrate";
import type { DbConfig } from "../../app/src/config";

async function query<T = Record<string, unknown>>(db: DbConfig, sql: string): Promise<T[]> {
  const c = new Client({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD, database: db.DB_NAME });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}
const silent = () => undefined;

describe("app: migrations", function () {
  this.timeout(30_000);
  let pg: TestPostgres;
  before(async () => {
    pg = await testPostgres();
  });

  it("applies the shipped migrations in order, tracked in a table, and is idempotent", async () => {
    const db = await pg.createDatabase("mig_order");
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(".sql"))
      .sort();
    const first = await runMigrations(db, { log: silent });
    assert.deepEqual(
      first.map((m) => m.name),
      files.map((f) => f.replace(/\.sql$/, "")),
    );
    const tracked = await query<{ name: string }>(db, `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    assert.deepEqual(
      tracked.map((r) => r.name),
      first.map((m) => m.name),
    );
    const tables = await query<{ table_name: string }>(
      db,
      "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1",
    );
    assert.deepEqual(
      tables.map((t) => t.table_name),
      ["attachments", "idempotency_keys", "pgmigrations", "tickets"],
    );

    const second = await runMigrations(db, { log: silent });
    assert.deepEqual(second, []);
    assert.equal((await query(db, `SELECT 1 FROM ${MIGRATIONS_TABLE}`)).length, files.length);
  });

  it("runs each migration in its own transaction: a failing one leaves earlier ones applied and itself not recorded", async () => {
    const db = await pg.createDatabase("mig_tx");
    const dir = mkdtempSync(join(tmpdir(), "paved-mig-"));
    writeFileSync(join(dir, "1_a.sql"), "-- Up Migration\nCREATE TABLE a (id int);\n");
    writeFileSync(join(dir, "2_b.sql"), "-- Up Migration\nCREATE TABLE b (id int);\nSELECT no_such_function();\n");
    await assert.rejects(runMigrations(db, { log: silent, dir }), /no_such_function/);
    const tracked = await query<{ name: string }>(db, `SELECT name FROM ${MIGRATIONS_TABLE}`);
    assert.deepEqual(
      tracked.map((r) => r.name),
      ["1_a"],
    );
    const tables = await query<{ t: string | null }>(
      db,
      "SELECT to_regclass('public.a')::text AS t UNION ALL SELECT to_regclass('public.b')::text",
    );
    assert.deepEqual(
      tables.map((r) => r.t),
      ["a", null],
    );
    // and it refuses to run out of order: a new migration sorted before an applied one
    writeFileSync(join(dir, "2_b.sql"), "-- Up Migration\nCREATE TABLE b (id int);\n");
    writeFileSync(join(dir, "0_early.sql"), "-- Up Migration\nSELECT 1;\n");
    await assert.rejects(runMigrations(db, { log: silent, dir }), /order|Not run migration/i);
  });

  it("serialises concurrent runners with an advisory lock: two at once apply each migration exactly once", async () => {
    const db = await pg.createDatabase("mig_lock");
    const dir = mkdtempSync(join(tmpdir(), "paved-mig-"));
    // slow enough that the two runners really overlap
    writeFileSync(join(dir, "1_slow.sql"), "-- Up Migration\nSELECT pg_sleep(0.5);\nCREATE TABLE once (id int);\n");
    writeFileSync(join(dir, "2_next.sql"), "-- Up Migration\nCREATE TABLE twice_guard (id int);\n");
    const logs: string[][] = [[], []];
    const [a, b] = await Promise.all([
      runMigrations(db, { dir, log: (m) => logs[0].push(m) }),
      runMigrations(db, { dir, log: (m) => logs[1].push(m) }),
    ]);
    const counts = [a.length, b.length].sort();
    assert.deepEqual(counts, [0, 2], `one runner applies both, the other finds nothing: ${a.length}/${b.length}`);
    assert.equal((await query(db, `SELECT 1 FROM ${MIGRATIONS_TABLE}`)).length, 2);
    assert.ok(logs.every((l) => l.includes("migration lock acquired")));
  });

  it("gives up waiting for a held lock after lockTimeoutMs with a clear error", async () => {
    const db = await pg.createDatabase("mig_lock_timeout");
    const holder = new Client({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD, database: db.DB_NAME });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      await assert.rejects(runMigrations(db, { log: silent, lockTimeoutMs: 300 }), /lock timeout/);
    } finally {
      await holder.end();
    }
  });
});
