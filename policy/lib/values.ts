// Helpers for reading resource properties that may be unknown during preview.
//
// The engine hands policies a proxy that throws when an unknown value is read.
// Our policies read the raw object instead and treat the engine's unknown
// sentinels as "cannot see": a check is skipped rather than guessed, so a
// preview never fails on a value that only exists after the update.
import * as zlib from "zlib";

/** The engine's unknown-value sentinels (same strings in `pulumi preview --json`). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return typeof v === "string" && v.length === 36 && UNKNOWN_SENTINELS.has(v);
}

/** Returns the plain object behind the engine's unknown-checking proxy. */
export function unwrap(props: any): Record<string, any> {
  if (props && typeof props === "object") {
    const target = (props as any)["__getSpecialProxyTarget"];
    if (target && typeof target === "object") {
      return target;
    }
    return props;
  }
  return {};
}

export function isKnownString(v: unknown): v is string {
  return typeof v === "string" && !isUnknown(v);
}

/** True only for a known boolean true (or the string "true", as launch templates use). */
export function isTrue(v: unknown): boolean {
  return v === true || v === "true";
}

/** A setting that is visibly off: known (so not a preview's unknown) and not true. */
export function isKnownNotTrue(v: unknown): boolean {
  return !isUnknown(v) && !isTrue(v);
}

export function asArray(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** Parses a JSON string input (ECS container definitions, IAM documents); objects pass through. */
export function parseJsonInput(v: unknown): { known: boolean; value?: any } {
  if (v === undefined || v === null) {
    return { known: true, value: undefined };
  }
  if (isUnknown(v)) {
    return { known: false };
  }
  if (typeof v === "string") {
    // A JSON document with interpolated unknowns still parses; the sentinels
    // then show up as string values and are skipped by the checks.
    try {
      return { known: true, value: JSON.parse(v) };
    } catch {
      return { known: false };
    }
  }
  return { known: true, value: v };
}

// Tested on the whitespace-stripped value: no overlapping classes, so linear.
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_DECODED = 4 * 1024 * 1024;

/**
 * The texts to scan for a user-data value: the value itself and, when it is
 * base64 (optionally gzip-compressed, as cloud-init accepts), the decoded text.
 */
export function userDataTexts(v: unknown): string[] {
  if (!isKnownString(v) || v.length === 0) {
    return [];
  }
  const texts = [v];
  const compact = v.replace(/\s+/g, "");
  if (compact.length >= 8 && BASE64_RE.test(compact)) {
    let buf = Buffer.from(compact, "base64");
    if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      try {
        buf = zlib.gunzipSync(buf, { maxOutputLength: MAX_DECODED });
      } catch {
        return texts;
      }
    }
    const decoded = buf.toString("utf8");
    // Only treat it as text if it mostly is; random binary is not user data we can read.
    let printable = 0;
    const n = Math.min(decoded.length, 4096);
    for (let i = 0; i < n; i++) {
      const c = decoded.charCodeAt(i);
      if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 0xfffd)) {
        printable++;
      }
    }
    if (n > 0 && printable / n > 0.95) {
      texts.push(decoded);
    }
  }
  return texts;
}

/** Reads an integer-ish input (numbers or numeric strings); undefined when absent or unknown. */
export function asInt(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === "string" && /^-?\d{1,10}$/.test(v)) {
    return Number(v);
  }
  return undefined;
}

/** "a", "a and b", "a, b and c": lists in messages read as sentences. */
export function joinWords(items: readonly string[]): string {
  if (items.length <= 1) {
    return items.join("");
  }
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The indefinite article for a noun phrase ("an AWS access key id", "a JSON Web Token"). */
export function withArticle(phrase: string): string {
  // Initialisms read letter by letter: "an AWS ...", "an SSH ...", but "a URL ..." / "a JSON ...".
  const first = phrase.split(/[\s-]/)[0];
  const vowelSound = /^[A-Z]{2,}$/.test(first)
    ? /^[AEFHILMNORSX]/.test(first) && !/^(URL|UTF)/.test(first)
    : /^[aeiou]/i.test(phrase) && !/^(uni|use|usu|one)/i.test(phrase);
  return `${vowelSound ? "an" : "a"} ${phrase}`;
}
