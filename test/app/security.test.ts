import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { bearer, makeApp, migratedDatabase } from "./helpers/app";
import type { DbConfig } from "../../app/src/config";

describe("app: HTTP security", function () {
  this.timeout(30_000);
  let db: DbConfig;
  let app: FastifyInstance;
  let auth: { authorization: string };

  before(async () => {
    auth = await bearer();
    db = await migratedDatabase("security");
    app = await makeApp(db, { rateLimit: { max: 3, timeWindow: "1 minute" } });
  });
  after(async () => app?.close());

  it("sends HSTS (1 year, includeSubDomains), CSP, X-Frame-Options and X-Content-Type-Options on every response", async () => {
    for (const [url, status] of [["/livez", 200], ["/health", 200], ["/api/tickets/not-a-uuid", 400], ["/missing", 404]] as const) {
      const res = await app.inject({ method: "GET", url, headers: { ...auth, "x-forwarded-for": "198.51.100.1" } });
      assert.equal(res.statusCode, status, url);
      assert.equal(res.headers["strict-transport-security"], "max-age=31536000; includeSubDomains", url);
      assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/, url);
      assert.match(String(res.headers["content-security-policy"]), /frame-ancestors 'none'/, url);
      assert.equal(res.headers["x-frame-options"], "DENY", url);
      assert.equal(res.headers["x-content-type-options"], "nosniff", url);
      assert.equal(res.headers["x-powered-by"], undefined);
      assert.ok(res.headers["x-request-id"], url);
    }
  });

  it("a route's own helmet option (@fastify/helmet's route API) replaces the policy for that route only", async () => {
    const custom = await makeApp(db);
    custom.get("/framed", { helmet: { frameguard: { action: "sameorigin" } } }, async () => ({ ok: true }));
    custom.get("/bare", { helmet: false }, async () => ({ ok: true }));
    await assert.rejects(
      Promise.resolve().then(() => custom.get("/bad", { helmet: "yes" as never }, async () => ({}))),
      /helmet option must be false or a helmet options object/,
    );
    try {
      const framed = await custom.inject({ method: "GET", url: "/framed" });
      assert.equal(framed.headers["x-frame-options"], "SAMEORIGIN");
      assert.equal(framed.headers["strict-transport-security"], "max-age=31536000; includeSubDomains", "the rest of the global policy stays");
      assert.match(String(framed.headers["content-security-policy"]), /default-src 'none'/);
      const bare = await custom.inject({ method: "GET", url: "/bare" });
      assert.equal(bare.headers["strict-transport-security"], undefined);
      assert.equal(bare.headers["content-security-policy"], undefined);
      const other = await custom.inject({ method: "GET", url: "/livez" });
      assert.equal(other.headers["x-frame-options"], "DENY", "other routes keep the global policy");
    } finally {
      await custom.close();
    }
  });

  it("does not answer CORS preflights or set CORS headers unless origins are configured", async () => {
    const pre = await app.inject({ method: "OPTIONS", url: "/api/tickets", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    assert.equal(pre.headers["access-control-allow-origin"], undefined);
    const get = await app.inject({ method: "GET", url: "/api/tickets", headers: { ...auth, origin: "https://evil.example", "x-forwarded-for": "198.51.100.2" } });
    assert.equal(get.headers["access-control-allow-origin"], undefined);

    const withCors = await makeApp(db, { corsOrigins: ["https://app.example"] });
    try {
      const ok = await withCors.inject({ method: "GET", url: "/api/tickets", headers: { ...auth, origin: "https://app.example" } });
      assert.equal(ok.headers["access-control-allow-origin"], "https://app.example");
      const other = await withCors.inject({ method: "GET", url: "/api/tickets", headers: { ...auth, origin: "https://evil.example" } });
      assert.notEqual(other.headers["access-control-allow-origin"], "https://evil.example");
    } finally {
      await withCors.close();
    }
  });

  it("rate-limits per real client IP: the last X-Forwarded-For hop (the ALB's), not spoofable entries", async () => {
    const get = (xff: string) => app.inject({ method: "GET", url: "/api/tickets?limit=1", headers: { ...auth, "x-forwarded-for": xff } });
    // Client 203.0.113.7 sends a different spoofed left-most entry each time: still one client.
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await get(`10.0.0.${i}, 203.0.113.7`)).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    const limited = await get("203.0.113.7");
    assert.equal(limited.statusCode, 429);
    assert.match(limited.json().message, /Rate limit exceeded/);
    // Another client behind the same ALB is unaffected.
    assert.equal((await get("203.0.113.8")).statusCode, 200);
    // Health checks are never rate-limited (the ALB's own checks would otherwise fail).
    for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: "GET", url: "/livez", headers: { "x-forwarded-for": "203.0.113.7" } })).statusCode, 200);
  });

  it("never leaks a stack trace or internal message for a server error in production", async () => {
    const broken = await makeApp(db);
    // Sabotage the schema so the query fails inside the handler (a real bug, not bad input).
    const pool = broken.db;
    const orig = pool.query.bind(pool);
    (pool as { query: unknown }).query = (() => Promise.reject(new Error('relation "secret_internal_table" does not exist at /srv/app/x.js:1'))) as unknown;
    try {
      const res = await broken.inject({ method: "GET", url: "/api/tickets", headers: auth });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(Object.keys(res.json()).sort(), ["error", "message", "requestId", "statusCode"]);
      assert.equal(res.json().message, "Internal Server Error");
      assert.doesNotMatch(res.body, /secret_internal_table|\/srv\/app|at /);
    } finally {
      (pool as { query: unknown }).query = orig;
      await broken.close();
    }
  });
});
