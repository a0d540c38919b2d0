import closeWithGrace from "close-with-grace";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app";
import { loadConfig, reportConfigErrorAndExit, type Config } from "./config";
import { createPool, waitForDatabase } from "./db";
import { createStorage } from "./s3";
import { createLogger } from "./logger";

/**
 * Shutdown bound. ECS sends SIGTERM, waits stopTimeout (30 s) and then SIGKILLs;
 * the ALB deregistration delay is 30 s too. Finishing well inside that keeps
 * in-flight requests from being cut off.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface Started {
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

/** Starts the HTTP server, then probes the database in the background (logged, with backoff). */
export async function start(config: Config, extra: { port?: number } = {}): Promise<Started> {
  const storage = createStorage({ bucket: config.S3_BUCKET, region: config.AWS_REGION, endpoint: config.S3_ENDPOINT });
  // One logger, made first: the pool and the app both write through it.
  const logger = createLogger(config.LOG_LEVEL);
  const pool = createPool(config, logger);
  const app = await buildApp({ config, db: pool, storage, logger });
  if (config.NODE_ENV === "production" && config.DB_SSL === "disable") {
    app.log.warn("DB_SSL=disable in production: database traffic is unencrypted. Use verify-full on AWS.");
  }
  const aborter = new AbortController();
  app.addHook("onClose", async () => {
    aborter.abort();
    await pool.end();
  });
  const url = await app.listen({ port: extra.port ?? config.PORT, host: config.HOST });
  app.log.info({ version: config.APP_VERSION, url }, "listening");
  // Serve /livez (and an honest 503 on /health) while the database comes up.
  void waitForDatabase(pool, app.log, { signal: aborter.signal });
  return { app, url, close: () => app.close() };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    reportConfigErrorAndExit(err);
  }
  const { app } = await start(config);
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, "fatal error, shutting down");
    else app.log.info({ signal }, "shutting down: draining in-flight requests");
    await app.close(); // stops accepting, waits for in-flight requests, then closes the pool (onClose)
    app.log.info("shutdown complete");
  });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(JSON.stringify({ level: 60, time: Date.now(), msg: `startup failed: ${(err as Error).message}` }) + "\n");
    process.exit(1);
  });
}
