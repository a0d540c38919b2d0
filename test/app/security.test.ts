import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import net from "node:net";
import { LogCapture, bearer, makeApp, migratedDatabase } from "./helpers/app";

/** Sends raw bytes and parses the one response (status line, lower-cased headers, body). */
export async function rawRequest(port: number, raw: string): Promise<{ head: string; headers: Record<string, string>; body: string }> {
  const sock = net.connect(port, "127.0.0.1");
  let data = "";
  sock.on("data", (d) => (data += d));
  sock.on("error", () => undefined);
  sock.write(raw);
  await new Promise<void>((resolve) => {
    const check = () => {
      const end = data.indexOf("\r\n\r\n");
      const len = /content-length: (\d+)/i.exec(data);
      if (end >= 0 && len && Buffer.byteLength(data.slice(end + 4)) >= Number(len[1])) resolve();
    };
    sock.on("data", check);
    sock.on("close", () => resolve());
  });
  sock.destroy();
  const end = data.indexOf("\r\n\r\n");
  const lines = data.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(":")).toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
  return { head: lines[0], headers, body: data.slice(end + 4) };
}
import type { DbConfig } from "../../app/src/config";
import { HELMET_OPTIONS, addStaticHeaders, responseHeaders, staticHelmetHeaders } from "../../app/src/security-headers";

describe("app: HTTP security", function () {
  this.timeout(30_000);
  let db: DbConfig;
  let app: FastifyInstance;
  let auth: { authorization: string };

  before(async function () {
    // the first file to ask boots the shared PostgreSQL (initdb), slow on a busy machine
    this.timeout(120_000);
    auth = await bearer();
    db = await migratedDatabase("security");
    app = await makeApp(db, { rateLimit: { max: 3, timeWindow: "1 minute" } });
  });
  after(async () => app?.close());

  it("sends HSTS (1 year, includeSubDomains), CSP, X-Frame-Options and X-Content-Type-Options on every response", async () => {
    for (const [url, status] of [
      ["/livez", 200],
      ["/health", 200],
      ["/api/tickets/not-a-uuid", 400],
      ["/missing", 404],
    ] as const) {
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

  it("sends Cache-Control: no-store on every answer (private ticket data, presigned URLs, errors, probes)", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/api/tickets",
      headers: { ...auth, "x-forwarded-for": "198.51.100.20" },
      payload: { title: "cache me not" },
    });
    assert.equal(created.statusCode, 201, created.body);
    // A client address per request: this app's rate limit is 3 per minute.
    let client = 20;
    for (const [url, status, headers] of [
      ["/api/tickets?limit=1", 200, auth],
      [`/api/tickets/${created.json().id}`, 200, auth],
      ["/api/tickets", 401, {}],
      ["/api/tickets/not-a-uuid", 400, auth],
      ["/missing", 404, {}],
      ["/livez", 200, {}],
      ["/health", 200, {}],
    ] as const) {
      const res = await app.inject({ method: "GET", url, headers: { ...headers, "x-forwarded-for": `198.51.100.${++client}` } });
      assert.equal(res.statusCode, status, url);
      assert.equal(res.headers["cache-control"], "no-store", url);
    }
  });

  it("adds the static headers through Fastify's header store, or through reply.headers() where there is none", async () => {
    const headers = responseHeaders(HELMET_OPTIONS);
    assert.deepEqual(headers, { ...staticHelmetHeaders(HELMET_OPTIONS), "cache-control": "no-store" });
    // no such store: the public API is used instead (and a real reply later still finds the store)
    const seen: Record<string, string>[] = [];
    addStaticHeaders({ headers: (h: Record<string, string>) => seen.push(h) }, headers);
    assert.deepEqual(seen, [headers]);
    // a real reply (the store exists): what the API sends equals helmet's own output
    const res = await app.inject({ method: "GET", url: "/livez" });
    for (const [k, v] of Object.entries(headers)) assert.equal(res.headers[k], v, k);
  });

  it("a route's own helmet option (@fastify/helmet's route API) replaces the policy for that route only", async () => {
    const custom = await makeApp(db);
    custom.get("/framed", { helmet: { frameguard: { action: "sameorigin" } } }, async () => ({ ok: true }));
    custom.get("/bare", { helmet: false }, async () => ({ ok: true }));
    custom.get("/cacheable", async (_req, reply) => {
      reply.header("cache-control", "public, max-age=60");
      return { ok: true };
    });
    await assert.rejects(
      Promise.resolve().then(() => custom.get("/bad", { helmet: "yes" as never }, async () => ({}))),
      /helmet option must be false or a helmet options object/,
    );
    try {
      const framed = await custom.inject({ method: "GET", url: "/framed" });
      assert.equal(framed.headers["x-frame-options"], "SAMEORIGIN");
      assert.equal(
        framed.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains",
        "the rest of the global policy stays",
      );
      assert.match(String(framed.headers["content-security-policy"]), /default-src 'none'/);
      const bare = await custom.inject({ method: "GET", url: "/bare" });
      assert.equal(bare.headers["strict-transport-security"], undefined);
      assert.equal(bare.headers["content-security-policy"], undefined);
      assert.equal(bare.headers["cache-control"], "no-store", "helmet: false relaxes helmet's headers, not no-store");
      const cached = await custom.inject({ method: "GET", url: "/cacheable" });
      assert.equal(cached.headers["cache-control"], "public, max-age=60", "a route's own Cache-Control replaces no-store");
      const other = await custom.inject({ method: "GET", url: "/livez" });
      assert.equal(other.headers["x-frame-options"], "DENY", "other routes keep the global policy");
    } finally {
      await custom.close();
    }
  });

  it("does not answer CORS preflights or set CORS headers unless origins are configured", async () => {
    const pre = await app.inject({
      method: "OPTIONS",
      url: "/api/tickets",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(pre.headers["access-control-allow-origin"], undefined);
    const get = await app.inject({
      method: "GET",
      url: "/api/tickets",
      headers: { ...auth, origin: "https://evil.example", "x-forwarded-for": "198.51.100.2" },
    });
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
    for (let i = 0; i < 5; i++)
      assert.equal((await app.inject({ method: "GET", url: "/livez", headers: { "x-forwarded-for": "203.0.113.7" } })).statusCode, 200);
  });

  it("never leaks a stack trace or internal message for a server error in production", async () => {
    const broken = await makeApp(db);
    // Sabotage the schema so the query fails inside the handler (a real bug, not bad input).
    const pool = broken.db;
    const orig = pool.query.bind(pool);
    (pool as { query: unknown }).query = (() =>
      Promise.reject(new Error('relation "secret_internal_table" does not exist at /srv/app/x.js:1'))) as unknown;
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
  it("answers every error in one shape with a requestId and the security headers: 401, 404, 413, 415, 429 and the framework's own (bad URL, 414, 431)", async () => {
    const shaped = (status: number, headers: Record<string, unknown>, body: string, what: string) => {
      const json = JSON.parse(body);
      assert.deepEqual(Object.keys(json).sort(), ["error", "message", "requestId", "statusCode"], what);
      assert.equal(json.statusCode, status, what);
      assert.equal(json.requestId, headers["x-request-id"], what);
      assert.equal(headers["strict-transport-security"], "max-age=31536000; includeSubDomains", what);
      assert.equal(headers["x-content-type-options"], "nosniff", what);
    };
    const limited = await makeApp(db, { rateLimit: { max: 1, timeWindow: "1 minute" } });
    try {
      for (const [status, req] of [
        [401, { method: "GET", url: "/api/tickets" }],
        [404, { method: "GET", url: "/nope", headers: auth }],
        [413, { method: "POST", url: "/api/tickets", headers: auth, payload: { title: "x", description: "y".repeat(20_000) } }],
        [415, { method: "POST", url: "/api/tickets", headers: { ...auth, "content-type": "text/plain" }, payload: "x" }],
      ] as const) {
        const res = await limited.inject({
          ...req,
          headers: { ...("headers" in req ? req.headers : {}), "x-forwarded-for": `198.51.100.${status - 390}` },
        } as never);
        assert.equal(res.statusCode, status, res.body);
        shaped(status, res.headers, res.body, String(status));
      }
      await limited.inject({ method: "GET", url: "/api/tickets", headers: { ...auth, "x-forwarded-for": "198.51.100.99" } });
      const tooMany = await limited.inject({
        method: "GET",
        url: "/api/tickets",
        headers: { ...auth, "x-forwarded-for": "198.51.100.99" },
      });
      assert.equal(tooMany.statusCode, 429);
      shaped(429, tooMany.headers, tooMany.body, "429");

      // over a real socket: errors raised by the router and by Node's HTTP parser
      const logs = new LogCapture();
      const server = await makeApp(db, { logStream: logs, config: { LOG_LEVEL: "info" } });
      try {
        await server.listen({ port: 0, host: "127.0.0.1" });
        const port = (server.server.address() as net.AddressInfo).port;
        for (const [status, raw] of [
          [400, "GET /api/tickets/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n"],
          [414, `GET /api/tickets/${"a".repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`],
          [431, `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`],
          [400, "NOT HTTP AT ALL\r\n\r\n"],
        ] as const) {
          const res = await rawRequest(port, raw);
          assert.match(res.head, new RegExp(`^HTTP/1.1 ${status} `), raw.slice(0, 30));
          shaped(status, res.headers, res.body, raw.slice(0, 30));
        }
        const lines = logs.lines.map((l) => JSON.parse(l));
        assert.ok(
          lines.some((l) => l.msg === "framework error" && l.statusCode === 414),
          logs.text,
        );
        assert.ok(
          lines.some((l) => l.msg === "client error" && l.statusCode === 431),
          logs.text,
        );
      } finally {
        await server.close();
      }
    } finally {
      await limited.close();
    }
  });
});
