import assert from "node:assert/strict";
import http from "node:http";
import { testPostgres, freePort } from "./helpers/pg";
import { TEST_JWT_SECRET, envFor, migratedDatabase, quietLog } from "./helpers/app";
import { exited, spawnEntry, waitForLog } from "./helpers/proc";
import { HangableProxy } from "./helpers/proxy";
import { SHUTDOWN_GRACE_MS } from "../../app/src/server";
import { closePool, createPool } from "../../app/src/db";
import type { Socket } from "node:net";
import type { Pool } from "pg";

describe("app: process lifecycle", function () {
  this.timeout(90_000);

  it("on SIGTERM finishes an in-flight request, refuses new work, closes the pool and exits 0 quickly", async () => {
    const db = await migratedDatabase("lifecycle");
    const port = await freePort();
    const child = spawnEntry("server", envFor(db, { PORT: String(port), SHUTDOWN_DRAIN_SECONDS: "1" }));
    try {
      await waitForLog(child, (l) => l.msg === "database reachable");
      const token = await (await import("../../app/src/token")).mintToken(TEST_JWT_SECRET, "ops");
      // An upload in progress: headers and half the body sent, the rest after SIGTERM.
      const body = JSON.stringify({ title: "sent during shutdown" });
      const inflight = new Promise<{ status?: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            port,
            method: "POST",
            path: "/api/tickets",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            let b = "";
            res.on("data", (d) => (b += d));
            res.on("end", () => resolve({ status: res.statusCode, body: b }));
          },
        );
        req.on("error", reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          child.kill("SIGTERM");
          setTimeout(() => req.end(body.slice(10)), 500);
        }, 300);
      });
      const t0 = Date.now();
      const res = await inflight;
      assert.equal(res.status, 201, res.body);
      assert.equal(JSON.parse(res.body).title, "sent during shutdown");
      const { code } = await exited(child);
      const elapsed = Date.now() - t0;
      assert.equal(code, 0, child.err());
      assert.ok(elapsed < 5000 && elapsed < SHUTDOWN_GRACE_MS, `exited ${elapsed} ms after the in-flight request was sent`);
      await waitForLog(child, (l) => l.msg === "shutdown complete");
      // the listener is gone
      await assert.rejects(fetch(`http://127.0.0.1:${port}/livez`));
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("starts without the database, logs each retry with backoff, serves /livez, and turns healthy when the database appears", async () => {
    const pg = await testPostgres();
    const db = await pg.createDatabase("late_db");
    const port = await freePort();
    const net = await import("node:net");
    // The database's address is held from the start (so no other socket can take the port, as a
    // port merely probed free could be), but until "the database comes up" every connection is
    // dropped at once: the app sees an unreachable database.
    let dbUp = false;
    const relay = net.createServer((c) => {
      if (!dbUp) {
        c.destroy();
        return;
      }
      const u = net.connect(db.DB_PORT, "127.0.0.1");
      c.pipe(u).pipe(c);
      c.on("error", () => u.destroy());
      u.on("error", () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const lateDbPort = (relay.address() as import("node:net").AddressInfo).port;
    const child = spawnEntry("server", envFor({ ...db, DB_PORT: lateDbPort }, { PORT: String(port) }));
    try {
      await waitForLog(child, (l) => l.msg === "listening");
      const first = await waitForLog(child, (l) => l.msg === "database not reachable yet, retrying" && l.attempt === 2);
      assert.equal(first.retryInMs, 1000);
      assert.equal((await fetch(`http://127.0.0.1:${port}/livez`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 503);
      // "the database comes up": from now on the port relays to PostgreSQL
      dbUp = true;
      await waitForLog(child, (l) => l.msg === "database reachable");
      assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
      child.kill("SIGTERM");
      assert.equal((await exited(child)).code, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      relay.close();
    }
  });
  it("drains on SIGTERM: keeps answering (with Connection: close) for SHUTDOWN_DRAIN_SECONDS, then exits 0", async () => {
    const db = await migratedDatabase("lifecycle_drain");
    const port = await freePort();
    const child = spawnEntry("server", envFor(db, { PORT: String(port), SHUTDOWN_DRAIN_SECONDS: "2" }));
    try {
      await waitForLog(child, (l) => l.msg === "database reachable", 40_000);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
      const get = () =>
        new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
          const req = http.get({ port, host: "127.0.0.1", path: "/livez", agent }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode, connection: res.headers.connection }));
          });
          req.on("error", reject);
        });
      assert.equal((await get()).connection, "keep-alive");
      child.kill("SIGTERM");
      const t0 = Date.now();
      await waitForLog(child, (l) => l.msg === "shutting down: draining, then closing", 40_000);
      // a kept-alive client keeps going through the drain: every request answered, none reset
      const during: { status?: number; connection?: string }[] = [];
      while (Date.now() - t0 < 1500) {
        during.push(await get());
        await new Promise((r) => setTimeout(r, 50));
      }
      agent.destroy();
      assert.ok(during.length >= 5, `${during.length} requests during the drain`);
      assert.ok(
        during.every((r) => r.status === 200 && r.connection === "close"),
        JSON.stringify(during.slice(0, 3)),
      );
      const { code } = await exited(child);
      assert.equal(code, 0, child.err());
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 1900 && elapsed < SHUTDOWN_GRACE_MS, `exited ${elapsed} ms after SIGTERM`);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("closing the pool leaves no database socket open, even one a frozen server keeps half-open (pool.end() alone leaves it)", async () => {
    const db = await migratedDatabase("lifecycle_halfopen");
    const proxy = new HangableProxy(db.DB_PORT);
    const dbPort = await proxy.listen();
    const sockets = (pool: Pool) => {
      const s: Socket[] = [];
      pool.on("connect", (c) => s.push((c as unknown as { connection: { stream: Socket } }).connection.stream));
      return s;
    };
    const pool = createPool({ ...db, DB_PORT: dbPort }, quietLog);
    const control = createPool({ ...db, DB_PORT: dbPort }, quietLog);
    const [ours, theirs] = [sockets(pool), sockets(control)];
    try {
      await Promise.all([pool.query("SELECT 1"), control.query("SELECT 1")]);
      proxy.freeze();
      // Control, so the scenario is real: pool.end() sends Terminate and half-closes, resolves,
      // and the socket stays open (it alone keeps a process alive) as the server never finishes.
      await control.end();
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(proxy.halfClosedByPeer >= 1, "control: the pool half-closed a socket the frozen server keeps open");
      assert.ok(theirs.length > 0 && theirs.every((s) => !s.destroyed), "control: pool.end() leaves the half-open socket");
      const t0 = Date.now();
      await closePool(pool, 300);
      assert.ok(Date.now() - t0 < 2000, "within its bound");
      assert.ok(ours.length > 0 && ours.every((s) => s.destroyed), "closePool destroyed every socket the pool opened");
    } finally {
      for (const s of theirs) s.destroy();
      await proxy.close();
    }
  });

  // The database hung with a pool connection open: on shutdown the pool sends Terminate and
  // half-closes (FIN); the frozen server never finishes the close, so that socket alone would keep
  // the process alive after "shutdown complete" (ECS would SIGKILL it: exit 137).
  it("exits 0 promptly on SIGTERM even when the database froze with a connection open (half-open socket)", async () => {
    const db = await migratedDatabase("lifecycle_frozen");
    const proxy = new HangableProxy(db.DB_PORT);
    const dbPort = await proxy.listen();
    const port = await freePort();
    const child = spawnEntry("server", envFor({ ...db, DB_PORT: dbPort }, { PORT: String(port), SHUTDOWN_DRAIN_SECONDS: "0" }));
    try {
      await waitForLog(child, (l) => l.msg === "database reachable", 40_000);
      proxy.freeze();
      child.kill("SIGTERM");
      const t0 = Date.now();
      const outcome = await Promise.race([exited(child), new Promise<"still running">((r) => setTimeout(() => r("still running"), 8000))]);
      assert.notEqual(outcome, "still running", `did not exit within 8 s:\n${child.out()}`);
      assert.equal((outcome as { code: number | null }).code, 0, child.err());
      assert.ok(Date.now() - t0 < 8000);
      await waitForLog(child, (l) => l.msg === "shutdown complete");
      assert.ok(proxy.halfClosedByPeer >= 1, "the app half-closed a database socket the frozen server kept open");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await proxy.close();
    }
  });
});
