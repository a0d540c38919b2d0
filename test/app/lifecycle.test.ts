import assert from "node:assert/strict";
import http from "node:http";
import { testPostgres, freePort } from "./helpers/pg";
import { TEST_JWT_SECRET, envFor, migratedDatabase } from "./helpers/app";
import { exited, spawnEntry, waitForLog } from "./helpers/proc";
import { SHUTDOWN_GRACE_MS } from "../../app/src/server";

describe("app: process lifecycle", function () {
  this.timeout(40_000);

  it("on SIGTERM finishes an in-flight request, refuses new work, closes the pool and exits 0 quickly", async () => {
    const db = await migratedDatabase("lifecycle");
    const port = await freePort();
    const child = spawnEntry("server", envFor(db, { PORT: String(port) }));
    try {
      await waitForLog(child, (l) => l.msg === "database reachable");
      const token = await (await import("../../app/src/token")).mintToken(TEST_JWT_SECRET, "ops");
      // An upload in progress: headers and half the body sent, the rest after SIGTERM.
      const body = JSON.stringify({ title: "sent during shutdown" });
      const inflight = new Promise<{ status?: number; body: string }>((resolve, reject) => {
        const req = http.request({ port, method: "POST", path: "/api/tickets", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
          let b = "";
          res.on("data", (d) => (b += d));
          res.on("end", () => resolve({ status: res.statusCode, body: b }));
        });
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
});
