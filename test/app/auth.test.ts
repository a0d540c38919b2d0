import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { createSigner } from "fast-jwt";
import auth, { VerifiedTokens } from "../../app/src/plugins/auth";
import errors from "../../app/src/plugins/errors";
import { LogCapture } from "./helpers/app";
import { createLogger } from "../../app/src/logger";

const SECRET = "auth-test-secret-0123456789abcdef0123";
// fast-jwt keeps a payload's own iat, and with noTimestamp writes none at all
const sign = (payload: Record<string, unknown>, key = SECRET) =>
  createSigner({ key, algorithm: "HS256", noTimestamp: !("iat" in payload) })(payload);

describe("app: bearer-token verification and its verified-token cache", function () {
  let app: FastifyInstance;
  let clock = Date.UTC(2030, 0, 1) / 1000; // seconds; injected, never today's date
  const logs = new LogCapture();

  before(async () => {
    app = Fastify({ loggerInstance: createLogger("info", logs) });
    await app.register(errors, { production: true });
    await app.register(auth, { secret: SECRET, maxAgeSeconds: 3600, now: () => clock * 1000, cacheSize: 2 });
    app.get("/private", { onRequest: (req, reply) => app.authenticate(req, reply) }, async (req) => ({ sub: req.user.sub }));
    await app.ready();
  });
  after(async () => app?.close());
  const get = (token: string) => app.inject({ method: "GET", url: "/private", headers: { authorization: `Bearer ${token}` } });

  it("a token answered from the cache still stops working at its exp (the clock is checked on every request)", async () => {
    const t0 = clock;
    const token = sign({ sub: "alice", iat: t0, exp: t0 + 60 });
    assert.equal((await get(token)).statusCode, 200);
    assert.deepEqual((await get(token)).json(), { sub: "alice" }, "second use: same answer, from the cache");
    clock = t0 + 59;
    assert.equal((await get(token)).statusCode, 200);
    clock = t0 + 60;
    const expired = await get(token);
    assert.equal(expired.statusCode, 401);
    assert.match(logs.text, /"reason":"token has expired"/);
    clock = t0 + 120;
  });

  it("never accepts from the cache what the verifier refuses: forged, alg none, missing claims, too long a life", async () => {
    const now = clock;
    const good = sign({ sub: "bob", iat: now, exp: now + 600 });
    const [head, body] = good.split(".");
    const refused = [
      sign({ sub: "bob", iat: now, exp: now + 600 }, "another-secret-0123456789abcdef012345"), // forged
      `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${body}.`, // alg none, same claims
      `${head}.${Buffer.from(JSON.stringify({ sub: "root", iat: now, exp: now + 600 })).toString("base64url")}.${good.split(".")[2]}`, // payload swapped
      sign({ sub: "bob", iat: now }), // no exp
      sign({ sub: "bob", iat: now, exp: now + 7200 }), // over the maximum age
    ];
    assert.equal((await get(good)).statusCode, 200);
    for (const token of refused) {
      for (let i = 0; i < 2; i++) assert.equal((await get(token)).statusCode, 401, `${token.slice(0, 30)}… attempt ${i + 1}`);
    }
    for (const header of ["Basic Zm9vOmJhcg==", `bearer  ${good}`, `Bearer ${good} extra`, "Bearer"]) {
      const res = await app.inject({ method: "GET", url: "/private", headers: { authorization: header } });
      assert.equal(res.statusCode, 401, header);
    }
    const lowerScheme = await app.inject({ method: "GET", url: "/private", headers: { authorization: `bearer ${good}` } });
    assert.equal(lowerScheme.statusCode, 200, "the scheme is case-insensitive, as @fastify/jwt's");
  });

  it("the cache is bounded and forgets the least recently used token first", () => {
    const c = new VerifiedTokens(2);
    const u = (sub: string) => ({ sub, iat: 1, exp: 2 });
    c.set("a", u("a"));
    c.set("b", u("b"));
    assert.equal(c.get("a")?.sub, "a"); // a is now the most recent
    c.set("c", u("c"));
    assert.equal(c.size, 2);
    assert.equal(c.get("b"), undefined, "b was the least recently used");
    assert.equal(c.get("a")?.sub, "a");
    assert.equal(c.get("c")?.sub, "c");
    const off = new VerifiedTokens(0);
    off.set("a", u("a"));
    assert.equal(off.size, 0, "size 0 turns the cache off");
  });
});
