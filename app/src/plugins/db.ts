import fp from "fastify-plugin";
import type { Pool } from "pg";
import { TicketRepository } from "../repositories/tickets";
import { IdempotencyStore } from "../repositories/idempotency";
import "../types";

/** The database: decorates `app.db` (the pool), `app.tickets` (the repository over it) and `app.idempotency` (Idempotency-Key records). */
export default fp<{ pool: Pool; idempotencyTtlSeconds?: number }>(
  async (app, opts) => {
    app.decorate("db", opts.pool);
    app.decorate("tickets", new TicketRepository(opts.pool));
    app.decorate("idempotency", new IdempotencyStore(opts.pool, opts.idempotencyTtlSeconds));
  },
  { name: "db" },
);
