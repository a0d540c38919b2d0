import Fastify, { type FastifyInstance } from "fastify";
// Type-only: keeps @fastify/helmet's `helmet` route option typed (see the onRoute hook).
import type {} from "@fastify/helmet";
import type { HelmetOptions } from "helmet";
import rateLimit from "@fastify/rate-limit";
import cors from "@fastify/cors";
import type { Pool } from "pg";
import type { DestinationStream } from "pino";
import { DEFAULT_KEEP_ALIVE_SECONDS, type Config } from "./config";
import { AccessLogController, createLogger, genReqId, requestLoggerFactory } from "./logger";
import { HELMET_OPTIONS, staticHelmetHeaders } from "./security-headers";
import type { Storage } from "./s3";
import auth from "./plugins/auth";
import errors from "./plugins/errors";
import health from "./routes/health";
import tickets from "./routes/tickets";
import "./types";

export interface AppOptions {
  config: Pick<Config, "NODE_ENV" | "LOG_LEVEL" | "APP_VERSION" | "JWT_SECRET"> & Partial<Pick<Config, "KEEP_ALIVE_TIMEOUT_SECONDS">>;
  db: Pool;
  storage: Storage;
  /** Log destination (tests capture logs here); stdout when omitted. */
  logStream?: DestinationStream;
  /** Per-client-IP limit on API routes. Defaults suit one interactive client; benchmarks raise it. */
  rateLimit?: { max: number; timeWindow: string | number };
  /**
   * Cross-origin browser access. Off by default (same-origin only); set to the exact
   * list of front-end origins when a browser app on another origin calls this API.
   */
  corsOrigins?: string[];
  /** Bound on the /health database probe. */
  healthDbTimeoutMs?: number;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** JSON bodies are small tickets; files go straight to S3 through presigned URLs. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export async function buildApp(opts: AppOptions) {
  const production = opts.config.NODE_ENV === "production";
  const app = Fastify({
    loggerInstance: createLogger(opts.config.LOG_LEVEL, opts.logStream),
    childLoggerFactory: requestLoggerFactory,
    genReqId,
    logController: new AccessLogController(),
    bodyLimit: BODY_LIMIT_BYTES,
    // Exactly one hop: the ALB appends the client address to X-Forwarded-For, and
    // anything to the left of it is client-supplied and spoofable.
    trustProxy: (_addr: string, hop: number) => hop < 1,
    // Bound slow clients; the ALB idle timeout is 60 s.
    requestTimeout: 30_000,
    connectionTimeout: 65_000,
    keepAliveTimeout: (opts.config.KEEP_ALIVE_TIMEOUT_SECONDS ?? DEFAULT_KEEP_ALIVE_SECONDS) * 1000, // the ALB idle timeout is derived 5 s shorter, so the ALB closes first
    ajv: {
      // Reject unknown fields instead of silently dropping them: a typo gets a 400 naming it.
      customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false },
    },
  });

  // JSON only: anything else is a 415 naming the problem, not a confusing schema error.
  app.removeContentTypeParser("text/plain");
  app.decorate("db", opts.db);
  app.decorate("storage", opts.storage);
  // Once shutdown starts, finish in-flight requests but tell keep-alive clients to
  // go away, so a draining task is not held open by idle sockets until the grace bound.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  // Callback-style hooks: an async hook costs a promise per request on every route.
  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-request-id", req.id);
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });

  await app.register(errors, { production });
  // Security headers on every response (404s and errors included): helmet's own
  // output for HELMET_OPTIONS, computed once (see security-headers.ts). A route may
  // still pass @fastify/helmet's route option: `helmet: false` (no headers, a
  // deliberate relaxation) or options merged over the global policy, which are
  // validated and computed once, here, when the route is registered.
  // @fastify/helmet itself is not registered: even with `global: false` it adds an
  // async onRequest hook and a per-request closure to every route (~1.5 µs of CPU
  // per request, measured), and nothing here uses its reply.helmet() or CSP nonces.
  const securityHeaders = staticHelmetHeaders(HELMET_OPTIONS);
  app.addHook("onRoute", (route) => {
    const own = (route as { helmet?: HelmetOptions | false }).helmet;
    if (own === undefined) return;
    if (own !== false && (typeof own !== "object" || own === null)) {
      throw new Error(`Route ${String(route.method)} ${route.url}: the helmet option must be false or a helmet options object.`);
    }
    const headers = own === false ? NO_HEADERS : staticHelmetHeaders({ ...HELMET_OPTIONS, ...own } as HelmetOptions);
    route.config = { ...route.config, securityHeaders: headers } as typeof route.config;
  });
  app.addHook("onRequest", (req, reply, done) => {
    reply.headers((req.routeOptions.config as { securityHeaders?: Record<string, string> }).securityHeaders ?? securityHeaders);
    done();
  });
  if (opts.corsOrigins && opts.corsOrigins.length > 0) {
    await app.register(cors, { origin: opts.corsOrigins, methods: ["GET", "POST", "PATCH"] });
  }
  await app.register(rateLimit, {
    global: true,
    max: opts.rateLimit?.max ?? 300,
    timeWindow: opts.rateLimit?.timeWindow ?? "1 minute",
    // request.ip is already the real client (trustProxy: 1), so this keys on it.
    keyGenerator: (req) => req.ip,
  });
  await app.register(auth, { secret: opts.config.JWT_SECRET });

  await app.register(health, { version: opts.config.APP_VERSION, dbTimeoutMs: opts.healthDbTimeoutMs });
  await app.register(tickets, { prefix: "/api/tickets" });
  return app;
}
