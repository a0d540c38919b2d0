// Secret detection by name and by value shape.
//
// Every regex here runs on bounded or delimiter-split input and is either
// anchored with the sticky flag or has no overlapping quantifiers, so matching
// is linear in the input length (see test/policy/secrets.test.ts, which feeds
// a 1 MB adversarial string under a time bound).

export interface SecretHit {
  kind: string;
  /** Where it was found, e.g. `environment JWT_SECRET`; never contains the value. */
  where: string;
}

// Name words that make a variable secret when they END the name. Checking only
// the final word(s) is what keeps PASSWORD_MIN_LENGTH, TOKEN_TTL_SECONDS and
// JWT_ISSUER out: their last word is a qualifier, not the secret itself.
const SECRET_LAST_WORDS = new Set([
  "secret",
  "secrets",
  "password",
  "passwd",
  "pwd",
  "pass",
  "passphrase",
  "token",
  "apikey",
  "credential",
  "credentials",
  "privatekey",
  "secretkey",
  "accesskey",
  "dsn",
  "salt",
  "pepper",
]);
const SECRET_LAST_TWO = new Set([
  "api_key",
  "private_key",
  "secret_key",
  "access_key",
  "signing_key",
  "encryption_key",
  "master_key",
  "client_secret",
  "auth_key",
  "session_key",
  "account_key",
  "service_key",
  "webhook_secret",
  "connection_string",
  "conn_string",
  "key_base64",
  "private_key_base64",
]);
/** Names that are secret when they carry credentials in the value (a URL with user:password@). */
const URL_NAMES = /(?:^|_)(?:url|uri|dsn|connection|conn)$/;

function words(name: string): string[] {
  // FOO_BAR, foo-bar, foo.bar and fooBar all split into words.
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

export function isSecretName(name: string, allowNames: ReadonlySet<string> = new Set()): boolean {
  if (name.length > 256 || allowNames.has(name)) {
    return false;
  }
  const w = words(name);
  if (w.length === 0) {
    return false;
  }
  const last = w[w.length - 1];
  if (SECRET_LAST_WORDS.has(last)) {
    return true;
  }
  if (w.length >= 2 && SECRET_LAST_TWO.has(`${w[w.length - 2]}_${last}`)) {
    return true;
  }
  if (w.length >= 3 && SECRET_LAST_TWO.has(`${w[w.length - 3]}_${w[w.length - 2]}_${last}`)) {
    return true;
  }
  return false;
}

export function isUrlName(name: string): boolean {
  return name.length <= 256 && URL_NAMES.test(words(name).join("_"));
}

// Value shapes, each tested against a single delimiter-split token with the
// sticky flag and an end anchor: one attempt per token, no nested quantifiers.
const TOKEN_PATTERNS: Array<{ kind: string; re: RegExp }> = [
  { kind: "AWS access key id", re: /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}$/y },
  { kind: "JSON Web Token", re: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}$/y },
  { kind: "Stripe live key", re: /(?:sk|rk)_live_[A-Za-z0-9]{16,}$/y },
  { kind: "GitHub token", re: /(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}$/y },
  { kind: "GitHub token", re: /github_pat_[A-Za-z0-9_]{40,}$/y },
  { kind: "Slack token", re: /xox[abposr]-[A-Za-z0-9-]{10,}$/y },
  { kind: "OpenAI-style API key", re: /sk-[A-Za-z0-9_-]{32,}$/y },
  { kind: "Google API key", re: /AIza[A-Za-z0-9_-]{35}$/y },
  { kind: "URL with embedded password", re: /[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s/@:]{1,256}:[^\s/@]{1,256}@/y },
];
const AWS_SECRET_RE = /[A-Za-z0-9/+]{40}$/y;

// Splits on characters that cannot be part of any token above (":" and "/"
// stay, for URLs and AWS secret keys).
const DELIMS = /[\s"'`=,;()[\]{}<>|\\]+/;

function test(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

function looksLikeAwsSecretKey(tok: string): boolean {
  if (tok.length !== 40 || !test(AWS_SECRET_RE, tok)) {
    return false;
  }
  // A 40-char git SHA or hex digest is not a key; real keys mix cases and digits.
  return /[a-z]/.test(tok) && /[A-Z]/.test(tok) && /[0-9]/.test(tok);
}

const MAX_TOKEN = 4096;

/** Finds secret-shaped values anywhere in a text. Returns the kinds found (never the values). */
export function findSecretValues(text: string): string[] {
  const kinds = new Set<string>();
  if (text.indexOf("PRIVATE KEY-----") >= 0) {
    let i = text.indexOf("-----BEGIN ");
    while (i >= 0) {
      const head = text.slice(i, i + 64);
      if (/^-----BEGIN [A-Z0-9 ]{0,30}PRIVATE KEY-----/.test(head)) {
        kinds.add("PEM private key");
        break;
      }
      i = text.indexOf("-----BEGIN ", i + 11);
    }
  }
  for (const tok of text.split(DELIMS)) {
    if (tok.length < 16 || tok.length > MAX_TOKEN) {
      continue;
    }
    for (const p of TOKEN_PATTERNS) {
      if (test(p.re, tok)) {
        kinds.add(p.kind);
      }
    }
    if (looksLikeAwsSecretKey(tok)) {
      kinds.add("AWS secret access key");
    }
  }
  return [...kinds];
}

/** True for values that are references or placeholders rather than literal secrets. */
function isReferenceOrEmpty(value: string): boolean {
  const v = value.trim();
  return (
    v.length === 0 ||
    v.startsWith("arn:aws:secretsmanager:") ||
    v.startsWith("arn:aws:ssm:") ||
    // Shell/template references resolved elsewhere, e.g. ${DB_PASSWORD} or $(cat /run/secrets/x).
    /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v) ||
    v.startsWith("$(")
  );
}

/** Classifies one name=value pair; returns what was found (never the value). */
export function classifyPair(name: string, value: unknown, allowNames: ReadonlySet<string> = new Set()): string[] {
  if (typeof value !== "string" && typeof value !== "number") {
    return [];
  }
  const v = String(value);
  if (allowNames.has(name)) {
    return [];
  }
  const kinds = findSecretValues(v);
  if (isSecretName(name) && !isReferenceOrEmpty(v)) {
    kinds.unshift("secret-named variable with a literal value");
  }
  return kinds;
}

// NAME=value / export NAME="value" / NAME: value lines in scripts and env files.
const ASSIGNMENT = /\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]{0,127})\s*[=:]\s*["']?([^"'\s]*)/y;

/** Scans a script (user data) for secret assignments and secret-shaped values. */
export function scanScript(text: string, allowNames: ReadonlySet<string> = new Set()): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const kind of findSecretValues(text)) {
    hits.push({ kind, where: "value" });
  }
  for (const line of text.split("\n")) {
    if (line.length > MAX_TOKEN) {
      continue;
    }
    ASSIGNMENT.lastIndex = 0;
    const m = ASSIGNMENT.exec(line);
    if (m && isSecretName(m[1], allowNames) && !isReferenceOrEmpty(m[2]) && !allowNames.has(m[1])) {
      hits.push({ kind: "secret-named variable with a literal value", where: m[1] });
    }
  }
  return hits;
}

/** Every regex applied to untrusted text, exposed so tests can prove linear-time matching without the token cap. */
export const ALL_PATTERNS: RegExp[] = [...TOKEN_PATTERNS.map((p) => p.re), AWS_SECRET_RE, ASSIGNMENT, DELIMS];

/** Masks a value for messages: never shows any of it, only its length. */
export function mask(value: unknown): string {
  const n = typeof value === "string" ? value.length : String(value ?? "").length;
  return `<redacted, ${n} chars>`;
}
