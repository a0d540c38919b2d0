import { randomBytes } from "node:crypto";
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from "fastify";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export const REDACTED = "[REDACTED]";

/** Keys (compared lower-cased) whose values are never written, at any depth. */
const SECRET_KEYS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "apikey", "api_key"]);
/** …and any key ending in one of these: password, DB_PASSWORD, JWT_SECRET, token, accessToken, refreshToken, clientSecret, … */
const SECRET_SUFFIX = /(?:password|passwd|secret|token)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key) || SECRET_SUFFIX.test(key) || SECRET_KEYS.has(key.toLowerCase());
}

/**
 * Objects nested deeper than this are written as "[Truncated]" rather than walked:
 * the walk stays bounded, and nothing deeper can slip out unscrubbed.
 */
export const SCRUB_MAX_DEPTH = 10;

/**
 * Copy-on-write scrub of what a log line would write: every value under a secret
 * key (see isSecretKey) becomes "[REDACTED]", in objects and arrays at any depth
 * up to SCRUB_MAX_DEPTH. Returns `value` itself when there is nothing to change,
 * so the common case allocates nothing.
 *
 * Why not pino's `redact`: it needs a path per depth (`k`, `*.k`, `*.*.k`) and its
 * wildcard paths cost ~2.6 µs on every child logger (one per request, even when
 * nothing is logged) and ~18 µs per written line; they also stopped at the depth
 * written out. This walk only runs for lines actually written, covers any depth
 * and key case, and costs well under a microsecond for an access line.
 */
export function scrub(value: unknown, depth = 0, ancestors: object[] = []): unknown {
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  if (ancestors.includes(value)) return "[Circular]";
  if (depth >= SCRUB_MAX_DEPTH) return "[Truncated]";
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    // JSON.stringify writes what toJSON returns (Buffer, URL, …), so scrub that.
    let json: unknown;
    try {
      json = toJSON.call(value);
    } catch {
      return "[Unserializable]"; // a log call must not throw into the request
    }
    if (json !== value) return scrub(json, depth, ancestors);
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = scrub(value[i], depth + 1, ancestors);
        if (next !== value[i] && !out) out = value.slice(0, i);
        if (out) out.push(next);
      }
      return out ?? value;
    }
    return scrubEntries(value as Record<string, unknown>, depth, ancestors, undefined);
  } finally {
    ancestors.pop();
  }
}

/** The object walk of `scrub`; keys in `skip` are kept as they are (their serializer scrubs them). */
function scrubEntries(obj: Record<string, unknown>, depth: number, ancestors: object[], skip: ReadonlySet<string> | undefined) {
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = obj[key];
    let next: unknown;
    if (isSecretKey(key)) next = value === undefined ? undefined : REDACTED;
    else if (skip?.has(key)) next = value;
    else next = scrub(value, depth + 1, ancestors);
    if (next !== value && !out) {
      out = {};
      for (let j = 0; j < i; j++) define(out, keys[j], obj[keys[j]]);
    }
    if (out) define(out, key, next);
  }
  return out ?? obj;
}

/** Plain assignment would turn an own "__proto__" key (e.g. from JSON.parse) into a prototype change. */
function define(target: Record<string, unknown>, key: string, value: unknown) {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Keys pino hands to a serializer; the serializers below scrub their own output. */
const SERIALIZED_KEYS: ReadonlySet<string> = new Set(["req", "res", "err"]);
const scrubbed =
  <T>(serializer: (v: T) => unknown) =>
  (v: T) =>
    scrub(serializer(v));

/**
 * The URL without its query string: query strings carry credentials (`?access_token=…`,
 * presigned-URL signatures) often enough that none is written.
 */
export function pathOnly(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // Plain JSON on stdout: awslogs ships each line as one CloudWatch event.
    formatters: {
      // Runs only for lines that are written (after the level check), before serializers.
      log: (obj) => scrubEntries(obj, 0, [], SERIALIZED_KEYS),
    },
    serializers: {
      // No headers: credentials cannot leak through a request log, and the access
      // line stays cheap. `ip` is the real client (the ALB hop of X-Forwarded-For),
      // as rate-limited.
      req: scrubbed((req: FastifyRequest) => ({
        method: req.method,
        url: pathOnly(req.url),
        ip: req.ip,
        userAgent: req.headers?.["user-agent"],
      })),
      res: scrubbed((reply: FastifyReply) => ({ statusCode: reply.statusCode })),
      // Error objects carry arbitrary own fields (a driver's `config.password`, …).
      err: scrubbed(pino.stdSerializers.err),
    },
  };
}

/**
 * The process logger. Secrets are scrubbed from every written object (formatters.log
 * and the serializers above) and from child-logger bindings: pino writes bindings
 * without the log formatter, so `child` is wrapped on the root (pino children are
 * prototype-chained, so every descendant, Fastify's per-request loggers included,
 * inherits the wrapper). Scrubbing `{ reqId }` costs a single key check.
 */
export function createLogger(level: string, stream?: DestinationStream): FastifyBaseLogger {
  const logger = stream ? pino(loggerOptions(level), stream) : pino(loggerOptions(level));
  const child = logger.child as unknown as (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  Object.defineProperty(logger, "child", {
    value: function scrubbedChild(this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) {
      return child.call(this, scrub(bindings) as pino.Bindings, options);
    },
    writable: true,
    configurable: true,
  });
  return logger;
}

type LogMethod = (...args: unknown[]) => void;
/**
 * The per-request logger Fastify hands out as `request.log` / `reply.log`: it
 * creates the real pino child (bindings `{ reqId }`, the route's `logLevel`) on
 * the first call that would write a line, so a request that logs nothing (a
 * health probe at route level "warn", or every request when LOG_LEVEL is above
 * info) costs one small object instead of a child logger (~0.5 µs: bindings
 * scrubbed and stringified, formatters and level methods rebuilt).
 */
class RequestLogger implements FastifyBaseLogger {
  private real: Logger | undefined;
  private threshold: number;

  constructor(
    private readonly parent: Logger,
    private readonly childBindings: pino.Bindings,
    private readonly childOptions: pino.ChildLoggerOptions,
  ) {
    this.threshold = parent.levels.values[childOptions.level ?? parent.level] ?? Infinity; // silent: nothing is enabled
  }

  private logger(): Logger {
    return (this.real ??= this.parent.child(this.childBindings, this.childOptions));
  }

  get level(): string {
    return this.real ? this.real.level : (this.childOptions.level ?? this.parent.level);
  }
  set level(level: string) {
    this.logger().level = level;
    this.threshold = this.real!.levelVal;
  }
  isLevelEnabled(level: string): boolean {
    return (this.parent.levels.values[level] ?? -Infinity) >= this.threshold;
  }
  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
  // Prototype methods, not arrow fields: nothing is allocated per request but the object.
  fatal(...args: unknown[]): void {
    this.write(60, "fatal", args);
  }
  error(...args: unknown[]): void {
    this.write(50, "error", args);
  }
  warn(...args: unknown[]): void {
    this.write(40, "warn", args);
  }
  info(...args: unknown[]): void {
    this.write(30, "info", args);
  }
  debug(...args: unknown[]): void {
    this.write(20, "debug", args);
  }
  trace(...args: unknown[]): void {
    this.write(10, "trace", args);
  }
  silent(): void {}

  private write(value: number, method: pino.Level, args: unknown[]): void {
    if (value >= this.threshold) (this.logger()[method] as LogMethod)(...args);
  }
}

/** Fastify `childLoggerFactory`: see RequestLogger. */
export function requestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(logger as Logger, bindings, options);
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The Root part of an ALB X-Amzn-Trace-Id (version 1, 8 hex digits of epoch seconds, 24 hex digits). */
const TRACE_ROOT = /(?:^|;)Root=(1-[0-9a-f]{8}-[0-9a-f]{24})(?:;|$)/;
/** Longer X-Amzn-Trace-Id values are not even looked at (the ALB's are well under 256 characters). */
export const MAX_TRACE_HEADER_LENGTH = 256;

// A per-process prefix and a counter: unique per process, ~20x cheaper than a random UUID per request.
const ID_PREFIX = randomBytes(4).toString("hex");
let idCounter = 0;

/** A fresh request id: `<process prefix>-<counter in base 36>`. */
export function newRequestId(): string {
  idCounter = idCounter === Number.MAX_SAFE_INTEGER ? 1 : idCounter + 1;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

/**
 * The request id: a caller's X-Request-Id when it looks sane (so traces join up), else the Root
 * of the ALB's X-Amzn-Trace-Id when it has the ALB's exact format and a sane length (a client can
 * send its own Root, which the ALB keeps, so this is a correlation id, not a proof of anything),
 * else a fresh one.
 */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && SAFE_ID.test(given)) return given;
  const trace = req.headers["x-amzn-trace-id"];
  if (typeof trace === "string" && trace.length <= MAX_TRACE_HEADER_LENGTH) {
    const m = TRACE_ROOT.exec(trace);
    if (m) return m[1];
  }
  return newRequestId();
}

/**
 * One access line per request, written on response, instead of Fastify's
 * "incoming request" + "request completed" pair: half the log volume and the same
 * facts (the request logger's bindings add `reqId`; `req` goes through the
 * serializer above). Routes with a route-level `logLevel` (the health probes, at
 * "warn") get a child logger at that level, so their info line is skipped.
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {
    // nothing: the request is logged once, when its response is done
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // Probes log at route level "warn": skip building the line, not just writing it.
    if (!(reply.log as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled(error ? "error" : "info")) return;
    const line = { req: request, res: reply, responseTime: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}
