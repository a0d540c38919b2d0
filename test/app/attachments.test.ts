import assert from "node:assert/strict";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { FastifyInstance } from "fastify";
import { bearer, makeApp, migratedDatabase } from "./helpers/app";
import { motoMissingReason, startMoto } from "./helpers/moto";
import { createStorage } from "../../app/src/s3";

describe("app: attachments via presigned S3 URLs (moto_server)", function () {
  this.timeout(40_000);
  let app: FastifyInstance;
  let moto: Awaited<ReturnType<typeof startMoto>> | undefined;
  const saved = { ...process.env };
  const bucket = "paved-attachments-test";

  before(async function () {
    const missing = motoMissingReason();
    if (missing) {
      // CI sets PAVED_REQUIRE_MOTO: there a missing emulator is a failure, never a silent skip.
      if (process.env.PAVED_REQUIRE_MOTO) throw new Error(`PAVED_REQUIRE_MOTO is set but ${missing}`);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    moto = await startMoto();
    // The default credential chain picks these up from the environment (as it picks up the task role on ECS).
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "eu-west-1" });
    await new S3Client({ endpoint: moto.endpoint, region: "eu-west-1", forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }),
    );
    const db = await migratedDatabase("attachments");
    app = await makeApp(db, { storage: createStorage({ bucket, region: "eu-west-1", endpoint: moto.endpoint }) });
  });
  after(async () => {
    await app?.close();
    await moto?.stop();
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("uploads through the presigned PUT URL and downloads through the presigned GET URL", async () => {
    const auth = await bearer();
    const ticket = (await app.inject({ method: "POST", url: "/api/tickets", headers: auth, payload: { title: "with file" } })).json();
    const content = Buffer.from("hello from the ticket\n");
    const res = await app.inject({
      method: "POST",
      url: `/api/tickets/${ticket.id}/attachments`,
      headers: auth,
      payload: { fileName: "notes.txt", contentType: "text/plain", size: content.length },
    });
    assert.equal(res.statusCode, 201, res.body);
    const up = res.json();
    assert.equal(up.method, "PUT");
    assert.deepEqual(up.headers, { "Content-Type": "text/plain", "Content-Length": String(content.length) });
    const signed = new URL(up.uploadUrl).searchParams;
    assert.equal(signed.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.equal(signed.get("X-Amz-Expires"), "300");
    // content type and size are part of the signature, so S3 rejects another type or size
    assert.deepEqual(signed.get("X-Amz-SignedHeaders")?.split(";").sort(), ["content-length", "content-type", "host"]);
    assert.ok(new URL(up.uploadUrl).pathname.startsWith(`/${bucket}/tickets/${ticket.id}/`), "path-style URL when S3_ENDPOINT is set");

    const put = await fetch(up.uploadUrl, { method: "PUT", headers: { "content-type": "text/plain" }, body: content });
    assert.equal(put.status, 200, await put.text());

    const list = await app.inject({ method: "GET", url: `/api/tickets/${ticket.id}/attachments`, headers: auth });
    assert.equal(list.statusCode, 200);
    const [item] = list.json().items;
    assert.equal(item.fileName, "notes.txt");
    assert.equal(item.size, content.length);
    const get = await fetch(item.downloadUrl);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), content.toString());
    // S3 serves it as a download (moto ignores this override, so check what was signed)
    assert.equal(new URL(item.downloadUrl).searchParams.get("response-content-disposition"), 'attachment; filename="notes.txt"');
  });

  it("refuses disallowed content types, oversize files and unsafe names before signing anything", async () => {
    const auth = await bearer();
    const ticket = (await app.inject({ method: "POST", url: "/api/tickets", headers: auth, payload: { title: "limits" } })).json();
    for (const [payload, match] of [
      [
        { fileName: "x.exe", contentType: "application/x-msdownload", size: 10 },
        /body\/contentType must be equal to one of the allowed values/,
      ],
      [{ fileName: "big.pdf", contentType: "application/pdf", size: 10 * 1024 * 1024 + 1 }, /body\/size must be <= 10485760/],
      [{ fileName: "../../etc/passwd", contentType: "text/plain", size: 10 }, /body\/fileName must match pattern/],
      [{ fileName: "zero.txt", contentType: "text/plain", size: 0 }, /body\/size must be >= 1/],
    ] as const) {
      const res = await app.inject({ method: "POST", url: `/api/tickets/${ticket.id}/attachments`, headers: auth, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(res.json().message, match);
    }
    const list = await app.inject({ method: "GET", url: `/api/tickets/${ticket.id}/attachments`, headers: auth });
    assert.deepEqual(list.json().items, []);
  });
});
