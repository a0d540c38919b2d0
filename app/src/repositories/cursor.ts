import { ERRORS } from "../errors";

/**
 * Keyset cursors over (created_at, id): base64url of `["<ISO time, ms>","<uuid>"]`, exactly as the
 * app issues them. Anything else — other JSON, other time or id forms, extra padding — is a 400
 * naming the field, so a forged cursor never reaches PostgreSQL (where it was a 500).
 */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

export function decodeCursor(cursor: string): [string, string] {
  if (BASE64URL.test(cursor)) {
    try {
      const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      if (
        Array.isArray(v) &&
        v.length === 2 &&
        typeof v[0] === "string" &&
        typeof v[1] === "string" &&
        ISO_MS.test(v[0]) &&
        !Number.isNaN(Date.parse(v[0])) &&
        new Date(v[0]).toISOString() === v[0] &&
        UUID_LOWER.test(v[1]) &&
        encodeCursor(v[0], v[1]) === cursor
      ) {
        return [v[0], v[1]];
      }
    } catch {
      /* fall through */
    }
  }
  throw ERRORS.invalidCursor();
}
