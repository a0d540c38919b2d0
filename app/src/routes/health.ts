import type { FastifyPluginAsync } from "fastify";
import { checkDatabase, type DbCheck } from "../db";

export interface HealthOptions {
  version: string;
  /** Bound on the DB probe; the whole answer stays well under the ALB's 2 s expectation. */
  dbTimeoutMs?: number;
}

/**
 * Public, so it says only what a load balancer needs: status, version and which check failed.
 * Driver error details and memory figures go to the log (an ordinary API token is not an operator).
 */
const healthResponse = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["healthy", "unhealthy"] },
    version: { type: "string" },
    failed: { type: "array", items: { type: "string" } },
  },
};

const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

/**
 * /health — readiness, the ALB target-group check: 200 only when the database
 * answers. /livez — liveness for the container HEALTHCHECK: no dependencies, so a
 * database outage never gets healthy containers killed and restarted.
 */
const health: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  // A healthy database answers SELECT 1 in ~1 ms; 750 ms keeps even a hung probe well inside the ALB timeout.
  const timeoutMs = opts.dbTimeoutMs ?? 750;
  // Concurrent probes share one in-flight check, so a burst of health requests
  // during an outage cannot fill the pool with doomed connection attempts.
  let inFlight: Promise<DbCheck> | undefined;
  const probe = () => (inFlight ??= checkDatabase(app.db, timeoutMs).finally(() => (inFlight = undefined)));

  app.get(
    "/health",
    // Health checks arrive every few seconds from every ALB node: keep them out of the info log and the rate limit.
    { logLevel: "warn", config: { rateLimit: false }, schema: { response: { 200: healthResponse, 503: healthResponse } } },
    async (_req, reply) => {
      const database = await probe();
      if (database.status === "healthy") return { status: "healthy", version: opts.version };
      const mem = process.memoryUsage();
      // The root logger: the route's own level ("warn", to keep probes quiet) must not override LOG_LEVEL.
      app.log.warn(
        { checks: { database }, memory: { rssMb: mb(mem.rss), heapUsedMb: mb(mem.heapUsed), heapTotalMb: mb(mem.heapTotal) } },
        "health check failed",
      );
      reply.code(503);
      return { status: "unhealthy", version: opts.version, failed: ["database"] };
    },
  );

  app.get(
    "/livez",
    {
      logLevel: "warn",
      config: { rateLimit: false },
      schema: { response: { 200: { type: "object", properties: { status: { type: "string" } } } } },
    },
    // Over HTTP, `GET /livez` is answered before routing (probe.ts) with this same answer (a test
    // holds them equal); this route serves HEAD, a query string and app.inject(). Not async: a
    // plain return value is sent directly. Cache-Control: no-store comes with the static headers.
    () => ({ status: "ok" }),
  );
};

export default health;
