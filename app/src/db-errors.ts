/**
 * What a database driver error means for the answer, and what of it may be logged.
 * Kept apart from db.ts (the pool) so the classification has one home.
 */

type DbError = NodeJS.ErrnoException & { message?: string };

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);
/** TLS failures towards the database (wrong CA, wrong host name, no TLS on the server): an outage, not a bug. */
const TLS_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);
const NO_TLS_ON_SERVER = /The server does not support SSL connections/i;

export function isDbTlsFailure(err: unknown): boolean {
  const e = err as DbError;
  return TLS_CODES.has(e?.code ?? "") || NO_TLS_ON_SERVER.test(e?.message ?? "") || /^ERR_SSL_/.test(e?.code ?? "");
}

/** Postgres / socket / TLS errors that mean "database unavailable", answered with 503 rather than 500. */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as DbError;
  if (UNAVAILABLE_CODES.has(e?.code ?? "")) return true;
  if (isDbTlsFailure(err)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection timeout/i.test(e?.message ?? "");
}

/**
 * The statement may have reached the server and run: the client gave up waiting for the
 * answer (query_timeout) or the connection dropped mid-query. For a write, its outcome is unknown.
 */
export function isOutcomeUnknown(err: unknown): boolean {
  return /Query read timeout|Connection terminated unexpectedly/i.test((err as DbError)?.message ?? "");
}

/** PostgreSQL data exceptions (SQLSTATE class 22): a value the database refuses, i.e. bad input. */
export function isDataException(err: unknown): boolean {
  const code = (err as DbError)?.code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * A loggable summary of a driver error: its code and a fixed description of its class,
 * never the driver's own message (it can carry host names, certificate subjects or SQL).
 */
export function describeDbError(err: unknown): { code: string; message: string } {
  const e = err as DbError;
  const code =
    e?.code ?? (NO_TLS_ON_SERVER.test(e?.message ?? "") ? "NO_TLS_ON_SERVER" : /timeout/i.test(e?.message ?? "") ? "TIMEOUT" : "ERROR");
  if (isDbTlsFailure(err)) {
    return {
      code,
      message:
        code === "NO_TLS_ON_SERVER"
          ? "TLS to the database failed: the server does not offer TLS (DB_SSL=verify-full needs a TLS-enabled server, e.g. RDS)"
          : `TLS to the database failed (${code}): the server's certificate is not one the bundled RDS CA and DB_HOST verify`,
    };
  }
  if (isOutcomeUnknown(err)) return { code, message: "the database did not answer a sent statement in time" };
  if (code === "TIMEOUT") return { code, message: "the database did not answer within the bound" };
  if (isDbUnavailable(err)) return { code, message: "the database is not reachable" };
  return { code, message: "database error" };
}
