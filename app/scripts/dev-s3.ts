/** Local S3 for `npm run dev`: moto_server when it is installed (dev and tests only; never the image). */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./embedded-pg";

export const MOTO_HINT =
  "attachments need an S3 endpoint: install moto (pip install 'moto[server]') and npm run dev starts it, " +
  "or run any S3-compatible server and export S3_ENDPOINT=http://127.0.0.1:<port> with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

export function motoInstalled(): boolean {
  return !spawnSync("moto_server", ["--help"], { stdio: "ignore" }).error;
}

/** Starts moto_server on a free port, creates `bucket`, and returns its endpoint. */
export async function startMoto(bucket: string, region: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).status < 500) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`moto_server did not start on ${endpoint}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new S3Client({ endpoint, region, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as never } }),
  );
  return { endpoint, child };
}
