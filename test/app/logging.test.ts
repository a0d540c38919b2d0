import assert from "node:assert/strict";
import { testPostgres } from "./helpers/pg";
import { LogCapture, TEST_JWT_SECRET, bearer, makeApp, migratedDb } from "./helpers/app";

describe("app: logging", function () {
  this.timeout(20_000);

  it("writes JSON lines with request ids and redacts credentials and secrets", async () => {
    const pg = await testPostgres();
    const db = await pg.createDatabase("logging");
    await migratedDb(db);
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
      app.log.info({ user: { password: "pw-value-1" }, token: "tok-value-2", env: { JWT_SECRET: TEST_JWT_SECRET, DB_PASSWORD: "dbpw-value-3" } }, "careless log");

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
      assert.match(String(anon.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    } finally {
      await app.close();
    }
  });
});
