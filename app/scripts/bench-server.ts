/**
 * Child process for `npm run bench:app`: serves either the real app (production
 * settings, rate limit raised so the load generator on one IP is not throttled)
 * or a bare Fastify hello-world as the baseline. Prints its URL on stdout.
 */
import Fastify from "fastify";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { createPool } from "../src/db";
import { createStorage } from "../src/s3";

// `node --cpu-prof` writes its profile on a normal exit only (bench.ts, BENCH_CPU_PROF).
process.once("SIGTERM", () => process.exit(0));

async function main() {
  const kind = process.argv[2];
  if (kind === "hello") {
    const app = Fastify();
    app.get("/", async () => ({ hello: "world" }));
    process.stdout.write(`URL ${await app.listen({ port: 0, host: "127.0.0.1" })}\n`);
    return;
  }
  const config = loadConfig();
  const app = await buildApp({
    config,
    db: createPool(config, { warn: () => undefined } as never),
    storage: createStorage({ bucket: config.S3_BUCKET, region: config.AWS_REGION }),
    rateLimit: { max: 1_000_000_000, timeWindow: "1 minute" },
    logStream: { write: () => undefined }, // log work is done, lines are dropped (awslogs would ship them)
  });
  process.stdout.write(`URL ${await app.listen({ port: 0, host: "127.0.0.1" })}\n`);
}
void main();
