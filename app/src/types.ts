import type { Pool } from "pg";
import type { Storage } from "./s3";
import type { TicketRepository } from "./repositories/tickets";

declare module "fastify" {
  interface FastifyInstance {
    db: Pool;
    tickets: TicketRepository;
    storage: Storage;
    /** preHandler for write routes: 401 unless a valid HS256 bearer token is present. */
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

declare module "@fastify/jwt" {
  interface FastifyJWT {
    payload: { sub: string };
    user: { sub: string; iat?: number; exp?: number };
  }
}
