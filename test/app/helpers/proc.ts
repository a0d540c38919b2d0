import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const REPO_ROOT = join(__dirname, "..", "..", "..");

/** Runs an app entry point from source (transpile-only) as a real process. */
export function spawnEntry(
  entry: "server" | "migrate" | "token",
  env: Record<string, string>,
  args: string[] = [],
): ChildProcess & { out: () => string; err: () => string } {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(REPO_ROOT, "app", "src", `${entry}.ts`), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "--no-deprecation --no-warnings", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }) as ChildProcess & { out: () => string; err: () => string };
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  child.out = () => out;
  child.err = () => err;
  return child;
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null) return Promise.resolve({ code: child.exitCode, signal: null });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Waits for a JSON log line matching `pred` on stdout. */
export async function waitForLog(
  child: ChildProcess & { out: () => string; err: () => string },
  pred: (l: Record<string, unknown>) => boolean,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of child.out().split("\n")) {
      try {
        const j = JSON.parse(line);
        if (pred(j)) return j;
      } catch {
        /* partial line */
      }
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`log line not seen; stdout:\n${child.out()}\nstderr:\n${child.err()}`);
}
