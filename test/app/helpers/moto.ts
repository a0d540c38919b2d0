import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { freePort } from "./pg";

/** Whether moto_server is on PATH; when not, the caller skips with this reason. */
export function motoMissingReason(): string | undefined {
  const r = spawnSync("moto_server", ["--help"], { stdio: "ignore" });
  if (r.error) return "moto_server is not on PATH (pip install 'moto[server]'); CI's .ci/run requires it, so these tests always run there";
  return undefined;
}

export async function startMoto(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`moto_server did not start on ${endpoint}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
