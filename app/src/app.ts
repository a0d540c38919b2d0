import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
// Type-only: keeps @fastify/helmet's `helmet` route option typed (see the onRoute hook).
import type {} from "@fastify/helmet";
import type { HelmetOptions } from "helmet";
import rateLimit from "@fastify/rate-limit";
import cors from "@fastify/cors";
import http from "node:http";
import type { Socket } from "node:net";
import type { Pool } from "pg";
import type { DestinationStream } from "pino";
import type { Config } from "./config";
import { ENV_DEFAULTS } from "./env-defaults";
import { errorBody, statusName } from "./errors";
import { AccessLogController, createLogger, genReqId, newRequestId, requestLoggerFactory } from "./logger";
import { livezFastPath } from "./probe";
import { HELMET_OPTIONS, addStaticHeaders, responseHeaders } from "./security-headers";
import type { Storage } from "./s3";
import { checkTimeouts, serverTimeouts, type ServerTimeouts } from "./timeouts";
import { schemaErrorFormatter, validatorCompiler } from "./validation";
import auth from "./plugins/auth";
import errors from "./plugins/errors";
import database from "./plugins/db";
import storage from "./plugins/storage";
import health from "./routes/health";
import tickets from "./routes/tickets";
import "./types";

export interface AppOptions {
  config: Pick<Config, "NODE_ENV" | "LOG_LEVEL" | "APP_VERSION" | "JWT_SECRET"> &
    Partial<Pick<Config, "RATE_LIMIT_PER_MINUTE" | "JWT_MAX_AGE_SECONDS" | "KEEP_ALIVE_TIMEOUT_SECONDS" | "SHUTDOWN_DRAIN_SECONDS">>;
  db: Pool;
  storage: Storage;
  /** Log destination (tests capture logs here); stdout when omitted. */
  logStream?: DestinationStream;
  /** The process logger (see createLogger), when the caller made one first (e.g. for the pool); else one is made here. */
  logger?: FastifyBaseLogger;
  /** Per-client-IP limit on API routes; defaults to RATE_LIMIT_PER_MINUTE per minute. Benchmarks raise it. */
  rateLimit?: { max: number; timeWindow: string | number };
  /**
   * Cross-origin browser access. Off by default (same-origin only); set to the exact
   * list of front-end origins when a browser app on another origin calls this API.
   */
  corsOrigins?: string[];
  /** Bound on the /health database probe. */
  healthDbTimeoutMs?: number;
  /** Server timeouts (timeouts.ts); tests inject short ones. Checked against each other at startup. */
  timeouts?: Partial<ServerTimeouts>;
  /** Clock for token checks (ms since epoch); tests inject one. */
  now?: () => number;
}

/** JSON bodies are small tickets; files go straight to S3 through presigned URLs. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** Answers for errors Node's HTTP parser raises before Fastify sees a request (see clientErrorHandler). */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "The request was not received in time: send the whole request within the request timeout."],
  HPE_HEADER_OVERFLOW: [431, "The request headers are too large."],
  HPE_URI_TOO_LONG: [414, "The request URL is too long."],
};

export async function buildApp(opts: AppOptions) {
  const production = opts.config.NODE_ENV === "production";
  const timeouts = checkTimeouts({
    ...serverTimeouts({ keepAliveSeconds: opts.config.KEEP_ALIVE_TIMEOUT_SECONDS, drainSeconds: opts.config.SHUTDOWN_DRAIN_SECONDS }),
    ...opts.timeouts,
  });
  const securityHeaders = responseHeaders(HELMET_OPTIONS);
  // Once shutdown starts (drain, then close), finish in-flight requests but tell keep-alive
  // clients to go away, so a draining task is not held open by idle sockets.
  const lifecycle = { draining: false };
  const livez = livezFastPath({ headers: securityHeaders, requestId: genReqId, draining: () => lifecycle.draining });
  const app = Fastify({
    loggerInstance: opts.logger ?? createLogger(opts.config.LOG_LEVEL, opts.logStream),
    childLoggerFactory: requestLoggerFactory,
    genReqId,
    logController: new AccessLogController(),
    bodyLimit: BODY_LIMIT_BYTES,
    // Exactly one hop: the ALB appends the client address to X-Forwarded-For, and
    // anything to the left of it is client-supplied and spoofable.
    trustProxy: (_addr: string, hop: number) => hop < 1,
    // Every timeout comes from timeouts.ts, where their relations are documented and checked.
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // The HTTP server is made here (Fastify then leaves its timeouts to us: the same values as
    // above) so the liveness probe is answered before routing (probe.ts).
    serverFactory: (handler) => {
      const server = http.createServer(
        { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
        (req, res) => {
          if (!livez(req, res)) handler(req, res);
        },
      );
      server.keepAliveTimeout = timeouts.keepAliveMs;
      server.requestTimeout = timeouts.requestMs;
      server.setTimeout(timeouts.connectionMs);
      return server;
    },
    schemaErrorFormatter,
    // Node's HTTP parser errors (408, 431, malformed requests) never reach a route: answer them
    // with the same body and headers, and log the code only — never the raw request bytes
    // (Fastify's default logs them at trace level, Authorization header included).
    clientErrorHandler(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === "ECONNRESET" || socket.destroyed) return;
      const [status, message] = CLIENT_ERRORS[err.code ?? ""] ?? [400, "The request is not valid HTTP."];
      const requestId = newRequestId();
      this.log.info({ code: err.code, statusCode: status, requestId, remoteAddress: socket.remoteAddress }, "client error");
      if (!socket.writable) return void socket.destroy();
      const body = JSON.stringify(errorBody(status, message, requestId));
      const head = [
        `HTTP/1.1 ${status} ${statusName(status)}`,
        "content-type: application/json; charset=utf-8",
        `content-length: ${Buffer.byteLength(body)}`,
        "connection: close",
        `x-request-id: ${requestId}`,
      ];
      for (const [k, v] of Object.entries(securityHeaders)) head.push(`${k}: ${v}`);
      socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
    },
    // Errors the router raises before any hook runs (a malformed percent-encoding, a path
    // parameter over maxParamLength): the same body, headers and log line as any other error.
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 400;
      const message = status === 414 ? "The request URL is too long." : "The request URL is not valid: check its percent-encoding.";
      req.log.info({ code: err.code, statusCode: status }, "framework error");
      reply
        .code(status)
        .headers(securityHeaders)
        .header("x-request-id", req.id)
        .send(errorBody(status, message, req.id));
    },
  });
  app.setValidatorCompiler(validatorCompiler());
  // JSON only: anything else is a 415 naming the problem, not a confusing schema error.
  app.removeContentTypeParser("text/plain");
  await app.register(database, { pool: opts.db });
  await app.register(storage, { storage: opts.storage });
  app.decorate("lifecycle", lifecycle);
  app.decorate("timeouts", timeouts);
  app.addHook("preClose", async () => {
    lifecycle.draining = true;
  });

  await app.register(errors, { production });
  // Security headers on every response (404s and errors included): helmet's own
  // output for HELMET_OPTIONS, computed once, plus Cache-Control: no-store (every
  // answer is private; see security-headers.ts). A route may still pass
  // @fastify/helmet's route option: `helmet: false` (no helmet headers, a
  // deliberate relaxation; no-store stays) or options merged over the global policy, which are
  // validated and computed once, here, when the route is registered.
  // @fastify/helmet itself is not registered: even with `global: false` it adds an
  // async onRequest hook and a per-request closure to every route (~1.5 µs of CPU
  // per request, measured), and nothing here uses its reply.helmet() or CSP nonces.
  //
  // Every header a response carries is set by this one callback-style hook, when the request
  // arrives (an async hook would cost a promise per request, and each hook a runner call; the
  // headers survive into error answers): the security headers, the request id, and while
  // draining `Connection: close` (so every request received during the drain is answered with it).
  app.addHook("onRequest", (req, reply, done) => {
    addStaticHeaders(reply, securityHeaders);
    reply.header("x-request-id", req.id);
    if (lifecycle.draining) reply.header("connection", "close");
    done();
  });
  // A route with its own policy gets a route-level hook, which runs after the global one and
  // swaps the global headers for its own: other routes pay nothing for the option.
  app.addHook("onRoute", (route) => {
    const own = (route as { helmet?: HelmetOptions | false }).helmet;
    if (own === undefined) return;
    if (own !== false && (typeof own !== "object" || own === null)) {
      throw new Error(`Route ${String(route.method)} ${route.url}: the helmet option must be false or a helmet options object.`);
    }
    const headers = responseHeaders(own === false ? false : ({ ...HELMET_OPTIONS, ...own } as HelmetOptions));
    const dropped = Object.keys(securityHeaders).filter((k) => !(k in headers));
    const replacePolicy = (_req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      for (const k of dropped) reply.removeHeader(k);
      reply.headers(headers);
      done();
    };
    const rest = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [replacePolicy, ...rest] as typeof route.onRequest;
  });
  if (opts.corsOrigins && opts.corsOrigins.length > 0) {
    await app.register(cors, { origin: opts.corsOrigins, methods: ["GET", "POST", "PATCH"] });
  }
  await app.register(rateLimit, {
    global: true,
    max: opts.rateLimit?.max ?? opts.config.RATE_LIMIT_PER_MINUTE ?? ENV_DEFAULTS.RATE_LIMIT_PER_MINUTE,
    timeWindow: opts.rateLimit?.timeWindow ?? "1 minute",
    // request.ip is already the real client (trustProxy: 1), so this keys on it.
    keyGenerator: (req) => req.ip,
  });
  await app.register(auth, {
    secret: opts.config.JWT_SECRET,
    maxAgeSeconds: opts.config.JWT_MAX_AGE_SECONDS ?? ENV_DEFAULTS.JWT_MAX_AGE_SECONDS,
    now: opts.now,
  });

  await app.register(health, { version: opts.config.APP_VERSION, dbTimeoutMs: opts.healthDbTimeoutMs });
  await app.register(tickets, { prefix: "/api/tickets" });
  return app;
}
