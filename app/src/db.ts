import { Pool, type PoolClient, type PoolConfig } from "pg";
import type { FastifyBaseLogger } from "fastify";
import type { DbConfig } from "./config";
import { pgSslOptions } from "./tls";
import { describeDbError } from "./db-errors";
import { poolPassword } from "./db-auth";

/** Bounds that keep a dead or hanging database from hanging the app. */
export const DB_TIMEOUTS = {
  /** Give up on a TCP/TLS/auth handshake after this long (a black-holed host never answers). */
  connectMs: 3000,
  /** Client-side bound on any query, so a connection whose peer went silent is destroyed. */
  queryMs: 10_000,
  /** Server-side bound, so a runaway query does not hold locks forever. */
  statementMs: 10_000,
};

export function poolConfig(cfg: DbConfig, overrides: Partial<PoolConfig> = {}): PoolConfig {
  return {
    host: cfg.DB_HOST,
    port: cfg.DB_PORT,
    database: cfg.DB_NAME,
    user: cfg.DB_USER,
    // DB_AUTH=iam: a function minting a fresh RDS IAM token for every new connection (db-auth.ts).
    password: poolPassword(cfg),
    ssl: pgSslOptions(cfg.DB_SSL),
    max: 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
    query_timeout: DB_TIMEOUTS.queryMs,
    statement_timeout: DB_TIMEOUTS.statementMs,
    keepAlive: true,
    application_name: "paved-app",
    ...overrides,
  };
}

export function createPool(cfg: DbConfig, log: FastifyBaseLogger, overrides: Partial<PoolConfig> = {}): Pool {
  const pool = new Pool(poolConfig(cfg, overrides));
  // An idle client losing its connection (DB restart, failover) emits 'error' on the
  // pool; unhandled, that would crash the process. The pool drops the client and
  // opens a new one on the next checkout, which is how we recover without a restart.
  pool.on("error", (err) => log.warn({ err: describeDbError(err) }, "idle database client lost"));
  // Every client's socket, until it has really closed: closePool destroys what is left.
  const open = new Set<PoolClient>();
  pool.on("connect", (c) => {
    open.add(c);
    c.once("end", () => open.delete(c));
  });
  OPEN_CLIENTS.set(pool, open);
  return pool;
}

const OPEN_CLIENTS = new WeakMap<Pool, Set<PoolClient>>();

/**
 * Ends the pool within `boundMs`, then destroys every socket still open. pool.end() asks each
 * client to close politely, and a client whose database half-closed and went silent waits for an
 * answer forever — its socket alone kept the process alive after "shutdown complete".
 */
export async function closePool(pool: Pool, boundMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pool.end().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, boundMs)))]);
  clearTimeout(timer);
  for (const c of OPEN_CLIENTS.get(pool) ?? []) {
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

export interface DbCheck {
  status: "healthy" | "unhealthy";
  responseTime: number;
  error?: string;
  /** Scrubbed description of the failure, for the logs (describeDbError). */
  detail?: string;
}

/**
 * `SELECT 1` bounded by `timeoutMs` no matter where it is stuck (waiting for a
 * pool slot, connecting, or a query on a silent socket). The race answers the
 * caller on time; the per-query and connect timeouts make sure the abandoned
 * work is cleaned up shortly after.
 */
export async function checkDatabase(pool: Pool, timeoutMs: number): Promise<DbCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timeout"), { code: "TIMEOUT" })), timeoutMs);
  });
  // query_timeout per query is supported by pg but missing from its QueryConfig type.
  const query: Promise<unknown> = pool.query({ text: "SELECT 1", query_timeout: timeoutMs } as { text: string });
  query.catch(() => undefined); // the race may abandon it; its rejection is expected
  try {
    await Promise.race([query, timeout]);
    return { status: "healthy", responseTime: Math.round(performance.now() - started) };
  } catch (err) {
    // A code and a fixed description only: driver messages can carry host names.
    return {
      status: "unhealthy",
      responseTime: Math.round(performance.now() - started),
      error: describeDbError(err).code,
      detail: describeDbError(err).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Probe the database at startup with exponential backoff, logging every attempt,
 * so a task that cannot reach RDS says so instead of hanging silently. Runs until
 * it succeeds or `signal` aborts; the server already answers /livez meanwhile.
 */
export async function waitForDatabase(
  pool: Pool,
  log: FastifyBaseLogger,
  opts: { initialDelayMs?: number; maxDelayMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<boolean> {
  const { initialDelayMs = 500, maxDelayMs = 10_000, timeoutMs = DB_TIMEOUTS.connectMs, signal } = opts;
  let delay = initialDelayMs;
  for (let attempt = 1; !signal?.aborted; attempt++) {
    const result = await checkDatabase(pool, timeoutMs);
    if (result.status === "healthy") {
      log.info({ attempt, responseTime: result.responseTime }, "database reachable");
      return true;
    }
    log.warn({ attempt, error: result.error, detail: result.detail, retryInMs: delay }, "database not reachable yet, retrying");
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
    delay = Math.min(delay * 2, maxDelayMs);
  }
  return false;
}

export { isDbUnavailable } from "./db-errors";
