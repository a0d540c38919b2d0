// Helpers for the container test: a local Docker engine, the locally built base image, the
// app image (built with the classic builder from a context that honours the Dockerfile's own
// ignore file), and a throwaway PostgreSQL reachable from containers on the default bridge.
import { spawn, spawnSync, SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ignore from "@balena/dockerignore";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const HELPERS_DIR = __dirname;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing output (optionally echoing it with a prefix). */
export function run(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { input?: string | Buffer; inputFile?: string; echo?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const wantsInput = opts.input !== undefined || opts.inputFile !== undefined;
    // No input: stdin is closed from the start. (Writing to the pipe of a command that already
    // exited, e.g. a fast `ip addr`, raised an uncaught EPIPE.)
    const child = spawn(cmd, args, { ...opts, stdio: [wantsInput ? "pipe" : "ignore", "pipe", "pipe"] });
    // A command may exit without reading all its input; that is its answer, not an error here.
    child.stdin?.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") reject(e);
    });
    let stdout = "";
    let stderr = "";
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs).unref() : undefined;
    const echo = (chunk: Buffer) => {
      if (opts.echo) process.stdout.write(chunk.toString().replace(/^(?=.)/gm, opts.echo));
    };
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c;
      echo(c);
    });
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c;
      echo(c);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (opts.inputFile) fs.createReadStream(opts.inputFile).pipe(child.stdin!);
    else if (wantsInput) child.stdin!.end(opts.input);
  });
}

/** Like run() but throws with the command's output when it exits non-zero. */
export async function must(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`\`${cmd} ${args.join(" ")}\` exited ${r.code ?? r.signal}:\n${(r.stdout + r.stderr).trim().slice(-4000)}`);
  }
  return r;
}

export function docker(args: string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  return must("docker", args, { ...opts, env: { ...process.env, DOCKER_BUILDKIT: "0", ...(opts.env ?? {}) } });
}

export function commandExists(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export function engineUp(): boolean {
  return spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { stdio: "ignore", timeout: 15000 }).status === 0;
}

/**
 * Starts dockerd via ci-docker.sh when no engine answers. Returns true when this call started
 * it (so the caller stops it again), false when an engine was already running.
 */
export async function ensureEngine(stateDir: string): Promise<boolean> {
  if (engineUp()) return false;
  await must("bash", [path.join(HELPERS_DIR, "ci-docker.sh"), "up"], {
    env: { ...process.env, PAVED_DOCKER_STATE_DIR: stateDir },
    echo: "    [docker] ",
  });
  return true;
}

export async function stopEngine(stateDir: string): Promise<void> {
  await must("bash", [path.join(HELPERS_DIR, "ci-docker.sh"), "down"], {
    env: { ...process.env, PAVED_DOCKER_STATE_DIR: stateDir },
    echo: "    [docker] ",
  });
}

/**
 * The locally built stand-ins (cached by tag across runs) for node:24-bookworm-slim (BASE_IMAGE,
 * the build stage) and for debian:bookworm-slim (RUNTIME_BASE_IMAGE, the runtime stage).
 */
export async function ensureBaseImages(): Promise<{ base: string; runtimeBase: string }> {
  const r = await must("bash", [path.join(HELPERS_DIR, "build-base.sh")], { echo: "    [base] " });
  const lines = r.stdout.trim().split("\n");
  return { base: lines[lines.length - 1].trim(), runtimeBase: `paved-base-os:${process.env.PAVED_DEBIAN_SUITE || "bookworm"}` };
}

/**
 * Writes the build context for `dockerfile` (relative to `root`) as a tar file, keeping only
 * what `<dockerfile>.dockerignore` (else `<root>/.dockerignore`) lets through — the rule
 * BuildKit and @pulumi/docker apply, which the classic builder's CLI does not implement.
 * Returns the tar path and the list of files in it.
 */
export async function writeContextTar(root: string, dockerfile: string, tarPath: string): Promise<string[]> {
  const specific = path.join(root, `${dockerfile}.dockerignore`);
  const generic = path.join(root, ".dockerignore");
  const ignoreFile = fs.existsSync(specific) ? specific : fs.existsSync(generic) ? generic : undefined;
  const patterns = ignoreFile ? fs.readFileSync(ignoreFile, "utf8").split(/\r?\n/) : [];
  const ig = ignore().add(patterns);
  const exceptions = patterns
    .map((p) => p.trim())
    .filter((p) => p.startsWith("!"))
    .map((p) => p.slice(1).replace(/^\/+/, ""));

  // Don't descend into an ignored directory unless an exception could re-include something in it.
  const mayReinclude = (dir: string) =>
    exceptions.some((e) => e.startsWith(`${dir}/`) || e === dir || e.startsWith("**") || dir.startsWith(e.replace(/\/$/, "")));
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === ".git") continue;
        if (ig.ignores(p) && !mayReinclude(p)) continue;
        walk(p);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && !ig.ignores(p)) {
        files.push(p);
      }
    }
  };
  walk("");
  // The CLI always sends the Dockerfile itself, whatever the ignore file says.
  if (!files.includes(dockerfile)) files.push(dockerfile);
  files.sort();
  await must("tar", ["-C", root, "--numeric-owner", "--owner=0", "--group=0", "--null", "--no-recursion", "-T", "-", "-cf", tarPath], {
    input: files.join("\0"),
  });
  return files;
}

export async function buildImage(opts: {
  root: string;
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  workDir: string;
  network?: string;
  /** Extra files (context-relative path → content) added to the context, e.g. a variant Dockerfile. */
  extraFiles?: Record<string, string>;
}): Promise<{ files: string[]; seconds: number; output: string }> {
  const tarPath = path.join(opts.workDir, "context.tar");
  // A variant Dockerfile passed in extraFiles uses the app Dockerfile's ignore rules (its context).
  const contextOf = opts.extraFiles?.[opts.dockerfile] !== undefined ? "app/Dockerfile" : opts.dockerfile;
  const files = await writeContextTar(opts.root, contextOf, tarPath);
  if (opts.extraFiles) {
    const extraRoot = fs.mkdtempSync(path.join(opts.workDir, "extra-"));
    for (const [rel, content] of Object.entries(opts.extraFiles)) {
      fs.mkdirSync(path.dirname(path.join(extraRoot, rel)), { recursive: true });
      fs.writeFileSync(path.join(extraRoot, rel), content);
    }
    await must("tar", ["-C", extraRoot, "--numeric-owner", "--owner=0", "--group=0", "-rf", tarPath, ...Object.keys(opts.extraFiles)]);
    files.push(...Object.keys(opts.extraFiles));
  }
  const args = ["build", "-f", opts.dockerfile, "-t", opts.tag, "--force-rm"];
  for (const [k, v] of Object.entries(opts.buildArgs)) args.push("--build-arg", `${k}=${v}`);
  if (opts.network) args.push("--network", opts.network);
  args.push("-");
  const started = Date.now();
  const r = await docker(args, { inputFile: tarPath, echo: "    [build] " });
  return { files, seconds: (Date.now() - started) / 1000, output: r.stdout + r.stderr };
}

/**
 * PEM certificates of locally added CAs (Debian keeps them in /usr/local/share/ca-certificates)
 * — e.g. a TLS-inspecting egress proxy's — that npm inside the build must trust to reach the
 * registry. PAVED_BUILD_CA_FILE overrides; empty when there are none.
 */
export function localBuildCaPem(): string {
  const override = process.env.PAVED_BUILD_CA_FILE;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`PAVED_BUILD_CA_FILE=${override} does not exist; point it at a PEM file or unset it`);
    return fs.readFileSync(override, "utf8").trim();
  }
  const dir = "/usr/local/share/ca-certificates";
  if (!fs.existsSync(dir)) return "";
  const pems: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".crt")) pems.push(fs.readFileSync(p, "utf8").trim());
    }
  };
  walk(dir);
  return pems.filter((p) => p.includes("BEGIN CERTIFICATE")).join("\n");
}

/**
 * The host's address on Docker's default bridge: where containers reach host services.
 * docker0 has no carrier until a container is attached, and Node lists only interfaces that are
 * up, so ask `ip`; the bridge network's configured gateway is the fallback.
 */
export async function bridgeGatewayIp(): Promise<string> {
  const viaNode = (os.networkInterfaces()["docker0"] ?? []).find((a) => a.family === "IPv4");
  if (viaNode) return viaNode.address;
  if (commandExists("ip")) {
    const r = await run("ip", ["-4", "-o", "addr", "show", "dev", "docker0"]);
    const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(r.stdout);
    if (m) return m[1];
  }
  const gw = (await run("docker", ["network", "inspect", "bridge", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"])).stdout.trim();
  if (gw) return gw;
  throw new Error("cannot find the host's address on the docker0 bridge: is dockerd running with its default bridge network?");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
