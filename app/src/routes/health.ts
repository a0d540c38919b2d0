import type { FastifyPluginAsync } from "fastify";
import { checkDatabase, type DbCheck } from "../db";

export interface HealthOptions {
  version: string;
  /** Bound on the DB probe; the whole answer stays well under the ALB's 2 s expectation. */
  dbTimeoutMs?: number;
}

const dbCheckSchema = {
  type: "object",
  properties: { status: { type: "string" }, responseTime: { type: "number" }, error: { type: "string" } },
};
const healthResponse = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["healthy", "unhealthy"] },
    timestamp: { type: "string" },
    version: { type: "string" },
    uptime: { type: "number" },
    checks: {
      type: "object",
      properties: {
        database: dbCheckSchema,
        memory: { type: "object", properties: { rssMb: { type: "number" }, heapUsedMb: { type: "number" }, heapTotalMb: { type: "number" } } },
      },
    },
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
      const mem = process.memoryUsage();
      const healthy = database.status === "healthy";
      reply.code(healthy ? 200 : 503).header("cache-control", "no-store");
      return {
        status: healthy ? "healthy" : "unhealthy",
        timestamp: new Date().toISOString(),
        version: opts.version,
        uptime: Math.round(process.uptime()),
        checks: { database, memory: { rssMb: mb(mem.rss), heapUsedMb: mb(mem.heapUsed), heapTotalMb: mb(mem.heapTotal) } },
      };
    },
  );

  app.get(
    "/livez",
    { logLevel: "warn", config: { rateLimit: false }, schema: { response: { 200: { type: "object", properties: { status: { type: "string" } } } } } },
    // Not async: a plain return value is sent directly, without a promise per probe.
    (_req, reply) => {
      reply.header("cache-control", "no-store");
      return { status: "ok" };
    },
  );
};

export default health;
