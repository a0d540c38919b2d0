import assert from "node:assert/strict";
import http from "node:http";
import type { FastifyInstance } from "fastify";
import { makeApp } from "./helpers/app";
import { LIVEZ_BODY, livezFastPath } from "../../app/src/probe";

/** No database is needed (or reachable): /livez has no dependencies. */
const NO_DB = {
  DB_HOST: "127.0.0.1",
  DB_PORT: 1,
  DB_NAME: "none",
  DB_USER: "none",
  DB_PASSWORD: "none",
  DB_SSL: "disable" as const,
  NODE_ENV: "production" as const,
  LOG_LEVEL: "silent" as const,
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method = "GET", headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The headers that describe the answer (not the connection, the clock or the request's own id). */
function answerHeaders(h: http.IncomingHttpHeaders | Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) if (!["date", "connection", "keep-alive", "x-request-id"].includes(k)) out[k] = v;
  return out;
}

describe("app: the liveness probe's fast path (probe.ts)", function () {
  this.timeout(30_000);
  let app: FastifyInstance;
  let url = "";
  /** Requests that reached Fastify's routing (an onRequest hook counts them). */
  let routed: string[] = [];

  before(async () => {
    app = await makeApp(NO_DB);
    app.addHook("onRequest", (req, _reply, done) => {
      routed.push(`${req.method} ${req.url}`);
      done();
    });
    url = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  after(async () => app?.close());
  beforeEach(() => (routed = []));

  it("answers GET /livez over HTTP before routing, exactly as the Fastify route does (status, headers, body)", async () => {
    const fast = await request(`${url}/livez`);
    assert.deepEqual(routed, [], "GET /livez reached Fastify's routing");
    const routedAnswer = await app.inject({ method: "GET", url: "/livez" });
    assert.equal(fast.status, 200);
    assert.equal(fast.body, LIVEZ_BODY);
    assert.equal(fast.body, routedAnswer.body);
    assert.deepEqual(answerHeaders(fast.headers), answerHeaders(routedAnswer.headers));
    // the security headers and no-store are among them (not both answers missing them alike)
    assert.equal(fast.headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
    assert.equal(fast.headers["cache-control"], "no-store");
    assert.equal(fast.headers["content-type"], "application/json; charset=utf-8");
    assert.ok(fast.headers["x-request-id"], "a request id on the fast path too");
  });

  it("keeps the request id rules: a sane caller X-Request-Id is echoed, a hostile one replaced", async () => {
    assert.equal((await request(`${url}/livez`, "GET", { "x-request-id": "probe-123" })).headers["x-request-id"], "probe-123");
    const hostile = (await request(`${url}/livez`, "GET", { "x-request-id": "a b\u00e9" })).headers["x-request-id"];
    assert.notEqual(hostile, "a b\u00e9");
    assert.match(String(hostile), /^[0-9a-f]{8}-[0-9a-z]+$/);
  });

  it("leaves every other request to Fastify: HEAD /livez, a query string, other paths and methods", async () => {
    const head = await request(`${url}/livez`, "HEAD");
    const query = await request(`${url}/livez?verbose=1`);
    const post = await request(`${url}/livez`, "POST");
    const other = await request(`${url}/livez/`);
    assert.deepEqual(routed, ["HEAD /livez", "GET /livez?verbose=1", "POST /livez", "GET /livez/"]);
    assert.equal(head.status, 200);
    assert.equal(query.status, 200);
    assert.deepEqual(answerHeaders(query.headers), answerHeaders((await request(`${url}/livez`)).headers));
    assert.equal(post.status, 404);
    assert.equal(other.status, 404);
  });

  it("adds Connection: close once the app drains, like the app's own hook", async () => {
    // a kept-alive client, as the ALB is: before the drain the connection stays open
    const agent = new http.Agent({ keepAlive: true });
    try {
      assert.equal((await request(`${url}/livez`, "GET", {}, agent)).headers.connection, "keep-alive");
      app.lifecycle.draining = true;
      assert.equal((await request(`${url}/livez`, "GET", {}, agent)).headers.connection, "close");
      assert.deepEqual(routed, [], "the drained probe was answered before routing too");
      assert.equal((await app.inject({ method: "GET", url: "/livez" })).headers.connection, "close");
    } finally {
      app.lifecycle.draining = false;
      agent.destroy();
    }
  });

  it("returns false for anything but GET /livez (the caller hands it on)", () => {
    const probe = livezFastPath({ headers: {}, requestId: () => "id", draining: () => false });
    const written: unknown[] = [];
    const res = { writeHead: (...a: unknown[]) => written.push(a), end: (b: string) => written.push(b) } as never;
    for (const [method, path] of [
      ["GET", "/livez?x"],
      ["HEAD", "/livez"],
      ["GET", "/health"],
      ["GET", "/LIVEZ"],
    ])
      assert.equal(probe({ method, url: path, headers: {} } as never, res), false, `${method} ${path}`);
    assert.deepEqual(written, []);
    assert.equal(probe({ method: "GET", url: "/livez", headers: {} } as never, res), true);
    assert.equal(written.length, 2);
  });
});
