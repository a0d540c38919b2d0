import { ENV_DEFAULTS } from "./env-defaults";

/**
 * Every server-side timeout of the app, in one place, with the relations between them
 * checked at startup (checkTimeouts) and in one test (test/app/timeouts.test.ts).
 *
 *   ALB idle timeout  <  keepAliveMs           the ALB closes idle connections first, so it never
 *                                              sends a request on a socket the app is closing
 *   headersMs         <  keepAliveMs           an idle kept-alive socket outlives the headers timeout
 *   headersMs         <= requestMs             otherwise Node stops expiring a request once its headers
 *                                              arrived, and a 1-byte/s body stays open indefinitely
 *   checkIntervalMs   <= headersMs             Node checks request/headers timeouts on this interval;
 *                                              its default (30 s) would let a slow client overstay by 30 s
 *   keepAliveMs       <= connectionMs          socket inactivity never cuts a kept-alive socket early
 *   drainMs + requestMs < shutdownMs           a request accepted during the drain still finishes
 *   shutdownMs        <  ECS stopTimeout (30 s) the process exits (0) before ECS would SIGKILL it
 */
export interface ServerTimeouts {
  /** Whole request (headers + body) must arrive within this (Node `requestTimeout`); a slow body gets 408. */
  requestMs: number;
  /** Request headers must arrive within this (Node `headersTimeout`). */
  headersMs: number;
  /** Idle kept-alive socket is closed after this (Node `keepAliveTimeout`); from KEEP_ALIVE_TIMEOUT_SECONDS. */
  keepAliveMs: number;
  /** Socket inactivity bound (Node `server.timeout`). */
  connectionMs: number;
  /** How often Node checks the request and headers timeouts (`connectionsCheckingInterval`). */
  checkIntervalMs: number;
  /** After SIGTERM, keep serving this long with `Connection: close` before closing (SHUTDOWN_DRAIN_SECONDS). */
  drainMs: number;
  /** Hard bound on the whole shutdown; the process exits 0 by then no matter what it waits on. */
  shutdownMs: number;
}

/** ECS sends SIGTERM, waits the container's stopTimeout (30 s by default) and then SIGKILLs (exit 137). */
export const ECS_STOP_TIMEOUT_MS = 30_000;

export function serverTimeouts(opts: { keepAliveSeconds?: number; drainSeconds?: number } = {}): ServerTimeouts {
  const keepAliveMs = (opts.keepAliveSeconds ?? ENV_DEFAULTS.KEEP_ALIVE_TIMEOUT_SECONDS) * 1000;
  return {
    requestMs: 20_000,
    // 10 s, or half the keep-alive when that is shorter (the idle socket must outlive it)
    headersMs: Math.min(10_000, keepAliveMs / 2),
    keepAliveMs,
    connectionMs: keepAliveMs + 5_000,
    checkIntervalMs: 1_000,
    drainMs: (opts.drainSeconds ?? ENV_DEFAULTS.SHUTDOWN_DRAIN_SECONDS) * 1000,
    shutdownMs: 25_000,
  };
}

/** The relations above; returns the violated ones (empty when all hold). */
export function timeoutProblems(t: ServerTimeouts, albIdleSeconds?: number): string[] {
  const p: string[] = [];
  if (albIdleSeconds !== undefined && !(albIdleSeconds * 1000 < t.keepAliveMs))
    p.push(
      `the ALB idle timeout (${albIdleSeconds} s) must be below the keep-alive timeout (${t.keepAliveMs / 1000} s): set KEEP_ALIVE_TIMEOUT_SECONDS above it`,
    );
  if (!(t.headersMs < t.keepAliveMs)) p.push(`headersMs (${t.headersMs}) must be below keepAliveMs (${t.keepAliveMs})`);
  if (!(t.headersMs <= t.requestMs)) p.push(`headersMs (${t.headersMs}) must not exceed requestMs (${t.requestMs})`);
  if (!(t.checkIntervalMs <= t.headersMs)) p.push(`checkIntervalMs (${t.checkIntervalMs}) must not exceed headersMs (${t.headersMs})`);
  if (!(t.keepAliveMs <= t.connectionMs)) p.push(`keepAliveMs (${t.keepAliveMs}) must not exceed connectionMs (${t.connectionMs})`);
  if (!(t.drainMs + t.requestMs < t.shutdownMs))
    p.push(`drainMs + requestMs (${t.drainMs + t.requestMs}) must be below shutdownMs (${t.shutdownMs})`);
  if (!(t.shutdownMs < ECS_STOP_TIMEOUT_MS))
    p.push(`shutdownMs (${t.shutdownMs}) must be below the ECS stop timeout (${ECS_STOP_TIMEOUT_MS})`);
  for (const [k, v] of Object.entries(t)) if (!Number.isFinite(v) || v < 0) p.push(`${k} must be a non-negative number`);
  return p;
}

export function checkTimeouts(t: ServerTimeouts, albIdleSeconds?: number): ServerTimeouts {
  const p = timeoutProblems(t, albIdleSeconds);
  if (p.length) throw new Error(`Inconsistent server timeouts: ${p.join("; ")}.`);
  return t;
}
