import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import auth from "./plugins/auth";
import { ConfigError, reportConfigErrorAndExit } from "./config";
import { ENV_DEFAULTS } from "./env-defaults";

const DEFAULT_JWT_MAX_AGE_SECONDS = ENV_DEFAULTS.JWT_MAX_AGE_SECONDS;

/** Where `npm run dev` keeps its data and per-checkout JWT secret (git-ignored; never in the image). */
export const DEV_DIR = process.env.PAVED_DEV_DIR || join(__dirname, "..", ".dev-pg");
export const DEV_JWT_SECRET_FILE = join(DEV_DIR, "jwt-secret");

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "15m" -> 900; undefined when the form is wrong. */
export function ttlSeconds(ttl: string): number | undefined {
  const m = /^(\d{1,7})([smhd])$/.exec(ttl);
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}

/**
 * Mints an operator bearer token: `npm run token -- <subject> [--ttl 1h]`, with `sub`, `iat` and
 * `exp`. Refuses a lifetime above `maxAgeSeconds` (the service would refuse the token).
 */
export async function mintToken(secret: string, subject: string, ttl = "1h", maxAgeSeconds = DEFAULT_JWT_MAX_AGE_SECONDS): Promise<string> {
  const seconds = ttlSeconds(ttl);
  if (seconds === undefined || seconds < 1) throw new Error("--ttl must look like 15m, 1h or 7d.");
  if (seconds > maxAgeSeconds)
    throw new Error(
      `--ttl ${ttl} is longer than the maximum token age (${maxAgeSeconds} s, JWT_MAX_AGE_SECONDS): the service would refuse it. Use a shorter --ttl.`,
    );
  const app = Fastify({ logger: false });
  await app.register(auth, { secret, maxAgeSeconds });
  await app.ready();
  const token = app.jwt.sign({ sub: subject }, { expiresIn: `${seconds}s` });
  await app.close();
  return token;
}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  let ttl = "1h";
  const i = args.indexOf("--ttl");
  if (i >= 0) {
    ttl = args[i + 1] ?? "";
    args.splice(i, 2);
  }
  const subject = args[0];
  if (!subject || args.length !== 1 || !/^[A-Za-z0-9@._:-]{1,128}$/.test(subject)) {
    process.stderr.write(
      "Usage: npm run token -- <subject> [--ttl 1h]\n  <subject>: who the token is for (letters, digits, @ . _ : -), e.g. ops@example.com\n",
    );
    process.exit(2);
  }
  const maxAgeRaw = process.env.JWT_MAX_AGE_SECONDS?.trim();
  const maxAge = maxAgeRaw ? Number(maxAgeRaw) : DEFAULT_JWT_MAX_AGE_SECONDS;
  if (!Number.isInteger(maxAge) || maxAge < 60) {
    process.stderr.write("JWT_MAX_AGE_SECONDS must be a whole number of seconds (at least 60), as the service's.\n");
    process.exit(2);
  }
  let secret = process.env.JWT_SECRET ?? "";
  if (!secret && existsSync(DEV_JWT_SECRET_FILE)) {
    // Right after `npm run dev`: the dev server's own secret, so its tokens just work.
    secret = readFileSync(DEV_JWT_SECRET_FILE, "utf8").trim();
    process.stderr.write("JWT_SECRET not set: using the local dev secret of npm run dev (jwt-secret in its data directory).\n");
  }
  if (secret.length < 32) {
    reportConfigErrorAndExit(
      new ConfigError(
        `Invalid configuration: JWT_SECRET ${secret ? "must be at least 32 characters" : "is missing (HS256 signing secret)"}. Fix: export the same JWT_SECRET the service uses (see docs/app.md); values are not printed.`,
        ["JWT_SECRET"],
      ),
    );
  }
  try {
    process.stdout.write((await mintToken(secret, subject, ttl, maxAge)) + "\n");
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}

if (require.main === module) void main(process.argv.slice(2));
