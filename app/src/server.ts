import closeWithGrace from "close-with-grace";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app";
import { loadConfig, reportConfigErrorAndExit, type Config } from "./config";
import { closePool, createPool, waitForDatabase } from "./db";
import { createStorage } from "./s3";
import { createLogger } from "./logger";
import { serverTimeouts, type ServerTimeouts } from "./timeouts";

/** Shutdown bound (timeouts.ts): the process has exited, with 0, by then. */
export const SHUTDOWN_GRACE_MS = serverTimeouts().shutdownMs;
/** Of the bound, what closing the database may take before its sockets are destroyed. */
const POOL_CLOSE_MS = 2_000;

export interface Started {
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

/** Starts the HTTP server, then probes the database in the background (logged, with backoff). */
export async function start(config: Config, extra: { port?: number; timeouts?: Partial<ServerTimeouts> } = {}): Promise<Started> {
  const storage = createStorage({ bucket: config.S3_BUCKET, region: config.AWS_REGION, endpoint: config.S3_ENDPOINT });
  // One logger, made first: the pool and the app both write through it.
  const logger = createLogger(config.LOG_LEVEL);
  const pool = createPool(config, logger);
  const app = await buildApp({ config, db: pool, storage, logger, timeouts: extra.timeouts });
  if (config.NODE_ENV === "production" && config.DB_SSL === "disable") {
    app.log.warn("DB_SSL=disable in production: database traffic is unencrypted. Use verify-full on AWS.");
  }
  const aborter = new AbortController();
  app.addHook("onClose", async () => {
    aborter.abort();
    await closePool(pool, POOL_CLOSE_MS);
  });
  const url = await app.listen({ port: extra.port ?? config.PORT, host: config.HOST });
  app.log.info({ version: config.APP_VERSION, url }, "listening");
  // Serve /livez (and an honest 503 on /health) while the database comes up.
  void waitForDatabase(pool, app.log, { signal: aborter.signal });
  return { app, url, close: () => app.close() };
}

/**
 * Graceful stop: keep serving for the drain with `Connection: close` on every response (the
 * ALB deregisters the task meanwhile, and a kept-alive client moves to a new connection instead
 * of being reset), then stop accepting, finish in-flight requests and close the database.
 * Resolves within `timeouts.shutdownMs` whatever it waits on.
 */
export async function drainAndClose(app: FastifyInstance, timeouts: ServerTimeouts): Promise<"closed" | "timed out"> {
  app.lifecycle.draining = true;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"timed out">((r) => (timer = setTimeout(() => r("timed out"), timeouts.shutdownMs)));
  const work = (async () => {
    await new Promise((r) => setTimeout(r, timeouts.drainMs));
    await app.close(); // stops accepting, waits for in-flight requests, then closes the pool (onClose)
    return "closed" as const;
  })();
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    reportConfigErrorAndExit(err);
  }
  const { app } = await start(config);
  const timeouts = app.timeouts;
  // close-with-grace's own bound (it exits 1) only backs up drainAndClose's.
  closeWithGrace({ delay: timeouts.shutdownMs + 1_000, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, "fatal error, shutting down");
    else app.log.info({ signal, drainMs: timeouts.drainMs }, "shutting down: draining, then closing");
    const outcome = await drainAndClose(app, timeouts);
    if (outcome === "timed out") app.log.warn({ boundMs: timeouts.shutdownMs }, "shutdown bound reached; exiting anyway");
    app.log.info("shutdown complete");
    // Exit now: nothing left may keep the process alive past the bound (ECS would SIGKILL it, exit 137).
    process.exit(err ? 1 : 0);
  });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(JSON.stringify({ level: 60, time: Date.now(), msg: `startup failed: ${(err as Error).message}` }) + "\n");
    process.exit(1);
  });
}
