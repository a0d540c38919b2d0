import assert from "node:assert/strict";
import { LogCapture, TEST_JWT_SECRET, bearer, makeApp, migratedDatabase } from "./helpers/app";
import { REDACTED, SCRUB_MAX_DEPTH, createLogger, genReqId, scrub } from "../../app/src/logger";

/** A logger writing into memory, with the app's redaction. */
function captured(level = "info") {
  const logs = new LogCapture();
  return { logs, log: createLogger(level, logs), lines: () => logs.lines.map((l) => JSON.parse(l)) };
}

describe("app: logging", function () {
  this.timeout(90_000); // the first test boots the shared PostgreSQL (initdb): slow on a busy machine

  it("writes JSON lines with request ids and redacts credentials and secrets", async () => {
    const db = await migratedDatabase("logging");
    const logs = new LogCapture();
    const app = await makeApp(db, { logStream: logs, config: { LOG_LEVEL: "info" } });
    try {
      const auth = await bearer();
      const token = auth.authorization.split(" ")[1];
      const res = await app.inject({
        method: "POST",
        url: "/api/tickets",
        headers: { ...auth, cookie: "session=cookie-secret-value", "x-request-id": "trace-abc-123" },
        payload: { title: "log me" },
      });
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers["x-request-id"], "trace-abc-123");
      // a handler logging an object that carries secrets
      app.log.info(
        { user: { password: "pw-value-1" }, token: "tok-value-2", env: { JWT_SECRET: TEST_JWT_SECRET, DB_PASSWORD: "dbpw-value-3" } },
        "careless log",
      );

      const lines = logs.lines.map((l) => JSON.parse(l));
      // exactly one access line per request, written on response
      const access = lines.filter((l) => l.reqId === "trace-abc-123" && l.msg === "request completed");
      assert.equal(access.length, 1, logs.text);
      assert.equal(lines.filter((l) => l.msg === "incoming request").length, 0, logs.text);
      assert.deepEqual(
        { method: access[0].req.method, url: access[0].req.url, status: access[0].res.statusCode },
        { method: "POST", url: "/api/tickets", status: 201 },
      );
      assert.equal(typeof access[0].responseTime, "number");
      assert.equal(access[0].req.headers, undefined, "request headers (credentials) are not logged");
      // a handler that logs raw headers still gets credentials redacted
      app.log.info({ headers: { authorization: auth.authorization, cookie: "session=cookie-secret-value" } }, "raw headers");
      const raw = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "raw headers");
      assert.deepEqual(raw.headers, { authorization: "[REDACTED]", cookie: "[REDACTED]" });
      const careless = lines.find((l) => l.msg === "careless log");
      assert.equal(careless.user.password, "[REDACTED]");
      assert.equal(careless.token, "[REDACTED]");
      assert.equal(careless.env.JWT_SECRET, "[REDACTED]");
      assert.equal(careless.env.DB_PASSWORD, "[REDACTED]");
      for (const secret of [token, "cookie-secret-value", "pw-value-1", "tok-value-2", TEST_JWT_SECRET, "dbpw-value-3"]) {
        assert.ok(!logs.text.includes(secret), `log must not contain ${secret.slice(0, 12)}…`);
      }
      // a request without an id gets a fresh one
      const anon = await app.inject({ method: "GET", url: "/livez" });
      assert.match(String(anon.headers["x-request-id"]), /^[0-9a-f]{8}-[0-9a-z]+$/);
    } finally {
      await app.close();
    }
  });

  describe("redaction (scrub)", () => {
    it("redacts secret keys at any depth, inside arrays, and in any key case, and keeps everything else", () => {
      const { logs, log, lines } = captured();
      log.info(
        {
          a: { b: { c: { password: "deep-pw-1", keep: "visible-1" } } }, // 3 levels deep
          list: [{ token: "arr-tok-2" }, [{ nested: { client_secret: "arr-sec-3" } }], "plain"],
          headers: { Authorization: "Bearer hdr-4", COOKIE: "c=hdr-5", "Set-Cookie": ["s=hdr-6"], "X-Api-Key": "hdr-7", accept: "*/*" },
          cfg: { DB_PASSWORD: "dbpw-8", JWT_SECRET: "jwt-9", refreshToken: "rt-10", accessToken: "at-11", dbPassword: "camel-12" },
          count: 3,
          when: new Date(0),
        },
        "nested",
      );
      const [line] = lines();
      assert.equal(line.a.b.c.password, REDACTED);
      assert.equal(line.a.b.c.keep, "visible-1");
      assert.equal(line.list[0].token, REDACTED);
      assert.equal(line.list[1][0].nested.client_secret, REDACTED);
      assert.equal(line.list[2], "plain");
      assert.deepEqual(line.headers, {
        Authorization: REDACTED,
        COOKIE: REDACTED,
        "Set-Cookie": REDACTED,
        "X-Api-Key": REDACTED,
        accept: "*/*",
      });
      assert.deepEqual(line.cfg, {
        DB_PASSWORD: REDACTED,
        JWT_SECRET: REDACTED,
        refreshToken: REDACTED,
        accessToken: REDACTED,
        dbPassword: REDACTED,
      });
      assert.equal(line.count, 3);
      assert.equal(line.when, new Date(0).toISOString());
      assert.doesNotMatch(logs.text, /(deep-pw|arr-tok|arr-sec|hdr|dbpw|jwt|rt|at|camel)-\d+/, logs.text);
    });

    it("does not modify the caller's object and returns it unchanged when there is nothing to redact", () => {
      const clean = { a: { b: [1, { c: "x" }] } };
      assert.equal(scrub(clean), clean, "no copy when nothing is secret");
      const dirty = { a: { password: "p" }, b: { c: 1 } };
      const out = scrub(dirty) as typeof dirty;
      assert.equal(dirty.a.password, "p", "caller's object untouched");
      assert.equal(out.a.password, REDACTED);
      assert.equal(out.b, dirty.b, "unchanged branches are shared, not copied");
    });

    it("bounds the walk: cycles and objects deeper than the limit are never written unscrubbed", () => {
      const { log, lines } = captured();
      const cyclic: Record<string, unknown> = { token: "cyc-tok" };
      cyclic.self = cyclic;
      let deep: Record<string, unknown> = { password: "too-deep-pw" };
      for (let i = 0; i < SCRUB_MAX_DEPTH + 5; i++) deep = { next: deep };
      log.info({ cyclic, deep }, "bounded");
      const [line] = lines();
      assert.equal(line.cyclic.token, REDACTED);
      assert.equal(line.cyclic.self, "[Circular]");
      assert.ok(!JSON.stringify(line).includes("too-deep-pw"));
      assert.match(JSON.stringify(line), /\[Truncated\]/);
    });

    it("redacts error fields (e.g. a driver's config.password) and keeps message and stack", () => {
      const { log, lines } = captured();
      const err = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED", config: { host: "db", password: "err-pw" } });
      log.error({ err }, "db error");
      log.error(err);
      for (const line of lines()) {
        assert.equal(line.err.message, "connect failed");
        assert.match(line.err.stack, /connect failed/);
        assert.equal(line.err.code, "ECONNREFUSED");
        assert.equal(line.err.config.password, REDACTED);
        assert.equal(line.err.config.host, "db");
      }
    });

    it("redacts child-logger bindings and secrets passed as top-level keys", () => {
      const { logs, log, lines } = captured();
      log
        .child({ token: "bind-tok", user: { password: "bind-pw", id: 7 } })
        .child({ requestId: "r1" })
        .info({ secret: "top-sec" }, "child");
      const [line] = lines();
      assert.equal(line.token, REDACTED);
      assert.deepEqual(line.user, { password: REDACTED, id: 7 });
      assert.equal(line.requestId, "r1");
      assert.equal(line.secret, REDACTED);
      assert.doesNotMatch(logs.text, /bind-tok|bind-pw|top-sec/);
    });
  });

  it("request loggers: probes at route level warn write nothing; handler logs carry reqId and are redacted", async () => {
    const logs = new LogCapture();
    const db = await migratedDatabase("logging_lazy");
    const app = await makeApp(db, { logStream: logs, config: { LOG_LEVEL: "info" } });
    app.get("/log-test", (req) => {
      req.log.debug({ password: "debug-pw" }, "not written at info");
      req.log.info({ password: "handler-pw", deep: { a: { b: { token: "handler-tok" } } } }, "handler line");
      return { ok: true };
    });
    try {
      assert.equal((await app.inject({ method: "GET", url: "/livez" })).statusCode, 200);
      assert.equal(logs.lines.length, 0, `probe wrote: ${logs.text}`);
      const res = await app.inject({ method: "GET", url: "/log-test", headers: { "x-request-id": "lazy-1" } });
      assert.equal(res.statusCode, 200);
      const lines = logs.lines.map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.reqId, l.msg]),
        [
          ["lazy-1", "handler line"],
          ["lazy-1", "request completed"],
        ],
      );
      assert.equal(lines[0].password, REDACTED);
      assert.equal(lines[0].deep.a.b.token, REDACTED);
      assert.doesNotMatch(logs.text, /debug-pw|handler-pw|handler-tok/);
    } finally {
      await app.close();
    }
  });
  it("logs URLs without query strings and never the raw bytes of a malformed request, even at trace level", async function () {
    this.timeout(60_000);
    const logs = new LogCapture();
    const db = await migratedDatabase("logging_raw");
    const app = await makeApp(db, { logStream: logs, config: { LOG_LEVEL: "trace" } });
    try {
      const auth = await bearer();
      const token = auth.authorization.split(" ")[1];
      const res = await app.inject({
        method: "GET",
        url: "/api/tickets/0190c5a8-7f00-7000-8000-000000000000?access_token=query-secret-1",
        headers: auth,
      });
      assert.equal(res.statusCode, 404);
      await app.listen({ port: 0, host: "127.0.0.1" });
      const port = (app.server.address() as import("node:net").AddressInfo).port;
      const net = await import("node:net");
      const sock = net.connect(port, "127.0.0.1");
      sock.on("error", () => undefined);
      // a broken request line with a credential behind it
      sock.write(`GET /livez HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nBroken Header Line\r\n\r\n`);
      let answer = "";
      sock.on("data", (d) => (answer += d));
      await new Promise((r) => sock.on("close", r));
      assert.match(answer, /^HTTP\/1.1 400 /);
      const lines = logs.lines.map((l) => JSON.parse(l));
      const access = lines.find((l) => l.msg === "request completed" && l.req?.url?.startsWith("/api/tickets"));
      assert.equal(access.req.url, "/api/tickets/0190c5a8-7f00-7000-8000-000000000000");
      assert.ok(
        lines.some((l) => l.msg === "client error"),
        logs.text,
      );
      assert.doesNotMatch(logs.text, /query-secret-1|rawPacket/);
      assert.ok(!logs.text.includes(token), "the token is not in the log");
    } finally {
      await app.close();
    }
  });
  it("request ids: a sane X-Request-Id, else a well-formed ALB trace Root, else a cheap per-process id", () => {
    const root = "1-5759e988-bd862e3fe1be46a994272793";
    assert.equal(genReqId({ headers: { "x-request-id": "abc-1" } }), "abc-1");
    assert.equal(genReqId({ headers: { "x-amzn-trace-id": `Self=1-5759e988-aaaaaaaaaaaaaaaaaaaaaaaa;Root=${root};Sampled=1` } }), root);
    for (const bad of [`Root=1-5759e988-BD862E3FE1BE46A994272793`, `Root=${root}x`, `Root=<script>`, `Root=${root};${"x".repeat(300)}`]) {
      assert.match(genReqId({ headers: { "x-amzn-trace-id": bad } }), /^[0-9a-f]{8}-[0-9a-z]+$/, bad.slice(0, 40));
    }
    const a = genReqId({ headers: {} });
    const b = genReqId({ headers: {} });
    assert.notEqual(a, b);
    assert.equal(a.split("-")[0], b.split("-")[0], "one prefix per process");
  });
});
