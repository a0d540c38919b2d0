import { randomUUID } from "node:crypto";
import type { FastifyServerOptions, FastifyRequest } from "fastify";
import type { LoggerOptions, DestinationStream } from "pino";

/**
 * Paths pino censors before a line is written. Headers are logged (they are
 * what you need when debugging behind an ALB), so credentials in them must go;
 * the wildcard paths catch secrets in any object a handler logs.
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
      req(req: FastifyRequest) {
        return {
          id: req.id,
          method: req.method,
          url: req.url,
          ip: req.ip,
          headers: req.headers,
        };
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
