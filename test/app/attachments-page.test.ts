import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { bearer, makeApp, migratedDatabase } from "./helpers/app";
import type { Storage } from "../../app/src/s3";
import { newId } from "../../app/src/ids";
import { ATTACHMENT_PAGE_MAX } from "../../app/src/repositories/tickets";

/** Storage that counts presigning calls (no S3 needed: only the number of URLs matters here). */
function countingStorage() {
  const calls = { get: 0, put: 0 };
  const storage: Storage = {
    bucket: "counting",
    async presignPut(key) {
      calls.put++;
      return { url: `https://s3.example/${key}?put`, headers: {} };
    },
    async presignGet(key) {
      calls.get++;
      return `https://s3.example/${key}?get`;
    },
  };
  return { storage, calls };
}

describe("app: attachment list is paginated and presigns only the page", function () {
  this.timeout(40_000);
  let app: FastifyInstance;
  let auth: { authorization: string };
  const { storage, calls } = countingStorage();
  let ticketId: string;
  const ids: string[] = [];

  before(async function () {
    // the first file to ask boots the shared PostgreSQL (initdb), slow on a busy machine
    this.timeout(120_000);
    app = await makeApp(await migratedDatabase("attachment_pages"), { storage });
    auth = await bearer();
    ticketId = (await app.inject({ method: "POST", url: "/api/tickets", headers: auth, payload: { title: "many files" } })).json().id;
    // 250 rows straight into the table (as years of uploads would leave them)
    for (let i = 0; i < 250; i++) ids.push(newId());
    await app.db.query(
      `INSERT INTO attachments (id, ticket_id, file_name, content_type, size_bytes, object_key, created_by)
       SELECT id, $1, 'f.txt', 'text/plain', 1, 'tickets/' || id, 'seed' FROM unnest($2::uuid[]) AS id`,
      [ticketId, ids],
    );
  });
  after(async () => app?.close());

  it("answers 20 by default, at most 100, with a cursor through all of them, presigning one URL per listed item", async () => {
    const list = (query: Record<string, string>) =>
      app.inject({ method: "GET", url: `/api/tickets/${ticketId}/attachments`, headers: auth, query });
    calls.get = 0;
    const first = await list({});
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().items.length, 20);
    assert.equal(calls.get, 20, "only the page is presigned");
    assert.equal((await list({ limit: "101" })).statusCode, 400, "the cap is enforced");

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    calls.get = 0;
    do {
      const res = await list({ limit: String(ATTACHMENT_PAGE_MAX), ...(cursor ? { cursor } : {}) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.ok(body.items.length <= ATTACHMENT_PAGE_MAX);
      seen.push(...body.items.map((a: { id: string }) => a.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.equal(calls.get, 250);
    assert.deepEqual(seen, ids, "every attachment once, oldest first");
    assert.match((await list({ cursor: "bm90LWEtY3Vyc29y" })).json().message, /querystring\/cursor is not a valid cursor/);
  });
});
