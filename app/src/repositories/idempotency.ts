import { createHash } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { ERRORS, HttpError } from "../errors";

/** A response to replay: what the first request with the key answered. */
export interface StoredResponse {
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
}

/** How long a key is remembered (a retrying client gives up long before). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** Keys: 1-255 visible ASCII characters (a UUID is typical). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Fingerprint of what a key was first used for: method, route, params and body. */
export function requestFingerprint(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/**
 * Idempotency keys in PostgreSQL, scoped per user (token subject), with expiry.
 *
 * The key row and the write are one transaction: the key is inserted first (a concurrent
 * request with the same key waits on it), the write runs, the response is stored, and all
 * commit together. So a key row exists exactly when the write committed, and a retry after
 * an unknown outcome either replays the committed answer or performs the write once.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Pool,
    private readonly ttlSeconds = IDEMPOTENCY_TTL_SECONDS,
  ) {}

  /**
   * Runs `write` once per (user, key): the first call commits its result with the key; later
   * calls with the same request get `{ replayed: stored }`; the same key for a different
   * request is a 422.
   */
  async run(
    user: string,
    key: string,
    fingerprint: string,
    write: (tx: PoolClient) => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const tx = await this.db.connect();
    let broken: unknown;
    try {
      await tx.query("BEGIN");
      // An expired key is taken over as if new; a live one is left alone (DO UPDATE ... WHERE).
      const inserted = await tx.query(
        `INSERT INTO idempotency_keys (user_sub, key, fingerprint, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
         ON CONFLICT (user_sub, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at,
           status_code = NULL, response = NULL, headers = NULL, created_at = now()
         WHERE idempotency_keys.expires_at <= now()
         RETURNING 1`,
        [user, key, fingerprint, this.ttlSeconds],
      );
      if (inserted.rowCount === 0) {
        await tx.query("ROLLBACK");
        const { rows } = await this.db.query<{
          fingerprint: string;
          status_code: number;
          response: unknown;
          headers: Record<string, string>;
        }>("SELECT fingerprint, status_code, response, headers FROM idempotency_keys WHERE user_sub = $1 AND key = $2", [user, key]);
        const row = rows[0];
        if (!row || row.status_code === null) throw ERRORS.idempotencyInProgress();
        if (row.fingerprint !== fingerprint) throw ERRORS.idempotencyMismatch();
        return { response: { statusCode: row.status_code, body: row.response, headers: row.headers ?? {} }, replayed: true };
      }
      const response = await write(tx);
      await tx.query("UPDATE idempotency_keys SET status_code = $3, response = $4, headers = $5 WHERE user_sub = $1 AND key = $2", [
        user,
        key,
        response.statusCode,
        JSON.stringify(response.body),
        JSON.stringify(response.headers),
      ]);
      await tx.query("COMMIT");
      return { response, replayed: false };
    } catch (err) {
      broken = err;
      // Roll back only on a connection that still answers (the server refused something, or a
      // client error); a timed-out or broken one is destroyed on release and the server rolls back.
      if (err instanceof HttpError || /^[0-9A-Z]{5}$/.test(String((err as { code?: unknown }).code ?? "")))
        await tx.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed mid-transaction is not reused.
      tx.release(broken instanceof Error && !(broken instanceof HttpError) ? broken : undefined);
    }
  }

  /** Deletes expired keys; returns how many. */
  async purgeExpired(): Promise<number> {
    const { rowCount } = await this.db.query("DELETE FROM idempotency_keys WHERE expires_at <= now()");
    return rowCount ?? 0;
  }
}
