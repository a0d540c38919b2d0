import { randomUUID } from "node:crypto";
import { LogController, type FastifyServerOptions, type FastifyReply, type FastifyRequest } from "fastify";
import type { LoggerOptions, DestinationStream } from "pino";

/**
 * Paths pino censors before a line is written. The request serializer no longer
 * logs headers, but a handler may log them (or a whole request object), so the
 * header paths stay; the wildcard paths catch secrets in any object a handler logs.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-api-key']",
  "res.headers['set-cookie']",
  ...["password", "DB_PASSWORD", "JWT_SECRET", "token", "accessToken", "refreshToken", "secret", "authorization", "cookie"].flatMap((k) => [
    k,
    `*.${k}`,
    `*.*.${k}`,
  ]),
];

export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions["logger"] & LoggerOptions {
  const opts: LoggerOptions & { stream?: DestinationStream } = {
    level,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    // Plain JSON on stdout: awslogs ships each line as one CloudWatch event.
    serializers: {
      // No headers: credentials cannot leak through a request log, and the access
      // line stays cheap (redaction below still guards anything a handler logs).
      // `ip` is the real client (the ALB hop of X-Forwarded-For), as rate-limited.
      req(req: FastifyRequest) {
        return { method: req.method, url: req.url, ip: req.ip, userAgent: req.headers?.["user-agent"] };
      },
    },
  };
  if (stream) opts.stream = stream;
  return opts;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keep a caller's X-Request-Id when it looks sane (so traces join up), otherwise mint one. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && SAFE_ID.test(given)) return given;
  return randomUUID();
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
    const line = { req: request, res: reply, responseTime: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}
