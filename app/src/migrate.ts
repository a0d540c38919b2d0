import { join } from "node:path";
import { Client } from "pg";
import { runner } from "node-pg-migrate";

type RunMigration = Awaited<ReturnType<typeof runner>>[number];
import { loadDbConfig, reportConfigErrorAndExit, type DbConfig } from "./config";
import { poolConfig } from "./db";

/** Migrations are plain SQL files, so the runtime image needs no compiler to apply them. */
export const MIGRATIONS_DIR = join(__dirname, "..", "migrations");
export const MIGRATIONS_TABLE = "pgmigrations";
/** Our own advisory-lock key (any constant; shared by every task running migrations). */
export const MIGRATION_LOCK_KEY = 7_215_533_901;

type Log = (msg: string, extra?: Record<string, unknown>) => void;

/**
 * Applies pending migrations in file-name order, each in its own transaction,
 * recorded in `pgmigrations`. A session-level advisory lock serialises runners:
 * when two tasks start together the second *waits*, then finds nothing pending,
 * instead of failing or applying the same migration twice.
 */
export async function runMigrations(
  cfg: DbConfig,
  opts: { log?: Log; dir?: string; lockTimeoutMs?: number } = {},
): Promise<RunMigration[]> {
  const log: Log =
    opts.log ?? ((msg, extra) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), msg, ...extra }) + "\n"));
  const {
    max: _max,
    idleTimeoutMillis: _idle,
    ...clientCfg
  } = poolConfig(cfg, { application_name: "paved-migrate", statement_timeout: 0, query_timeout: 0 });
  const client = new Client(clientCfg);
  await client.connect();
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(opts.lockTimeoutMs ?? 300_000))}`);
    log("waiting for migration lock", { lockKey: MIGRATION_LOCK_KEY });
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    } catch (err) {
      if ((err as { code?: string }).code === "55P03") {
        throw new Error(
          `lock timeout: another migration runner has held advisory lock ${MIGRATION_LOCK_KEY} for too long; check for a stuck migrate task (pg_locks) and retry.`,
        );
      }
      throw err;
    }
    await client.query("SET lock_timeout = 0");
    log("migration lock acquired");
    try {
      const applied = await runner({
        dbClient: client,
        dir: opts.dir ?? MIGRATIONS_DIR,
        migrationsTable: MIGRATIONS_TABLE,
        direction: "up",
        count: Infinity,
        singleTransaction: false, // one transaction per migration
        checkOrder: true, // refuse to run if an applied migration is missing or out of order
        noLock: true, // we already hold our (blocking) lock on this session
        logger: {
          debug: () => undefined,
          info: (m: string) => log(m),
          warn: (m: string) => log(m, { level: 40 }),
          error: (m: string) => log(m, { level: 50 }),
        },
      });
      log(applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date", {
        applied: applied.map((m) => m.name),
      });
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

if (require.main === module) {
  let cfg: DbConfig;
  try {
    cfg = loadDbConfig();
  } catch (err) {
    reportConfigErrorAndExit(err);
  }
  runMigrations(cfg).then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(JSON.stringify({ level: 60, time: Date.now(), msg: `migration failed: ${err.message}` }) + "\n");
      process.exit(1);
    },
  );
}
