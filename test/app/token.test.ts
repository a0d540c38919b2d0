import assert from "node:assert/strict";
import { TEST_JWT_SECRET } from "./helpers/app";
import { mintToken } from "../../app/src/token";
import { exited, spawnEntry } from "./helpers/proc";

describe("app: npm run token", function () {
  this.timeout(20_000);

  it("mints an HS256 token for the subject that expires", async () => {
    const child = spawnEntry("token", { JWT_SECRET: TEST_JWT_SECRET }, ["ops@example.com", "--ttl", "15m"]);
    assert.equal((await exited(child)).code, 0, child.err());
    const [header, payload] = child
      .out()
      .trim()
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
    assert.equal(header.alg, "HS256");
    assert.equal(payload.sub, "ops@example.com");
    assert.equal(payload.exp - payload.iat, 900);
  });

  it("refuses to run without a usable JWT_SECRET or subject, without printing the secret", async () => {
    const noSecret = spawnEntry("token", { JWT_SECRET: "short-secret" }, ["ops"]);
    assert.equal((await exited(noSecret)).code, 1);
    assert.match(noSecret.err(), /JWT_SECRET must be at least 32 characters/);
    assert.ok(!noSecret.err().includes("short-secret"));
    const noSubject = spawnEntry("token", { JWT_SECRET: TEST_JWT_SECRET }, []);
    assert.equal((await exited(noSubject)).code, 2);
    assert.match(noSubject.err(), /Usage: npm run token -- <subject>/);
  });
  it("caps --ttl at the maximum token age (JWT_MAX_AGE_SECONDS, default 12 h)", async () => {
    const ok = spawnEntry("token", { JWT_SECRET: TEST_JWT_SECRET }, ["ops", "--ttl", "12h"]);
    assert.equal((await exited(ok)).code, 0, ok.err());
    const tooLong = spawnEntry("token", { JWT_SECRET: TEST_JWT_SECRET }, ["ops", "--ttl", "13h"]);
    assert.equal((await exited(tooLong)).code, 2);
    assert.match(tooLong.err(), /--ttl 13h is longer than the maximum token age \(43200 s, JWT_MAX_AGE_SECONDS\)/);
    assert.equal(tooLong.out(), "");
    const lowered = spawnEntry("token", { JWT_SECRET: TEST_JWT_SECRET, JWT_MAX_AGE_SECONDS: "3600" }, ["ops", "--ttl", "2h"]);
    assert.equal((await exited(lowered)).code, 2);
    await assert.rejects(mintToken(TEST_JWT_SECRET, "ops", "7d"), /maximum token age/);
  });
});
