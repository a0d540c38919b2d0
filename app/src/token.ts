import Fastify from "fastify";
import auth from "./plugins/auth";
import { ConfigError, reportConfigErrorAndExit } from "./config";

/**
 * Mints an operator bearer token: `npm run token -- <subject> [--ttl 1h]`.
 * Reads JWT_SECRET from the environment (on AWS: the Secrets Manager secret).
 */
export async function mintToken(secret: string, subject: string, ttl = "1h"): Promise<string> {
  const app = Fastify({ logger: false });
  await app.register(auth, { secret });
  await app.ready();
  const token = app.jwt.sign({ sub: subject }, { expiresIn: ttl });
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
    process.stderr.write("Usage: npm run token -- <subject> [--ttl 1h]\n  <subject>: who the token is for (letters, digits, @ . _ : -), e.g. ops@example.com\n");
    process.exit(2);
  }
  if (!/^\d+[smhd]$/.test(ttl)) {
    process.stderr.write(`--ttl must look like 15m, 1h or 7d.\n`);
    process.exit(2);
  }
  const secret = process.env.JWT_SECRET ?? "";
  if (secret.length < 32) {
    reportConfigErrorAndExit(
      new ConfigError(
        `Invalid configuration: JWT_SECRET ${secret ? "must be at least 32 characters" : "is missing (HS256 signing secret)"}. Fix: export the same JWT_SECRET the service uses; values are not printed.`,
        ["JWT_SECRET"],
      ),
    );
  }
  process.stdout.write((await mintToken(secret, subject, ttl)) + "\n");
}

if (require.main === module) void main(process.argv.slice(2));
