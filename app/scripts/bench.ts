/**
 * `npm run bench:app` — loopback load tests with autocannon (bounded: about 3 min with the defaults):
 *  1. /livez of the real app vs a bare Fastify hello-world, in alternating rounds (BENCH_ROUNDS, default 7)
 *     of BENCH_SECONDS (default 4) each, same settings; the ratio is the median of the rounds;
 *  2. GET /api/tickets/:id at 50 connections against a real PostgreSQL, in alternating rounds
 *     (BENCH_TICKET_ROUNDS, default 5) with the "floor" server (bench-server.ts: bare Fastify, the
 *     app's pool, repository and schemas, nothing else);
 *  3. /health while the database hangs (a TCP listener that never answers);
 *  4. in each ticket round also the machine's own tail: the hello-world server at a paced, light
 *     load (MACHINE_CHECK_RATE).
 * Servers run in child processes so the load generator does not share their event loop,
 * and as compiled JavaScript under plain `node`, as in the image: under ts-node the
 * servers would also carry its require hook and the `domain` module it loads, which
 * slows every EventEmitter.emit and is not what production runs.
 *
 * Method (server vs server): with 2+ CPUs and `taskset` available, every server runs
 * pinned to the last CPU and the load generator and PostgreSQL to the others, so the
 * hello-world baseline and the app get the same single core and autocannon never
 * competes with the server it measures (unpinned, the four processes share all cores
 * and the ratio mostly measures the scheduler). For every run the bench also reads
 * the server's CPU time from /proc: "server busy" near 100% means the server was the
 * limit; well below 100% means the load generator was (then compare CPU µs/request,
 * which does not depend on how fast the client is). BENCH_PIN=0 turns pinning off.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import autocannon from "autocannon";
import { Client } from "pg";
import { runMigrations } from "../src/migrate";
import { freePort, startLocalPostgres } from "./embedded-pg";
import { mintToken } from "../src/token";

/** Seconds per measured run. */
const DURATION = Number(process.env.BENCH_SECONDS) || 4;
/** Alternating hello-world / `/livez` rounds, and rounds of the ticket read. */
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const TICKET_ROUNDS = Number(process.env.BENCH_TICKET_ROUNDS) || 5;
const children: ChildProcess[] = [];
/**
 * BENCH_CPU_PROF=<dir>: every server writes a V8 CPU profile (`node --cpu-prof`) into <dir> when the
 * bench ends (open it in Chrome DevTools' Performance panel), to see where a request's time goes.
 */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;

const APP_DIR = join(__dirname, "..");
// Under app/scripts/ so the compiled files resolve the same node_modules; ignored by git (dist/).
const BUILD_DIR = join(__dirname, "dist");

/** tsc of app/src + app/scripts (same compiler settings as the image build) into BUILD_DIR. */
function compileServers(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(APP_DIR, "tsconfig.json"), "--outDir", BUILD_DIR], {
    stdio: "inherit",
  });
  return join(BUILD_DIR, "scripts", "bench-server.js");
}
let serverEntry = "";

/** Pinning plan: servers on the last CPU, everything else (autocannon, PostgreSQL) on the rest. */
function pinPlan(): { server: string; client: string } | undefined {
  const cpus = availableParallelism();
  if (process.env.BENCH_PIN === "0" || process.platform !== "linux" || cpus < 2) return undefined;
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
  } catch {
    return undefined; // util-linux not installed: run unpinned and say so
  }
  return { server: String(cpus - 1), client: cpus === 2 ? "0" : `0-${cpus - 2}` };
}
const PIN = pinPlan();
const CLK_TCK = 100; // USER_HZ; Linux reports /proc CPU times in these ticks on every mainstream arch

/** The CPUs autocannon and PostgreSQL run on (all of them when unpinned). */
function clientCpus(): Set<number> | undefined {
  if (!PIN) return undefined;
  const [a, b = a] = PIN.client.split("-").map(Number);
  return new Set(Array.from({ length: b - a + 1 }, (_, i) => a + i));
}
const CLIENT_CPUS = clientCpus();

/** [busy, total] jiffies of the client CPUs, from /proc/stat (idle and iowait count as idle). */
function clientCpuTicks(): [number, number] {
  let busy = 0;
  let total = 0;
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m || (CLIENT_CPUS && !CLIENT_CPUS.has(Number(m[1])))) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    const all = f.slice(0, 8).reduce((x, y) => x + y, 0);
    total += all;
    busy += all - f[3] - f[4];
  }
  return [busy, total];
}

/** user+system CPU seconds a process has used so far (all its threads). */
function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

interface Server {
  url: string;
  pid: number;
}

function serve(kind: "app" | "hello" | "floor", env: Record<string, string> = {}): Promise<Server> {
  // taskset execs node in place, so child.pid is the server's pid.
  const node = [process.execPath, ...(CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF_DIR}`] : []), serverEntry, kind];
  const [cmd, args] = PIN ? ["taskset", ["-c", PIN.server, ...node]] : [node[0], node.slice(1)];
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env, NODE_OPTIONS: "--no-warnings" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = out.match(/URL (\S+)/);
      if (m) resolve({ url: m[1], pid: child.pid! });
    });
    child.once("exit", (code) => reject(new Error(`${kind} server exited ${code}`)));
  });
}

type Run = Awaited<ReturnType<typeof load>>;

/**
 * Load until the server's CPU per request settles (two 2 s runs within 10%, at most 8 runs): JIT
 * tiers, the pool's connections and the prepared statements are in place, as in a task that has
 * been serving for a while; a fixed short warm-up left the first measured round the slowest.
 */
async function warmUp(server: Server, path: string, headers: Record<string, string>) {
  let previous = Infinity;
  for (let i = 0; i < 8; i++) {
    const { cpuUs } = await load(server, path, 50, 2, headers);
    if (Math.abs(cpuUs - previous) / cpuUs < 0.1) return;
    previous = cpuUs;
  }
}

/** Requests per second of the machine check: about a tenth of one CPU for the hello-world server. */
const MACHINE_CHECK_RATE = 2000;

/**
 * Open-loop load at a fixed rate (unlike autocannon's, which sends each second's quota at full
 * speed and then waits): a request is started every 1/rate s on up to `connections` kept-alive
 * sockets, and its latency is timed from its own start. At a light load against a trivial server
 * the tail is the machine's own (its vCPUs or the load generator stalling), not queueing.
 */
async function paced(server: Server, path: string, rate: number, seconds: number, connections: number) {
  const url = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let inFlight = 0;
  let sent = 0;
  let errors = 0;
  let skipped = 0; // due while every connection was busy
  loopDelay.enable();
  const cpuBefore = cpuSeconds(server.pid);
  const start = performance.now();
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - start;
      for (const due = Math.floor((elapsed / 1000) * rate); sent < due; sent++) {
        if (inFlight >= connections) {
          skipped++;
          continue;
        }
        inFlight++;
        const t0 = performance.now();
        http
          .get({ host: url.hostname, port: url.port, path, agent }, (res) => {
            res.resume();
            res.on("end", () => {
              inFlight--;
              if (res.statusCode === 200) latencies.push(performance.now() - t0);
              else errors++;
            });
          })
          .on("error", () => (inFlight--, errors++));
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(tick);
        const wait = setInterval(() => inFlight === 0 && (clearInterval(wait), done()), 5);
      }
    }, 1);
  });
  const busy = Math.round(((cpuSeconds(server.pid) - cpuBefore) / seconds) * 100);
  loopDelay.disable();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), max: q(1), busy, errors, skipped, generatorStallMs: Math.round(loopDelay.max / 1e5) / 10 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Every figure of a target as the median over its rounds (errors summed). */
function medianRun(runs: Run[]): Run {
  const pick = (k: keyof Run) => median(runs.map((r) => r[k]));
  return {
    cpuUs: Math.round(pick("cpuUs") * 10) / 10,
    busy: Math.round(pick("busy")),
    clientBusy: Math.round(pick("clientBusy")),
    reqPerSec: Math.round(pick("reqPerSec")),
    p50: pick("p50"),
    p99: pick("p99"),
    max: pick("max"),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    total: runs.reduce((n, r) => n + r.total, 0),
  };
}

async function load(server: Server, path: string, connections: number, duration = DURATION, headers: Record<string, string> = {}) {
  const cpuBefore = cpuSeconds(server.pid);
  const [clientBusyBefore, clientTotalBefore] = clientCpuTicks();
  const r = await autocannon({ url: server.url + path, connections, duration, pipelining: 1, headers });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const [clientBusyAfter, clientTotalAfter] = clientCpuTicks();
  return {
    /** server CPU (user+sys) per request, µs */
    cpuUs: r.requests.total ? Math.round(((cpu * 1e6) / r.requests.total) * 10) / 10 : NaN,
    /** share of one core the server used during the run */
    busy: Math.round((cpu / duration) * 100),
    /** how busy the load generator's and PostgreSQL's CPUs were, %: near 100 means they were the limit */
    clientBusy: Math.round(((clientBusyAfter - clientBusyBefore) / Math.max(1, clientTotalAfter - clientTotalBefore)) * 100),
    reqPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

async function main() {
  // Pin this process (autocannon) before starting PostgreSQL, which inherits it.
  if (PIN) execFileSync("taskset", ["-a", "-p", "-c", PIN.client, String(process.pid)], { stdio: "ignore" });
  serverEntry = compileServers();
  const pgPort = await freePort();
  const password = "bench-only-password";
  const pg = await startLocalPostgres({ name: "bench", port: pgPort, user: "postgres", password });
  const hang = net.createServer((s) => s.resume()); // accepts, never answers
  try {
    const db = {
      DB_HOST: "127.0.0.1",
      DB_PORT: pgPort,
      DB_NAME: "postgres",
      DB_USER: "postgres",
      DB_PASSWORD: password,
      DB_SSL: "disable" as const,
      NODE_ENV: "production" as const,
      LOG_LEVEL: "info" as const,
    };
    await runMigrations(db, { log: () => undefined });
    const c = new Client({ host: "127.0.0.1", port: pgPort, user: "postgres", password, database: "postgres" });
    await c.connect();
    const { rows } = await c.query(
      "INSERT INTO tickets (title, description, created_by) VALUES ('bench', 'a ticket to read', 'bench') RETURNING id",
    );
    await c.end();

    const env = {
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      APP_VERSION: "bench",
      DB_HOST: "127.0.0.1",
      DB_PORT: String(pgPort),
      DB_NAME: "postgres",
      DB_USER: "postgres",
      DB_PASSWORD: password,
      DB_SSL: "disable",
      S3_BUCKET: "paved-bench",
      AWS_REGION: "eu-west-1",
      JWT_SECRET: "bench-only-secret-0123456789abcdef0123",
    };
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const hangPort = (hang.address() as net.AddressInfo).port;
    const [app, hello0, deadDb, floor] = await Promise.all([
      serve("app", env),
      serve("hello"),
      serve("app", { ...env, DB_PORT: String(hangPort) }),
      serve("floor", env),
    ]);
    const ticketPath = `/api/tickets/${rows[0].id}`;
    // every /api route needs a token
    const auth = { authorization: `Bearer ${await mintToken(env.JWT_SECRET, "bench")}` };
    // The floor must do the same work for the same answer, or the comparison means nothing.
    const [appBody, floorBody] = await Promise.all(
      [app, floor].map(async (sv) => {
        const res = await fetch(sv.url + ticketPath, { headers: auth });
        return `${res.status} ${await res.text()}`;
      }),
    );
    if (appBody !== floorBody)
      throw new Error(`the floor server answers differently from the app:\n  app:   ${appBody}\n  floor: ${floorBody}`);

    // Warm-up (JIT, prepared statements, the pool's connections): a long-running task is past it.
    await load(hello0, "/", 10, 2);
    await load(app, "/livez", 10, 2);
    await load(app, ticketPath, 50, 2, auth);
    // Alternating rounds: hello-world and /livez take turns, so whatever else the machine does
    // hits both alike; the ratio is the median of the per-round ratios (one long run each swung
    // from 0.55 to 0.82 on this 2-core machine with nothing changed).
    const helloRounds: Run[] = [];
    const livezRounds: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      helloRounds.push(await load(hello0, "/", 10));
      livezRounds.push(await load(app, "/livez", 10));
    }
    // The pool closes connections idle for 30 s (db.ts), so after the /livez rounds it is warmed
    // up again, right before the ticket rounds: without this the first round reopened the pool's
    // connections for 50 concurrent clients and had a p99 two to three times the others'.
    await warmUp(app, ticketPath, auth);
    await warmUp(floor, ticketPath, auth);
    // Alternating with the floor: the app's distance from it is its own cost; the floor's p99 is
    // what this machine allows any Fastify + pg server here (the load generator and PostgreSQL
    // share the client CPUs, and at 50 connections they are nearly as busy as the server). The
    // machine check in each round shows what the machine's own stalls do to a trivial server.
    const ticketRounds: Run[] = [];
    const floorRounds: Run[] = [];
    const machine: Awaited<ReturnType<typeof paced>>[] = []; // the machine check, in the same rounds
    for (let i = 0; i < TICKET_ROUNDS; i++) {
      floorRounds.push(await load(floor, ticketPath, 50, DURATION, auth));
      ticketRounds.push(await load(app, ticketPath, 50, DURATION, auth));
      machine.push(await paced(hello0, "/", MACHINE_CHECK_RATE, DURATION, 50));
    }
    const health = await load(deadDb, "/health", 10, Math.min(DURATION, 5));

    const hello = medianRun(helloRounds);
    const livez = medianRun(livezRounds);
    const ticket = medianRun(ticketRounds);
    const floorRun = medianRun(floorRounds);
    const line = (name: string, r: Run) =>
      `| ${name} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${r.cpuUs} | ${r.busy}% | ${r.clientBusy}% |`;
    const method = PIN
      ? `servers pinned to CPU ${PIN.server}, autocannon + PostgreSQL to CPU ${PIN.client}`
      : "unpinned: servers, autocannon and PostgreSQL share all CPUs";
    console.log(
      `\napp benchmarks (loopback, autocannon, ${DURATION}s per run, node ${process.version}, ${method}; ` +
        `medians of ${ROUNDS} alternating hello/livez rounds and ${TICKET_ROUNDS} alternating floor/app ticket rounds)\n`,
    );
    console.log("| target | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req | server busy | client CPUs busy |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    console.log(line("bare Fastify hello-world, 10 conn", hello));
    console.log(line("app /livez, 10 conn", livez));
    console.log(line("floor GET /api/tickets/:id, 50 conn", floorRun));
    console.log(line("app GET /api/tickets/:id, 50 conn", ticket));
    console.log(line("app /health, DB hanging, 10 conn", health));
    const cpuRatios = helloRounds.map((h, i) => h.cpuUs / livezRounds[i].cpuUs);
    const cpuRatio = median(cpuRatios);
    const rpsRatio = median(helloRounds.map((h, i) => livezRounds[i].reqPerSec / h.reqPerSec));
    console.log(
      `\n/livez vs hello-world by server CPU per request: median ${cpuRatio.toFixed(2)} (aim >= 0.8) ${cpuRatio >= 0.8 ? "OK" : "BELOW AIM"}; ` +
        `rounds ${cpuRatios.map((r) => r.toFixed(2)).join(" ")}; by req/s ${rpsRatio.toFixed(2)}`,
    );
    if (hello.busy < 90)
      console.log(
        `  note: the hello-world server was only ${hello.busy}% busy, so the load generator capped it; the CPU ratio is the server-vs-server figure`,
      );
    const ticketErrors = ticketRounds.reduce((n, r) => n + r.errors + r.non2xx, 0);
    console.log(
      `GET /api/tickets/:id p99 median ${ticket.p99} ms (aim < 15; rounds ${ticketRounds.map((r) => r.p99).join(" ")}), errors ${ticketErrors} (aim 0) ${ticket.p99 < 15 && ticketErrors === 0 ? "OK" : "BELOW AIM"}`,
    );
    const costRatio = median(ticketRounds.map((t, i) => t.cpuUs / floorRounds[i].cpuUs));
    console.log(
      `  floor in the same rounds: p99 median ${floorRun.p99} ms (rounds ${floorRounds.map((r) => r.p99).join(" ")}); ` +
        `app server CPU per request ${costRatio.toFixed(2)}x the floor's; client CPUs ${ticket.clientBusy}% busy during the app's rounds`,
    );
    const machineP99 = median(machine.map((m) => m.p99));
    console.log(
      `  this machine's own tail: hello-world at a paced ${MACHINE_CHECK_RATE} req/s over 50 connections, p99 median ${machineP99} ms ` +
        `(rounds ${machine.map((m) => m.p99).join(" ")}; p50 ${median(machine.map((m) => m.p50))} ms; server ${median(machine.map((m) => m.busy))}% busy; ` +
        `errors ${machine.reduce((n, m) => n + m.errors, 0)}; not sent because all 50 connections were busy ${machine.reduce((n, m) => n + m.skipped, 0)}; ` +
        `the load generator's own event loop stalled up to ${Math.max(...machine.map((m) => m.generatorStallMs))} ms)`,
    );
    if (floorRun.p99 >= 15 || machineP99 >= 15)
      console.log(
        "  note: the floor or a lightly loaded hello-world misses the aim too: in this run the p99 is the machine's, not the app's",
      );
    console.log(
      `/health with DB hanging p99 ${health.p99} ms (aim < 1000), all 503: ${health.non2xx === health.total} ${health.p99 < 1000 ? "OK" : "BELOW AIM"}`,
    );
  } finally {
    await stopServers();
    hang.close();
    await pg.close().catch(() => undefined);
    rmSync(BUILD_DIR, { recursive: true, force: true });
  }
}

/** Ends the servers: SIGKILL, or SIGTERM and a wait when they are writing CPU profiles (bench-server exits 0 on it). */
async function stopServers() {
  if (!CPU_PROF_DIR) return void children.forEach((ch) => ch.kill("SIGKILL"));
  await Promise.all(
    children.map((ch) => (ch.exitCode !== null ? undefined : new Promise((r) => (ch.once("exit", r), ch.kill("SIGTERM"))))),
  );
  console.log(`CPU profiles: ${CPU_PROF_DIR}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench:app failed: ${(err as Error).message}`);
    for (const ch of children) ch.kill("SIGKILL");
    process.exit(1);
  },
);
