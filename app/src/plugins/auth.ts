import fp from "fastify-plugin";
import jwt from "@fastify/jwt";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ERRORS } from "../errors";
import "../types";

export const JWT_ALGORITHM = "HS256";

/**
 * Bearer-token auth for write routes. Only HS256 is accepted, so a token cannot
 * downgrade itself to `none` or switch to an asymmetric algorithm.
 */
export default fp<{ secret: string }>(
  async (app, opts) => {
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: JWT_ALGORITHM, expiresIn: "1h" },
      verify: { algorithms: [JWT_ALGORITHM] },
    });
    app.decorate("authenticate", async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.headers.authorization) {
        const e = ERRORS.missingToken();
        return reply.code(e.statusCode).send({ statusCode: e.statusCode, error: "Unauthorized", message: e.message });
      }
      try {
        await req.jwtVerify();
        if (typeof req.user?.sub !== "string" || req.user.sub === "") throw new Error("token has no subject");
      } catch (err) {
        req.log.info({ reason: (err as Error).message }, "rejected bearer token");
        const e = ERRORS.invalidToken();
        return reply.code(e.statusCode).send({ statusCode: e.statusCode, error: "Unauthorized", message: e.message });
      }
    });
  },
  { name: "auth" },
);
