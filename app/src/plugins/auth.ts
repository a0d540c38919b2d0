import fp from "fastify-plugin";
import jwt from "@fastify/jwt";
import { createVerifier, type VerifierOptions } from "fast-jwt";
import type { FastifyRequest } from "fastify";
import { ERRORS } from "../errors";
import "../types";

export const JWT_ALGORITHM = "HS256" as const;
/** Clock skew allowed between the minting machine and the task for `iat`. */
export const IAT_SKEW_SECONDS = 60;
/** How many distinct verified tokens each task remembers (see VerifiedTokens). */
export const VERIFIED_TOKEN_CACHE_SIZE = 1_000;

type User = FastifyRequest["user"];

/** Why a verified-signature token is still refused, or undefined when it is acceptable. */
export function claimProblem(
  user: { sub?: unknown; iat?: unknown; exp?: unknown },
  maxAgeSeconds: number,
  nowSeconds: number,
): string | undefined {
  if (typeof user.sub !== "string" || user.sub === "") return "token has no subject (sub)";
  if (typeof user.iat !== "number" || !Number.isFinite(user.iat)) return "token has no issued-at (iat)";
  if (typeof user.exp !== "number" || !Number.isFinite(user.exp)) return "token has no expiry (exp)";
  if (user.iat > nowSeconds + IAT_SKEW_SECONDS) return "token is issued in the future (iat)";
  if (user.exp - user.iat > maxAgeSeconds) return `token lifetime exceeds the maximum age (${maxAgeSeconds} s)`;
  if (user.exp <= nowSeconds) return "token has expired";
  return undefined;
}

/**
 * Tokens whose signature (and header, algorithm, required claims) already verified, keyed by
 * the exact token string, so a client's repeated requests skip the HMAC and the JSON parsing
 * (most of the auth cost of a small read). Only successful verifications are stored, so a token
 * the verifier would refuse is never answered from here; the time-dependent checks (claimProblem:
 * exp, iat, maximum age) still run on every request, so a cached token stops working at its `exp`
 * exactly as an uncached one. Bounded: at `max` entries the least recently used one goes
 * (a Map keeps insertion order; a hit is moved to the end).
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, User>();
  constructor(private readonly max: number) {}

  get(token: string): User | undefined {
    const user = this.entries.get(token);
    if (user !== undefined) {
      this.entries.delete(token);
      this.entries.set(token, user);
    }
    return user;
  }

  set(token: string, user: User): void {
    if (this.max <= 0) return;
    this.entries.delete(token);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, user);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** `Authorization: Bearer <token>` (scheme case-insensitive, one space, one token), else undefined. */
const BEARER = /^Bearer ([^ ]+)$/i;

/**
 * Bearer-token auth for every /api route. Only HS256 is accepted, so a token cannot
 * downgrade itself to `none` or switch to an asymmetric algorithm; `sub`, `iat` and
 * `exp` are required and a token may live at most `maxAgeSeconds` (exp - iat).
 *
 * @fastify/jwt stays registered for signing (`npm run token`) and `request.user`; requests are
 * verified with one fast-jwt verifier built here once (the same library and options
 * @fastify/jwt's `request.jwtVerify()` uses, without its per-request option merging, secret
 * callback waterfall and second decode), behind the VerifiedTokens cache.
 */
export default fp<{ secret: string; maxAgeSeconds: number; now?: () => number; cacheSize?: number }>(
  async (app, opts) => {
    const now = opts.now ?? Date.now;
    const verifyOptions = { algorithms: [JWT_ALGORITHM], requiredClaims: ["sub", "iat", "exp"] } satisfies Partial<VerifierOptions>;
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: JWT_ALGORITHM, expiresIn: "1h" },
      verify: verifyOptions,
    });
    // exp is checked in claimProblem against the app's clock (injectable), on every request,
    // cached or not: one clock for every time check.
    const verifier = createVerifier({ key: opts.secret, ...verifyOptions, ignoreExpiration: true }) as (token: string) => User;
    const verified = new VerifiedTokens(opts.cacheSize ?? VERIFIED_TOKEN_CACHE_SIZE);

    app.decorate("authenticate", async (req: FastifyRequest) => {
      const header = req.headers.authorization;
      if (!header) throw ERRORS.missingToken();
      let problem: string | undefined;
      const token = BEARER.exec(header)?.[1];
      let user = token === undefined ? undefined : verified.get(token);
      if (token === undefined) {
        problem = "not a bearer token";
      } else if (user === undefined) {
        try {
          user = verifier(token);
        } catch (err) {
          problem = (err as Error).message;
        }
      }
      if (user !== undefined) {
        problem = claimProblem(user, opts.maxAgeSeconds, Math.floor(now() / 1000));
        // Stored only once every check passed: the cache never holds a refused token.
        if (!problem) verified.set(token!, user);
      }
      if (problem) {
        req.log.info({ reason: problem }, "rejected bearer token");
        throw ERRORS.invalidToken();
      }
      req.user = user!;
    });
  },
  { name: "auth" },
);
