import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { FastifyInstance } from "fastify";
import { LogCapture, bearer, makeApp, migratedDatabase } from "./helpers/app";
import { ECS_STOP_TIMEOUT_MS, checkTimeouts, serverTimeouts, timeoutProblems, type ServerTimeouts } from "../../app/src/timeouts";
import { ENV_DEFAULTS } from "../../app/src/env-defaults";
import { loadConfig } from "../../app/src/config";

/** Short timeouts with the production relations, so the behaviour shows in seconds. */
const SHORT: ServerTimeouts = {
  requestMs: 1200,
  headersMs: 600,
  keepAliveMs: 2500,
  connectionMs: 3000,
  checkIntervalMs: 100,
  drainMs: 0,
  shutdownMs: 5000,
};

describe("app: server timeouts (one module, their relations)", function () {
  this.timeout(30_000);

  it("the defaults hold every relation: headers <= request, idle keep-alive > headers, ALB idle < keep-alive, shutdown < ECS stop timeout", () => {
    const t = serverTimeouts();
    assert.deepEqual(timeoutProblems(t, 60), []);
    assert.ok(t.headersMs <= t.requestMs);
    assert.ok(t.headersMs < t.keepAliveMs);
    assert.ok(t.keepAliveMs <= t.connectionMs);
    assert.ok(t.drainMs + t.requestMs < t.shutdownMs && t.shutdownMs < ECS_STOP_TIMEOUT_MS);
    assert.equal(t.keepAliveMs, ENV_DEFAULTS.KEEP_ALIVE_TIMEOUT_SECONDS * 1000);
    // the infra passes KEEP_ALIVE_TIMEOUT_SECONDS = ALB idle + 5, so the relation holds for any ALB setting
    for (const alb of [1, 60, 120, 3995]) assert.deepEqual(timeoutProblems(serverTimeouts({ keepAliveSeconds: alb + 5 }), alb), []);
    // and each relation is enforced
    assert.match(timeoutProblems(t, 65).join(), /ALB idle timeout \(65 s\) must be below the keep-alive timeout/);
    assert.throws(() => checkTimeouts({ ...t, headersMs: t.requestMs + 1 }), /headersMs .* must not exceed requestMs/);
    assert.throws(() => checkTimeouts({ ...t, keepAliveMs: t.headersMs }), /headersMs .* must be below keepAliveMs/);
    assert.throws(() => checkTimeouts({ ...t, shutdownMs: ECS_STOP_TIMEOUT_MS }), /ECS stop timeout/);
    // KEEP_ALIVE_TIMEOUT_SECONDS and SHUTDOWN_DRAIN_SECONDS come from the env contract
    const cfg = loadConfig({
      DB_HOST: "h",
      DB_NAME: "n",
      DB_USER: "u",
      DB_PASSWORD: "p",
      S3_BUCKET: "bucket",
      AWS_REGION: "eu-west-1",
      JWT_SECRET: "x".repeat(32),
      KEEP_ALIVE_TIMEOUT_SECONDS: "75",
    });
    assert.equal(cfg.KEEP_ALIVE_TIMEOUT_SECONDS, 75);
    assert.equal(cfg.SHUTDOWN_DRAIN_SECONDS, ENV_DEFAULTS.SHUTDOWN_DRAIN_SECONDS);
  });

  describe("on a listening server", () => {
    let app: FastifyInstance;
    let port: number;
    const logs = new LogCapture();

    before(async function () {
      // the first file to ask boots the shared PostgreSQL (initdb), slow on a busy machine
      this.timeout(120_000);
      app = await makeApp(await migratedDatabase("timeouts"), { timeouts: SHORT, logStream: logs, config: { LOG_LEVEL: "info" } });
      await app.listen({ port: 0, host: "127.0.0.1" });
      port = (app.server.address() as net.AddressInfo).port;
    });
    after(async () => app?.close());

    it("the Node server carries exactly the module's values", () => {
      assert.equal(app.server.requestTimeout, SHORT.requestMs);
      assert.equal(app.server.headersTimeout, SHORT.headersMs);
      assert.equal(app.server.keepAliveTimeout, SHORT.keepAliveMs);
      assert.equal(app.server.timeout, SHORT.connectionMs);
    });

    it("cuts a slow body at the request timeout with a 408 in the one error shape, and logs it", async () => {
      const sock = net.connect(port, "127.0.0.1");
      let received = "";
      sock.on("data", (d) => (received += d));
      const closed = new Promise<void>((r) => sock.on("close", () => r()));
      sock.on("error", () => undefined);
      sock.write(
        `POST /api/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: ${(await bearer()).authorization}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
      );
      const started = Date.now();
      // one byte every 200 ms: the request would take 20 s
      const drip = setInterval(() => sock.writable && sock.write(" "), 200);
      const guard = setTimeout(() => sock.destroy(), 8000);
      await closed;
      clearInterval(drip);
      clearTimeout(guard);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 4000, `closed after ${elapsed} ms`);
      assert.match(received, /^HTTP\/1.1 408 Request Timeout\r\n/);
      assert.match(received, /strict-transport-security: max-age=31536000/i);
      const body = JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4));
      assert.equal(body.statusCode, 408);
      assert.equal(body.error, "Request Timeout");
      assert.match(body.requestId, /\S/);
      const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "client error" && l.statusCode === 408);
      assert.ok(line, logs.text);
      assert.equal(line.requestId, body.requestId);
    });

    it("keeps an idle kept-alive socket open past the headers timeout and serves its next request", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = () =>
        new Promise<{ status?: number; socket: net.Socket }>((resolve, reject) => {
          const req = http.get({ port, host: "127.0.0.1", path: "/livez", agent }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode, socket: req.socket! }));
          });
          req.on("error", reject);
        });
      try {
        const first = await get();
        await new Promise((r) => setTimeout(r, SHORT.headersMs * 2.5)); // idle for longer than headersTimeout
        const second = await get();
        assert.equal(second.status, 200);
        assert.equal(second.socket, first.socket, "the same socket was reused");
      } finally {
        agent.destroy();
      }
    });
  });
});
