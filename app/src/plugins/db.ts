import fp from "fastify-plugin";
import type { Pool } from "pg";
import { TicketRepository } from "../repositories/tickets";
import "../types";

/** The database: decorates `app.db` (the pool) and `app.tickets` (the repository over it). */
export default fp<{ pool: Pool }>(
  async (app, opts) => {
    app.decorate("db", opts.pool);
    app.decorate("tickets", new TicketRepository(opts.pool));
  },
  { name: "db" },
);
