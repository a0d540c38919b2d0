import fp from "fastify-plugin";
import type { FastifyError } from "fastify";
import { isDbUnavailable } from "../db";
import { ERRORS, HttpError, errorBody } from "../errors";

/**
 * One error shape for every failure (see errors.ts): { statusCode, error, message, requestId }.
 * Client errors say what was wrong; server errors are logged in full but answered
 * generically in production so stacks and SQL never reach a client.
 */
export default fp<{ production: boolean }>(
  async (app, opts) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.validation) {
        return reply.code(400).send(errorBody(400, err.message, req.id));
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined;
      if (status) {
        req.log.info({ err: { message: err.message, code: err.code } }, "client error");
        if (err instanceof HttpError) reply.headers(err.headers);
        return reply.code(status).send(errorBody(status, err.message, req.id));
      }
      if (isDbUnavailable(err)) {
        req.log.error({ err }, "database unavailable");
        const e = ERRORS.databaseUnavailable();
        return reply.code(e.statusCode).headers(e.headers).send(errorBody(e.statusCode, e.message, req.id));
      }
      req.log.error({ err }, "unhandled error");
      return reply.code(500).send(errorBody(500, opts.production ? "Internal Server Error" : err.message, req.id));
    });
    app.setNotFoundHandler((req, reply) => {
      const e = ERRORS.routeNotFound(req.method, req.url.split("?")[0]);
      reply.code(e.statusCode).send(errorBody(e.statusCode, e.message, req.id));
    });
  },
  { name: "errors" },
);
