import type { Pool } from "pg";
import type { Storage } from "./s3";
import type { TicketRepository } from "./repositories/tickets";
import type { IdempotencyStore } from "./repositories/idempotency";
import type { ServerTimeouts } from "./timeouts";

declare module "fastify" {
  interface FastifyInstance {
    db: Pool;
    tickets: TicketRepository;
    idempotency: IdempotencyStore;
    storage: Storage;
    /** onRequest hook for /api routes: 401 unless a valid HS256 bearer token is present. */
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Shutdown state: while draining, every response says `Connection: close`. */
    lifecycle: { draining: boolean };
    timeouts: ServerTimeouts;
  }
}

declare module "@fastify/jwt" {
  interface FastifyJWT {
    payload: { sub: string };
    user: { sub: string; iat: number; exp: number };
  }
}
