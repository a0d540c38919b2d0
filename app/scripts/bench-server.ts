/**
 * Child process for `npm run bench:app`: serves one of
 *  - `app`: the real app (production settings, rate limit raised so the load generator on one IP
 *    is not throttled);
 *  - `hello`: a bare Fastify hello-world, the baseline for `/livez`;
 *  - `floor`: a bare Fastify serving `GET /api/tickets/:id` with the app's own pool settings,
 *    repository (the same named query and row mapping) and schemas (validation and response
 *    serialisation), and nothing else: no token check, access line, rate limit, security
 *    headers or request id. It is what this machine and load generator allow any Fastify + pg
 *    server on that read; the app's distance from it is the cost of its per-request machinery.
 * Prints its URL on stdout.
 */
import Fastify from "fastify";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { createPool } from "../src/db";
import { TicketRepository } from "../src/repositories/tickets";
import { createStorage } from "../src/s3";
import * as s from "../src/schemas/tickets";
import { validatorCompiler } from "../src/validation";

// `node --cpu-prof` writes its profile on a normal exit only (bench.ts, BENCH_CPU_PROF).
process.once("SIGTERM", () => process.exit(0));

const quiet = { warn: () => undefined } as never;

async function main() {
  const kind = process.argv[2];
  if (kind === "hello") {
    const app = Fastify();
    app.get("/", async () => ({ hello: "world" }));
    process.stdout.write(`URL ${await app.listen({ port: 0, host: "127.0.0.1" })}\n`);
    return;
  }
  const config = loadConfig();
  if (kind === "floor") {
    const repo = new TicketRepository(createPool(config, quiet));
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler());
    app.get<{ Params: { id: string } }>("/api/tickets/:id", { schema: s.getTicket }, async (req, reply) => {
      const t = await repo.get(req.params.id);
      return t ?? reply.code(404).send({ error: "not found" });
    });
    process.stdout.write(`URL ${await app.listen({ port: 0, host: "127.0.0.1" })}\n`);
    return;
  }
  const app = await buildApp({
    config,
    db: createPool(config, quiet),
    storage: createStorage({ bucket: config.S3_BUCKET, region: config.AWS_REGION }),
    rateLimit: { max: 1_000_000_000, timeWindow: "1 minute" },
    logStream: { write: () => undefined }, // log work is done, lines are dropped (awslogs would ship them)
  });
  process.stdout.write(`URL ${await app.listen({ port: 0, host: "127.0.0.1" })}\n`);
}
void main();
