import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createVerifier } from "fast-jwt";
import { REPO_ROOT, exited, spawnEntry } from "./helpers/proc";

describe("app: npm run dev and npm run token together", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "paved-dev-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("npm run token needs no variables next to npm run dev: it signs with the dev server's secret", async () => {
    const secret = "dev-secret-written-by-npm-run-dev-0123456789";
    writeFileSync(join(dir, "jwt-secret"), secret);
    const child = spawnEntry("token", { PAVED_DEV_DIR: dir }, ["dev@localhost"]);
    assert.equal((await exited(child)).code, 0, child.err());
    assert.match(child.err(), /using the local dev secret of npm run dev/);
    const claims = createVerifier({ key: secret, algorithms: ["HS256"] })(child.out().trim());
    assert.equal(claims.sub, "dev@localhost");
  });

  it("a second npm run dev on the same checkout says the first is running and exits 1", async () => {
    // the first one's lock: a live process (this one) and its URL
    writeFileSync(join(dir, "dev.lock"), JSON.stringify({ pid: process.pid, url: "http://127.0.0.1:3000" }));
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(REPO_ROOT, "app", "scripts", "dev.ts")], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", PAVED_DEV_DIR: dir, NODE_OPTIONS: "--no-deprecation --no-warnings" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const { code } = await exited(child);
    assert.equal(code, 1, err);
    assert.match(err, new RegExp(`npm run dev is already running \\(pid ${process.pid}, http://127.0.0.1:3000\\)`));
    assert.doesNotMatch(err, /TypeError/);
  });
});
