// The app's own database identity: a least-privileged role created idempotently by the db-init
// step, and a pool whose password is asked for on every new connection (DB_AUTH=iam mints an RDS
// token there), so a credential change never breaks a running app. Real PostgreSQL.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import type { DbConfig } from "../../app/src/config";
import { loadDbConfig } from "../../app/src/config";
import { initAppRole } from "../../app/src/db-init";
import { poolPassword } from "../../app/src/db-auth";
import { poolConfig } from "../../app/src/db";
import { bearer, makeApp, migratedDatabase } from "./helpers/app";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");

const admin = async (db: DbConfig) => {
  const c = new Client({ host: db.DB_HOST, port: db.DB_PORT, database: db.DB_NAME, user: db.DB_USER, password: db.DB_PASSWORD });
  await c.connect();
  return c;
};

describe("app: its own database identity (db-init, DB_AUTH)", function () {
  this.timeout(60_000);
  let owner: DbConfig;
  let appDb: DbConfig;
  const appUser = `paved_app_${process.pid}`;

  before(async () => {
    owner = await migratedDatabase("db_identity");
    const c = await admin(owner);
    try {
      assert.deepEqual(await initAppRole(c, { appUser, database: owner.DB_NAME, password: "first-password" }), {
        created: true,
        rdsIam: false,
      });
    } finally {
      await c.end();
    }
    appDb = { ...owner, DB_USER: appUser, DB_PASSWORD: "first-password" };
  });

  after(async () => {
    const c = await admin(owner);
    await c.query(`DROP OWNED BY ${appUser}`).catch(() => undefined);
    await c.end();
  });

  it("the init step is idempotent: run again (also concurrently) it changes nothing and fails nothing", async () => {
    const clients = await Promise.all([admin(owner), admin(owner), admin(owner)]);
    try {
      const results = await Promise.all(clients.map((c) => initAppRole(c, { appUser, database: owner.DB_NAME })));
      assert.deepEqual(
        results.map((r) => r.created),
        [false, false, false],
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const c = await admin(owner);
    try {
      const r = (await c.query("SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1", [appUser]))
        .rows[0];
      assert.deepEqual(r, { rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
    } finally {
      await c.end();
    }
  });

  it("the app role reads and writes rows but is refused DDL (create, alter, drop) and the migrations table", async () => {
    const c = await admin(appDb);
    try {
      await c.query("INSERT INTO tickets (title, created_by) VALUES ('t', 'agent@example.com')");
      await c.query("SELECT count(*) FROM tickets");
      for (const ddl of [
        "CREATE TABLE evil (id int)",
        "ALTER TABLE tickets ADD COLUMN evil int",
        "DROP TABLE tickets",
        "CREATE INDEX evil ON tickets (id)",
        "TRUNCATE tickets",
      ]) {
        await assert.rejects(
          c.query(ddl),
          (e: { code?: string }) => e.code === "42501",
          `${ddl} must be refused with insufficient_privilege`,
        );
      }
      await assert.rejects(c.query("DELETE FROM pgmigrations"), (e: { code?: string }) => e.code === "42501");
    } finally {
      await c.end();
    }
  });

  it("tables a later migration creates are usable by the app role (default privileges)", async () => {
    const o = await admin(owner);
    await o.query("CREATE TABLE later_migration (id bigserial PRIMARY KEY, v text)");
    await o.end();
    const c = await admin(appDb);
    try {
      await c.query("INSERT INTO later_migration (v) VALUES ('x')");
      assert.equal((await c.query("SELECT count(*)::int AS n FROM later_migration")).rows[0].n, 1);
    } finally {
      await c.end();
    }
  });

  it("after the password changes and idle backends are terminated, every later request succeeds (/health stays 200, no 5xx)", async () => {
    let current = "first-password";
    let asked = 0;
    // DB_AUTH=iam's provider, with the "token" minted from the current credential (embedded
    // PostgreSQL has no IAM; the pool side is the same: asked again for every new connection).
    const password = poolPassword({ ...appDb, DB_AUTH: "iam" }, async () => {
      asked++;
      return current;
    });
    const app = await makeApp(appDb, { poolOverrides: { password, max: 4 } });
    try {
      const auth = await bearer();
      const burst = async () => {
        const res = await Promise.all(
          Array.from({ length: 8 }, (_, i) => app.inject({ method: "GET", url: i % 2 ? "/health" : "/api/tickets", headers: auth })),
        );
        return res.map((r) => r.statusCode);
      };
      assert.deepEqual(await burst(), Array(8).fill(200));
      const askedBefore = asked;

      // Rotation: the credential changes in the database and in the provider; old sessions end.
      const o = await admin(owner);
      await o.query(`ALTER ROLE ${appUser} PASSWORD 'second-password'`);
      current = "second-password";
      await o.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND state = 'idle'", [appUser]);
      await o.end();
      const pool = app.db;
      for (let i = 0; i < 200 && pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(pool.totalCount, 0, "the pool dropped the terminated connections");

      for (let round = 0; round < 3; round++) assert.deepEqual(await burst(), Array(8).fill(200), `round ${round}`);
      assert.ok(asked > askedBefore, "new connections asked the provider for the (new) password");
    } finally {
      await app.close();
    }
  });

  it("DB_AUTH=iam: no DB_PASSWORD needed, and the pool mints a token for every new connection; password mode still needs one", () => {
    const env = {
      DB_HOST: "db.example.internal",
      DB_PORT: "5432",
      DB_NAME: "paved",
      DB_USER: "paved_app",
      DB_SSL: "verify-full",
      DB_AUTH: "iam",
    };
    const cfg = loadDbConfig(env);
    assert.equal(cfg.DB_AUTH, "iam");
    assert.equal(cfg.DB_PASSWORD, undefined);
    const minted: string[] = [];
    const pw = poolPassword(cfg, async (o) => {
      minted.push(`${o.username}@${o.hostname}:${o.port}`);
      return `token-${minted.length}`;
    });
    assert.equal(typeof pw, "function");
    assert.equal(typeof poolConfig(cfg).password, "function");
    return (async () => {
      assert.equal(await (pw as () => Promise<string>)(), "token-1");
      assert.equal(await (pw as () => Promise<string>)(), "token-2");
      assert.deepEqual(minted, ["paved_app@db.example.internal:5432", "paved_app@db.example.internal:5432"]);
      assert.throws(() => loadDbConfig({ ...env, DB_AUTH: "password" }), /DB_PASSWORD is missing/);
      assert.equal(poolConfig(loadDbConfig({ ...env, DB_AUTH: undefined, DB_PASSWORD: "pw" })).password, "pw");
    })();
  });

  it("the db-init command, run as the task runs it (owner's credentials + DB_APP_USER), creates the role once and exits 0 every time", async () => {
    const role = `paved_init_${process.pid}`;
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      DB_HOST: owner.DB_HOST,
      DB_PORT: String(owner.DB_PORT),
      DB_NAME: owner.DB_NAME,
      DB_USER: owner.DB_USER,
      DB_PASSWORD: owner.DB_PASSWORD,
      DB_SSL: "disable",
      DB_APP_USER: role,
    };
    const run = () =>
      execFileAsync(process.execPath, ["-r", "ts-node/register/transpile-only", "app/src/db-init.ts"], { env, cwd: ROOT, timeout: 60_000 });
    try {
      const first = await run();
      assert.match(first.stdout, /"msg":"app role created"/);
      const again = await run();
      assert.match(again.stdout, /"msg":"app role up to date"/);
      const c = await admin(owner);
      try {
        assert.equal(
          (await c.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1 AND rolcanlogin AND NOT rolsuper", [role])).rows[0].n,
          1,
        );
      } finally {
        await c.end();
      }
      // A bad role name is refused before anything changes, with a non-zero exit.
      await assert.rejects(
        execFileAsync(process.execPath, ["-r", "ts-node/register/transpile-only", "app/src/db-init.ts"], {
          env: { ...env, DB_APP_USER: "Robert'); DROP" },
          cwd: ROOT,
          timeout: 60_000,
        }),
        (e: { code?: number; stderr?: string }) => e.code === 1 && /invalid app role name/.test(e.stderr ?? ""),
      );
    } finally {
      const c = await admin(owner);
      await c.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await c.end();
    }
  });
});
