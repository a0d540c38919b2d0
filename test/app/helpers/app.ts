import { Writable } from "node:stream";
import type { Pool } from "pg";
import { buildApp, type AppOptions } from "../../../app/src/app";
import type { Config, DbConfig } from "../../../app/src/config";
import { createPool } from "../../../app/src/db";
import { runMigrations } from "../../../app/src/migrate";
import { createStorage } from "../../../app/src/s3";
import { mintToken } from "../../../app/src/token";
import { testPostgres } from "./pg";

export const TEST_JWT_SECRET = "test-only-jwt-secret-0123456789abcdef";

/** A full env for child-process tests. */
export function envFor(db: DbConfig, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: "3000",
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    APP_VERSION: "test-1.2.3",
    DB_HOST: db.DB_HOST,
    DB_PORT: String(db.DB_PORT),
    DB_NAME: db.DB_NAME,
    DB_USER: db.DB_USER,
    DB_PASSWORD: db.DB_PASSWORD ?? "",
    DB_SSL: "disable",
    S3_BUCKET: "paved-test-bucket",
    AWS_REGION: "eu-west-1",
    JWT_SECRET: TEST_JWT_SECRET,
    ...extra,
  };
}

export const quietLog = { warn: () => undefined } as never;

/** Captures pino lines in memory. */
export class LogCapture extends Writable {
  lines: string[] = [];
  _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    cb();
  }
  get text() {
    return this.lines.join("\n");
  }
}

export async function migratedDb(db: DbConfig): Promise<void> {
  await runMigrations(db, { log: () => undefined });
}

/** A fresh database on the shared test PostgreSQL, with the app's migrations applied. */
export async function migratedDatabase(prefix: string): Promise<DbConfig> {
  const db = await (await testPostgres()).createDatabase(prefix);
  await migratedDb(db);
  return db;
}

export async function makeApp(
  db: DbConfig,
  opts: Partial<Omit<AppOptions, "config">> & { config?: Partial<Config>; poolOverrides?: object } = {},
) {
  const pool: Pool = opts.db ?? createPool(db, quietLog, opts.poolOverrides);
  const app = await buildApp({
    ...opts,
    config: { NODE_ENV: "production", LOG_LEVEL: "silent", APP_VERSION: "test-1.2.3", JWT_SECRET: TEST_JWT_SECRET, ...opts.config },
    db: pool,
    storage: opts.storage ?? createStorage({ bucket: "paved-test-bucket", region: "eu-west-1" }),
  } as AppOptions);
  app.addHook("onClose", async () => {
    await pool.end().catch(() => undefined);
  });
  return app;
}

export async function bearer(sub = "agent@example.com"): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await mintToken(TEST_JWT_SECRET, sub)}` };
}
