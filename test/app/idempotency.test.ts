import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { LogCapture, bearer, makeApp, migratedDatabase } from "./helpers/app";
import { HangableProxy } from "./helpers/proxy";
import type { DbConfig } from "../../app/src/config";
import type { Storage } from "../../app/src/s3";

const storage: Storage = {
  bucket: "fake",
  presignPut: async (key) => ({ url: `https://s3.example/${key}`, headers: {} }),
  presignGet: async (key) => `https://s3.example/${key}`,
};

describe("app: idempotent writes (Idempotency-Key)", function () {
  this.timeout(40_000);
  let db: DbConfig;
  let app: FastifyInstance;
  let auth: { authorization: string };

  before(async function () {
    // the first file to ask boots the shared PostgreSQL (initdb), slow on a busy machine
    this.timeout(120_000);
    db = await migratedDatabase("idempotency");
    app = await makeApp(db, { storage });
    auth = await bearer("alice@example.com");
  });
  after(async () => app?.close());

  const post = (key: string | undefined, payload: object, headers = auth, url = "/api/tickets") =>
    app.inject({ method: "POST", url, headers: { ...headers, ...(key === undefined ? {} : { "idempotency-key": key }) }, payload });
  const count = async (title: string) =>
    Number((await app.db.query("SELECT count(*) FROM tickets WHERE title = $1", [title])).rows[0].count);

  it("replays the first answer for a retry with the same key, and writes once", async () => {
    const first = await post("k-1", { title: "once" });
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers["idempotent-replayed"], undefined);
    const again = await post("k-1", { title: "once" });
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers["idempotent-replayed"], "true");
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(await count("once"), 1);
    // without a key, each POST is a new write (as before)
    await post(undefined, { title: "twice" });
    await post(undefined, { title: "twice" });
    assert.equal(await count("twice"), 2);
  });

  it("refuses the same key for a different request (422) and a malformed key (400); keys are per user and expire", async () => {
    await post("k-2", { title: "first use" });
    const other = await post("k-2", { title: "another request" });
    assert.equal(other.statusCode, 422);
    assert.match(other.json().message, /already used for a different request/);
    const bad = await post("x".repeat(256), { title: "bad key" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /headers\/idempotency-key/);

    // another user's same key is another key
    const bob = await post("k-2", { title: "first use" }, await bearer("bob@example.com"));
    assert.equal(bob.statusCode, 201);
    assert.equal(bob.headers["idempotent-replayed"], undefined);
    assert.equal(await count("first use"), 2);

    // an expired key is a new key
    await app.db.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'k-2' AND user_sub = 'alice@example.com'",
    );
    const renewed = await post("k-2", { title: "another request" });
    assert.equal(renewed.statusCode, 201);
    assert.equal(renewed.headers["idempotent-replayed"], undefined);
    assert.equal((await app.idempotency.purgeExpired()) >= 0, true);
  });

  it("attachment creation replays the same upload", async () => {
    const ticket = (await post(undefined, { title: "with upload" })).json();
    const body = { fileName: "a.txt", contentType: "text/plain", size: 3 };
    const first = await post("up-1", body, auth, `/api/tickets/${ticket.id}/attachments`);
    const again = await post("up-1", body, auth, `/api/tickets/${ticket.id}/attachments`);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.json().id, first.json().id);
    assert.equal(Number((await app.db.query("SELECT count(*) FROM attachments WHERE ticket_id = $1", [ticket.id])).rows[0].count), 1);
  });

  it("a write whose answer never came is a 504 'outcome unknown — retry with the same Idempotency-Key', and that retry writes once", async () => {
    const proxy = new HangableProxy(db.DB_PORT);
    const logs = new LogCapture();
    const hung = await makeApp(
      { ...db, DB_PORT: await proxy.listen() },
      { storage, poolOverrides: { query_timeout: 500 }, logStream: logs, config: { LOG_LEVEL: "info" } },
    );
    try {
      // two established connections (a statement is only "sent" on one; a new connection would
      // fail to connect instead, which is a plain 503: nothing was sent)
      const warm = await Promise.all([1, 2].map(() => hung.inject({ method: "GET", url: "/api/tickets?limit=1", headers: auth })));
      assert.deepEqual(
        warm.map((r) => r.statusCode),
        [200, 200],
      );
      assert.equal(hung.db.totalCount, 2);
      proxy.hang();
      for (const key of ["lost-1", undefined]) {
        const res = await hung.inject({
          method: "POST",
          url: "/api/tickets",
          headers: { ...auth, ...(key ? { "idempotency-key": key } : {}) },
          payload: { title: "lost answer" },
        });
        assert.equal(res.statusCode, 504, res.body + logs.text);
        assert.match(res.json().message, /outcome is unknown: retry with the same Idempotency-Key/);
        assert.equal(res.headers["retry-after"], undefined, "not a 'retry shortly' 503");
      }
      // reads during the outage stay 503 "retry shortly"
      assert.equal((await hung.inject({ method: "GET", url: "/api/tickets", headers: auth })).statusCode, 503);
      proxy.recover();
      let retry;
      for (let i = 0; i < 20; i++) {
        retry = await hung.inject({
          method: "POST",
          url: "/api/tickets",
          headers: { ...auth, "idempotency-key": "lost-1" },
          payload: { title: "lost answer" },
        });
        if (retry.statusCode === 201) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(retry!.statusCode, 201, retry!.body);
      const again = await hung.inject({
        method: "POST",
        url: "/api/tickets",
        headers: { ...auth, "idempotency-key": "lost-1" },
        payload: { title: "lost answer" },
      });
      assert.equal(again.json().id, retry!.json().id);
      const keyed = await app.db.query("SELECT count(*) FROM idempotency_keys WHERE key = 'lost-1'");
      assert.equal(Number(keyed.rows[0].count), 1);
    } finally {
      await hung.close();
      await proxy.close();
    }
  });
});
