import fp from "fastify-plugin";
import jwt from "@fastify/jwt";
import type { FastifyRequest } from "fastify";
import { ERRORS } from "../errors";
import "../types";

export const JWT_ALGORITHM = "HS256";
/** Clock skew allowed between the minting machine and the task for `iat`. */
export const IAT_SKEW_SECONDS = 60;

/** Why a verified-signature token is still refused, or undefined when it is acceptable. */
export function claimProblem(user: { sub?: unknown; iat?: unknown; exp?: unknown }, maxAgeSeconds: number, nowSeconds: number): string | undefined {
  if (typeof user.sub !== "string" || user.sub === "") return "token has no subject (sub)";
  if (typeof user.iat !== "number" || !Number.isFinite(user.iat)) return "token has no issued-at (iat)";
  if (typeof user.exp !== "number" || !Number.isFinite(user.exp)) return "token has no expiry (exp)";
  if (user.iat > nowSeconds + IAT_SKEW_SECONDS) return "token is issued in the future (iat)";
  if (user.exp - user.iat > maxAgeSeconds) return `token lifetime exceeds the maximum age (${maxAgeSeconds} s)`;
  if (user.exp <= nowSeconds) return "token has expired";
  return undefined;
}

/**
 * Bearer-token auth for every /api route. Only HS256 is accepted, so a token cannot
 * downgrade itself to `none` or switch to an asymmetric algorithm; `sub`, `iat` and
 * `exp` are required and a token may live at most `maxAgeSeconds` (exp - iat).
 */
export default fp<{ secret: string; maxAgeSeconds: number; now?: () => number }>(
  async (app, opts) => {
    const now = opts.now ?? Date.now;
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: JWT_ALGORITHM, expiresIn: "1h" },
      verify: { algorithms: [JWT_ALGORITHM], requiredClaims: ["sub", "iat", "exp"] },
    });
    app.decorate("authenticate", async (req: FastifyRequest) => {
      if (!req.headers.authorization) throw ERRORS.missingToken();
      let problem: string | undefined;
      try {
        await req.jwtVerify();
        problem = claimProblem(req.user, opts.maxAgeSeconds, Math.floor(now() / 1000));
      } catch (err) {
        problem = (err as Error).message;
      }
      if (problem) {
        req.log.info({ reason: problem }, "rejected bearer token");
        throw ERRORS.invalidToken();
      }
    });
  },
  { name: "auth" },
);
