import { v7 } from "uuid";

/**
 * Row ids the app generates: UUIDv7 (RFC 9562), time-ordered and strictly increasing within
 * this process, even for ids made in the same millisecond (uuid's v7 keeps a monotonic counter).
 *
 * Lists are ordered by (created_at DESC, id DESC); created_at has millisecond precision, so rows
 * created in the same millisecond tie on it and the id decides. With a random (v4) id that
 * tiebreak was random and "newest first" was not true within a millisecond. PostgreSQL 16/17
 * have no built-in v7 generator, so the app makes the id and the database default stays only
 * as a fallback for rows written by hand.
 */
export function newId(): string {
  return v7();
}
