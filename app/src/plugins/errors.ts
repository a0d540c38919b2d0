import fp from "fastify-plugin";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { describeDbError, isDataException, isDbUnavailable, isOutcomeUnknown } from "../db-errors";
import { ERRORS, HttpError, errorBody } from "../errors";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

function send(req: FastifyRequest, reply: FastifyReply, e: HttpError) {
  return reply
    .code(e.statusCode)
    .headers(e.headers)
    .send(errorBody(e.statusCode, e.message, req.id));
}

/**
 * One error shape for every failure (see errors.ts): { statusCode, error, message, requestId }.
 * Client errors say what was wrong; server errors are logged (driver errors scrubbed) but answered
 * generically in production so stacks and SQL never reach a client.
 */
export default fp<{ production: boolean }>(
  async (app, opts) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.validation) {
        return reply.code(400).send(errorBody(400, err.message, req.id));
      }
      if (err instanceof HttpError) {
        if (err.statusCode >= 500) req.log.error({ statusCode: err.statusCode }, err.message);
        else req.log.info({ err: { message: err.message, statusCode: err.statusCode } }, "client error");
        return send(req, reply, err);
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined;
      if (status) {
        req.log.info({ err: { message: err.message, code: err.code } }, "client error");
        return reply.code(status).send(errorBody(status, err.message, req.id));
      }
      // Backstop: a value PostgreSQL refuses (SQLSTATE class 22) is bad input, not a server fault.
      if (isDataException(err)) {
        req.log.info({ err: describeDbError(err) }, "value refused by the database");
        return send(req, reply, ERRORS.dataException(err.code));
      }
      // A write whose statement was sent but not answered may have committed: never say "retry".
      if (isOutcomeUnknown(err) && !READS.has(req.method)) {
        req.log.error({ err: describeDbError(err) }, "write outcome unknown");
        return send(req, reply, ERRORS.outcomeUnknown());
      }
      if (isDbUnavailable(err)) {
        req.log.error({ err: describeDbError(err) }, "database unavailable");
        return send(req, reply, ERRORS.databaseUnavailable());
      }
      req.log.error({ err }, "unhandled error");
      return reply.code(500).send(errorBody(500, opts.production ? "Internal Server Error" : err.message, req.id));
    });
    app.setNotFoundHandler((req, reply) => send(req, reply, ERRORS.routeNotFound(req.method, req.url.split("?")[0])));
  },
  { name: "errors" },
);
