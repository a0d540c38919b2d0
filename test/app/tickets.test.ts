import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { TEST_JWT_SECRET, bearer, makeApp, migratedDatabase } from "./helpers/app";
import { mintToken } from "../../app/src/token";

describe("app: tickets API", function () {
  this.timeout(30_000);
  let app: FastifyInstance;
  let auth: { authorization: string };

  before(async function () {
    // the first file to ask boots the shared PostgreSQL (initdb), slow on a busy machine
    this.timeout(120_000);
    const db = await migratedDatabase("tickets");
    app = await makeApp(db);
    auth = await bearer();
  });
  after(async () => app?.close());

  const create = async (body: object) => app.inject({ method: "POST", url: "/api/tickets", headers: auth, payload: body });

  it("creates, reads and updates a ticket", async () => {
    const res = await create({ title: "  Printer on fire ", description: "3rd floor", priority: "urgent" });
    assert.equal(res.statusCode, 201);
    const t = res.json();
    assert.equal(t.title, "Printer on fire");
    assert.equal(t.status, "open");
    assert.equal(t.priority, "urgent");
    assert.equal(t.createdBy, "agent@example.com");
    assert.equal(res.headers.location, `/api/tickets/${t.id}`);

    const got = await app.inject({ method: "GET", url: `/api/tickets/${t.id}`, headers: auth });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), t);

    const patched = await app.inject({ method: "PATCH", url: `/api/tickets/${t.id}`, headers: auth, payload: { status: "in_progress" } });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().status, "in_progress");
    assert.equal(patched.json().title, "Printer on fire");
    assert.ok(Date.parse(patched.json().updatedAt) >= Date.parse(t.updatedAt));
  });

  it("paginates with a stable cursor and filters by status", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create({ title: `page-${i}` })).json().id);
    // Tickets created within one millisecond tie on created_at; force that tie for all seven so the
    // id alone must keep "newest first" (with random ids this failed about 1 run in 9, and always here).
    await app.db.query("UPDATE tickets SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ANY($1::uuid[])", [ids]);
    await app.inject({ method: "PATCH", url: `/api/tickets/${ids[3]}`, headers: auth, payload: { status: "resolved" } });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; json: () => { items: { id: string }[]; nextCursor: string | null } } = await app.inject({
        method: "GET",
        url: "/api/tickets",
        headers: auth,
        query: { limit: "3", ...(cursor ? { cursor } : {}) },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.ok(body.items.length <= 3);
      seen.push(...body.items.map((t) => t.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    // newest first, every ticket exactly once
    assert.equal(new Set(seen).size, seen.length);
    const mine = seen.filter((id) => ids.includes(id));
    assert.deepEqual(mine, [...ids].reverse());

    const resolved = await app.inject({ method: "GET", url: "/api/tickets?status=resolved", headers: auth });
    assert.deepEqual(
      resolved.json().items.map((t: { id: string }) => t.id),
      [ids[3]],
    );
    assert.equal(resolved.json().nextCursor, null);
  });

  it("lists many tickets created back to back newest first, without forcing a tie", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await create({ title: `burst-${i}` })).json().id);
    const res = await app.inject({ method: "GET", url: "/api/tickets", headers: auth, query: { limit: "40" } });
    assert.deepEqual(
      res.json().items.map((t: { id: string }) => t.id),
      [...ids].reverse(),
    );
  });

  it("answers 404 for an unknown id on read, update and attachments", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    for (const [method, url, payload] of [
      ["GET", `/api/tickets/${id}`, undefined],
      ["PATCH", `/api/tickets/${id}`, { status: "closed" }],
      ["GET", `/api/tickets/${id}/attachments`, undefined],
      ["POST", `/api/tickets/${id}/attachments`, { fileName: "a.txt", contentType: "text/plain", size: 3 }],
    ] as const) {
      const res = await app.inject({ method, url, headers: auth, payload });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.match(res.json().message, new RegExp(`Ticket ${id} not found`));
    }
    const route = await app.inject({ method: "GET", url: "/nope", headers: auth });
    assert.equal(route.statusCode, 404);
  });

  it("answers 400 with a message naming the problem, never 500", async () => {
    const cases: { method: "GET" | "POST" | "PATCH"; url: string; payload?: unknown; headers?: Record<string, string>; match: RegExp }[] = [
      { method: "GET", url: "/api/tickets/not-a-uuid", match: /params\/id must match format "uuid"/ },
      { method: "GET", url: "/api/tickets?status=bogus", match: /querystring\/status must be equal to one of the allowed values/ },
      { method: "GET", url: "/api/tickets?limit=0", match: /querystring\/limit must be >= 1/ },
      { method: "GET", url: "/api/tickets?limit=abc", match: /querystring\/limit must be integer/ },
      { method: "GET", url: "/api/tickets?cursor=garbage", match: /not a valid cursor/ },
      { method: "GET", url: "/api/tickets?colour=red", match: /must NOT have additional properties/ },
      { method: "POST", url: "/api/tickets", payload: {}, match: /body must have required property 'title'/ },
      { method: "POST", url: "/api/tickets", payload: { title: "x", sneaky: 1 }, match: /must NOT have additional properties/ },
      { method: "POST", url: "/api/tickets", payload: { title: "   " }, match: /body\/title must match pattern/ },
      {
        method: "POST",
        url: "/api/tickets",
        payload: { title: "x".repeat(201) },
        match: /body\/title must NOT have more than 200 characters/,
      },
      { method: "POST", url: "/api/tickets", payload: '{"title":', headers: { "content-type": "application/json" }, match: /JSON/i },
      {
        method: "PATCH",
        url: "/api/tickets/00000000-0000-4000-8000-000000000000",
        payload: {},
        match: /body must NOT have fewer than 1 properties/,
      },
      {
        method: "PATCH",
        url: "/api/tickets/00000000-0000-4000-8000-000000000000",
        payload: { status: "done" },
        match: /body\/status must be equal to one of the allowed values/,
      },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: c.method, url: c.url, payload: c.payload as string, headers: { ...auth, ...c.headers } });
      assert.equal(res.statusCode, 400, `${c.method} ${c.url}: ${res.body}`);
      assert.match(res.json().message, c.match, `${c.method} ${c.url}`);
      assert.equal(res.json().error, "Bad Request");
    }
  });

  it("limits body size (413) and content type (415)", async () => {
    const big = await app.inject({
      method: "POST",
      url: "/api/tickets",
      headers: auth,
      payload: { title: "x", description: "y".repeat(20_000) },
    });
    assert.equal(big.statusCode, 413);
    const form = await app.inject({
      method: "POST",
      url: "/api/tickets",
      headers: { ...auth, "content-type": "text/plain" },
      payload: "title=x",
    });
    assert.equal(form.statusCode, 415);
  });

  it("requires a valid HS256 bearer token on every write endpoint (401)", async () => {
    const id = (await create({ title: "auth" })).json().id;
    const writes = [
      ["POST", "/api/tickets", { title: "x" }],
      ["PATCH", `/api/tickets/${id}`, { status: "closed" }],
      ["POST", `/api/tickets/${id}/attachments`, { fileName: "a.txt", contentType: "text/plain", size: 3 }],
    ] as const;
    const forged = await mintToken("another-secret-that-is-long-enough-000", "mallory");
    const expired = await mintToken("test-only-jwt-secret-0123456789abcdef", "old", "1s");
    await new Promise((r) => setTimeout(r, 1100));
    const header = (alg: string) => Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url");
    const none = `${header("none")}.${Buffer.from(JSON.stringify({ sub: "mallory" })).toString("base64url")}.`;
    for (const [method, url, payload] of writes) {
      for (const headers of [
        {},
        { authorization: `Bearer ${forged}` },
        { authorization: `Bearer ${expired}` },
        { authorization: `Bearer ${none}` },
        { authorization: "Basic Zm9vOmJhcg==" },
      ]) {
        const res = await app.inject({ method, url, payload, headers });
        assert.equal(res.statusCode, 401, `${method} ${url} with ${JSON.stringify(headers).slice(0, 40)}`);
        assert.match(res.json().message, /npm run token/);
      }
    }
    // the ticket is unchanged
    const after = await app.inject({ method: "GET", url: `/api/tickets/${id}`, headers: auth });
    assert.equal(after.json().status, "open");
  });
  it("requires a token on every /api route, reads included, and checks it before validating anything (401 with a requestId)", async () => {
    const id = (await create({ title: "private" })).json().id;
    for (const [method, url, payload] of [
      ["GET", "/api/tickets", undefined],
      ["GET", `/api/tickets/${id}`, undefined],
      ["GET", `/api/tickets/${id}/attachments`, undefined],
      // invalid input: an anonymous caller gets 401, not a 400 describing the schema
      ["GET", "/api/tickets?colour=red", undefined],
      ["GET", "/api/tickets/not-a-uuid", undefined],
      ["POST", "/api/tickets", { sneaky: 1 }],
    ] as const) {
      const res = await app.inject({ method, url, payload });
      assert.equal(res.statusCode, 401, `${method} ${url}: ${res.body}`);
      assert.deepEqual(Object.keys(res.json()).sort(), ["error", "message", "requestId", "statusCode"]);
      assert.equal(res.json().requestId, res.headers["x-request-id"]);
      assert.equal(res.headers["x-content-type-options"], "nosniff");
    }
    // also before the content-type check: no 415 for an anonymous caller
    const form = await app.inject({ method: "POST", url: "/api/tickets", headers: { "content-type": "text/plain" }, payload: "x" });
    assert.equal(form.statusCode, 401);
  });

  it("refuses tokens without exp, iat or sub, living longer than the maximum age, or issued in the future", async () => {
    const { createSigner } = await import("fast-jwt");
    const now = Math.floor(Date.now() / 1000);
    // fast-jwt keeps a payload's own iat, and with noTimestamp writes none at all
    const sign = (payload: Record<string, unknown>) =>
      createSigner({ key: TEST_JWT_SECRET, algorithm: "HS256", noTimestamp: !("iat" in payload) })(payload);
    const cases: [string, Record<string, unknown>][] = [
      ["no exp", { sub: "a", iat: now }],
      ["no iat", { sub: "a", exp: now + 600 }],
      ["no sub", { iat: now, exp: now + 600 }],
      ["exp a century ahead", { sub: "a", iat: now, exp: now + 100 * 365 * 86400 }],
      ["just over 12 h", { sub: "a", iat: now, exp: now + 12 * 3600 + 1 }],
      ["iat in the future", { sub: "a", iat: now + 3600, exp: now + 7200 }],
    ];
    for (const [name, payload] of cases) {
      const res = await app.inject({ method: "GET", url: "/api/tickets", headers: { authorization: `Bearer ${sign(payload)}` } });
      assert.equal(res.statusCode, 401, name);
    }
    const ok = await app.inject({
      method: "GET",
      url: "/api/tickets",
      headers: { authorization: `Bearer ${sign({ sub: "a", iat: now, exp: now + 12 * 3600 })}` },
    });
    assert.equal(ok.statusCode, 200, "a 12 h token is accepted");
  });

  it("never answers 500 for input PostgreSQL would refuse: non-canonical UUIDs, NUL characters, forged cursors (400 naming the field)", async () => {
    const enc = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
    const uuid = "0190c5a8-7f00-7000-8000-000000000000";
    const cases: { method: "GET" | "POST" | "PATCH"; url: string; payload?: unknown; match: RegExp }[] = [
      { method: "GET", url: `/api/tickets/urn:uuid:${uuid}`, match: /params\/id must match format "uuid"/ },
      { method: "GET", url: `/api/tickets/{${uuid}}`, match: /params\/id must match format "uuid"/ },
      { method: "GET", url: `/api/tickets/${uuid.replace(/-/g, "")}`, match: /params\/id must match format "uuid"/ },
      { method: "POST", url: "/api/tickets", payload: { title: "nul\u0000byte" }, match: /body\/title must not contain NUL/ },
      {
        method: "PATCH",
        url: `/api/tickets/${uuid}`,
        payload: { description: "x\u0000" },
        match: /body\/description must not contain NUL/,
      },
      { method: "GET", url: "/api/tickets?cursor=%00", match: /querystring\/cursor must not contain NUL/ },
      {
        method: "GET",
        url: `/api/tickets?cursor=${enc(["2020-01-01T00:00:00Z", "-".repeat(36)])}`,
        match: /querystring\/cursor is not a valid cursor/,
      },
      {
        method: "GET",
        url: `/api/tickets?cursor=${enc(["+275760-09-13T00:00:00.000Z", uuid])}`,
        match: /querystring\/cursor is not a valid cursor/,
      },
      {
        method: "GET",
        url: `/api/tickets?cursor=${enc(["2020-01-01T00:00:00.000Z", uuid.toUpperCase()])}`,
        match: /querystring\/cursor is not a valid cursor/,
      },
      {
        method: "GET",
        url: `/api/tickets?cursor=${enc(["2020-01-01T00:00:00.000Z", uuid, 1])}`,
        match: /querystring\/cursor is not a valid cursor/,
      },
      {
        method: "GET",
        url: `/api/tickets?cursor=${enc('["2020-01-01T00:00:00.000Z", "' + uuid + '"]')}`,
        match: /querystring\/cursor is not a valid cursor/,
      },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: c.method, url: c.url, payload: c.payload as object, headers: auth });
      assert.equal(res.statusCode, 400, `${c.method} ${c.url}: ${res.body}`);
      assert.match(res.json().message, c.match, `${c.method} ${c.url}`);
    }
    // the cursor the app issues still works
    const issued = await app.inject({ method: "GET", url: "/api/tickets?limit=1", headers: auth });
    const next = await app.inject({
      method: "GET",
      url: "/api/tickets",
      query: { limit: "1", cursor: issued.json().nextCursor },
      headers: auth,
    });
    assert.equal(next.statusCode, 200);
  });

  it("backstop: a value PostgreSQL refuses (SQLSTATE class 22) is a 400, not a 500", async () => {
    const pool = app.db;
    const orig = pool.query.bind(pool);
    (pool as { query: unknown }).query = (() =>
      Promise.reject(Object.assign(new Error('invalid input syntax for type uuid: "secret-value"'), { code: "22P02" }))) as unknown;
    try {
      const res = await app.inject({ method: "GET", url: "/api/tickets", headers: auth });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().message, /refused by the database \(SQLSTATE 22P02\)/);
      assert.doesNotMatch(res.body, /secret-value/);
    } finally {
      (pool as { query: unknown }).query = orig;
    }
  });

  it("does not coerce body types (query strings may) and names an unknown field", async () => {
    for (const [payload, match] of [
      [{ title: 12345 }, /body\/title must be string/],
      [{ title: "x", priority: ["high"] }, /body\/priority must be string/],
      [{ title: "x", colour: "red" }, /must NOT have additional properties: 'colour' is not a known field/],
    ] as const) {
      const res = await app.inject({ method: "POST", url: "/api/tickets", headers: auth, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(res.json().message, match);
    }
    const q = await app.inject({ method: "GET", url: "/api/tickets?limit=2", headers: auth });
    assert.equal(q.statusCode, 200, "limit=2 in a query string is still read as a number");
  });
});
