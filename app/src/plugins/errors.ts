import fp from "fastify-plugin";
import type { FastifyError } from "fastify";
import { isDbUnavailable } from "../db";

/**
 * One error shape for every failure: { statusCode, error, message, requestId }.
 * Client errors say what was wrong; server errors are logged in full but answered
 * generically in production so stacks and SQL never reach a client.
 */
export default fp<{ production: boolean }>(
  async (app, opts) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.validation) {
        return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: err.message, requestId: req.id });
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined;
      if (status) {
        req.log.info({ err: { message: err.message, code: err.code } }, "client error");
        return reply.code(status).send({ statusCode: status, error: httpName(status), message: err.message, requestId: req.id });
      }
      if (isDbUnavailable(err)) {
        req.log.error({ err }, "database unavailable");
        return reply
          .code(503)
          .header("retry-after", "5")
          .send({ statusCode: 503, error: "Service Unavailable", message: "The database is unavailable; retry shortly.", requestId: req.id });
      }
      req.log.error({ err }, "unhandled error");
      return reply.code(500).send({
        statusCode: 500,
        error: "Internal Server Error",
        message: opts.production ? "Internal Server Error" : err.message,
        requestId: req.id,
      });
    });
    app.setNotFoundHandler((req, reply) => {
      reply.code(404).send({ statusCode: 404, error: "Not Found", message: `Route ${req.method} ${req.url.split("?")[0]} does not exist.`, requestId: req.id });
    });
  },
  { name: "errors" },
);

function httpName(status: number): string {
  return (
    { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests" } as Record<number, string>
  )[status] ?? "Client Error";
}
