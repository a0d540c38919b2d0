import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { testPostgres, type TestPostgres } from "./helpers/pg";
import { bearer, makeApp, migratedDb } from "./helpers/app";
import { HangableProxy } from "./helpers/proxy";

const BOUND_MS = 2000;

async function timedHealth(app: FastifyInstance) {
  const t0 = performance.now();
  const res = await app.inject({ method: "GET", url: "/health" });
  return { res, ms: performance.now() - t0, body: res.json() };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("app: health and liveness", function () {
  this.timeout(90_000);
  let pg: TestPostgres;

  before(async function () {
    // the first file to ask boots the shared PostgreSQL (initdb), slow on a busy machine
    this.timeout(120_000);
    pg = await testPostgres();
  });

  it("/health is 200 with the documented shape and /livez needs nothing", async () => {
    const db = await pg.createDatabase("health_shape");
    await migratedDb(db);
    const app = await makeApp(db);
    try {
      const { res, body } = await timedHealth(app);
      assert.equal(res.statusCode, 200);
      // public: status and version only (details go to the logs)
      assert.deepEqual(body, { status: "healthy", version: "test-1.2.3" });
      assert.equal(res.headers["cache-control"], "no-store");
    } finally {
      await app.close();
    }
    // /livez on an app whose database does not exist at all
    const nowhere = await makeApp({ ...db, DB_PORT: 1 });
    try {
      const live = await nowhere.inject({ method: "GET", url: "/livez" });
      assert.equal(live.statusCode, 200);
      assert.deepEqual(live.json(), { status: "ok" });
    } finally {
      await nowhere.close();
    }
  });

  it("goes 503 within 2 s when PostgreSQL stops, and recovers after it restarts without an app restart", async () => {
    const db = await pg.createDatabase("health_stop");
    const app = await makeApp(db);
    try {
      assert.equal((await timedHealth(app)).res.statusCode, 200);
      await pg.stop();
      try {
        const down = await timedHealth(app);
        assert.equal(down.res.statusCode, 503);
        assert.deepEqual(down.body, { status: "unhealthy", version: "test-1.2.3", failed: ["database"] });
        assert.ok(down.ms < BOUND_MS, `answered in ${down.ms} ms`);
        // an API call while the DB is down is a 503 with a retry hint, not a 500
        const api = await app.inject({ method: "GET", url: "/api/tickets", headers: await bearer() });
        assert.equal(api.statusCode, 503, api.body);
        assert.equal(api.headers["retry-after"], "5");
      } finally {
        await pg.start();
      }
      const back = await until(
        () => timedHealth(app),
        (h) => h.res.statusCode === 200,
        10_000,
      );
      assert.equal(back.res.statusCode, 200, "healthy again after the database restarted");
    } finally {
      await app.close();
    }
  });

  it("goes 503 within 2 s when the database hangs (accepts TCP, never answers), then recovers", async () => {
    const db = await pg.createDatabase("health_hang");
    const proxy = new HangableProxy(db.DB_PORT);
    const app = await makeApp({ ...db, DB_PORT: await proxy.listen() });
    try {
      assert.equal((await timedHealth(app)).res.statusCode, 200);
      proxy.hang();
      // several rounds: hung connections must not pile up and slow later checks down
      for (let i = 0; i < 4; i++) {
        const all = await Promise.all([timedHealth(app), timedHealth(app), timedHealth(app)]);
        for (const h of all) {
          assert.equal(h.res.statusCode, 503);
          assert.ok(h.ms < BOUND_MS, `round ${i}: answered in ${Math.round(h.ms)} ms`);
        }
      }
      proxy.recover();
      const back = await until(
        () => timedHealth(app),
        (h) => h.res.statusCode === 200,
        10_000,
      );
      assert.equal(back.res.statusCode, 200, "healthy again after the database stopped hanging");
    } finally {
      await app.close();
      await proxy.close();
    }
  });
});
