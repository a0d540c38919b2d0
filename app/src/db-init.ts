import { Client } from "pg";
import { loadDbConfig, reportConfigErrorAndExit } from "./config";
import { poolConfig } from "./db";

/**
 * Database init: gives the app its own, least-privileged database identity, idempotently.
 *
 * Runs as the owner (on AWS the RDS master user, whose secret only this step and the migrate step
 * ever see) before the app starts, on every deploy; running it again changes nothing. The app role:
 *   - can LOG IN (with IAM auth: member of `rds_iam` where that role exists, i.e. on RDS),
 *   - may CONNECT to the database and USE schema public,
 *   - may read and write rows of every table and use every sequence, including those future
 *     migrations create (default privileges of the owner role),
 *   - cannot create, alter or drop anything (no CREATE on the schema, owns nothing) and cannot
 *     touch the migrations bookkeeping table.
 */
export interface DbInitOptions {
  /** The app's role name (DB_APP_USER). */
  appUser: string;
  /** Database the app uses. */
  database: string;
  /** Set a password (local development and tests only; on AWS the app logs in with IAM tokens). */
  password?: string;
  /** Tables the app must not touch (the migration runner's bookkeeping). */
  privateTables?: string[];
}

/** Serialises concurrent init steps (tasks starting together); any constant distinct from the migration lock. */
export const DB_INIT_LOCK_KEY = 7_215_533_902;

export const APP_USER_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export async function initAppRole(client: Client, o: DbInitOptions): Promise<{ created: boolean; rdsIam: boolean }> {
  if (!APP_USER_PATTERN.test(o.appUser))
    throw new Error(`invalid app role name ${JSON.stringify(o.appUser)}: lowercase letters, digits and _ only`);
  const role = client.escapeIdentifier(o.appUser);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [DB_INIT_LOCK_KEY]);
    const exists = (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [o.appUser])).rowCount === 1;
    if (!exists) await client.query(`CREATE ROLE ${role} LOGIN`);
    // Whatever it had before: a login role with no way to escalate.
    await client.query(`ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    if (o.password !== undefined) await client.query(`ALTER ROLE ${role} PASSWORD ${client.escapeLiteral(o.password)}`);
    const rdsIam = (await client.query("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'")).rowCount === 1;
    if (rdsIam) await client.query(`GRANT rds_iam TO ${role}`);
    await client.query(`GRANT CONNECT ON DATABASE ${client.escapeIdentifier(o.database)} TO ${role}`);
    await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await client.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    // Tables and sequences future migrations create (as this owner) are granted the same way.
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${role}`);
    for (const t of o.privateTables ?? ["pgmigrations"]) {
      if ((await client.query("SELECT to_regclass($1) AS t", [`public.${t}`])).rows[0].t)
        await client.query(`REVOKE ALL ON TABLE public.${client.escapeIdentifier(t)} FROM ${role}`);
    }
    await client.query("COMMIT");
    return { created: !exists, rdsIam };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

if (require.main === module) {
  // The init step's own variables: the owner's connection (DB_* from the master secret) and the
  // app role to create (DB_APP_USER).
  let cfg;
  try {
    cfg = loadDbConfig();
  } catch (err) {
    reportConfigErrorAndExit(err);
  }
  const appUser = process.env.DB_APP_USER ?? "";
  const { max: _max, idleTimeoutMillis: _idle, ...clientCfg } = poolConfig(cfg, { application_name: "paved-db-init" });
  const client = new Client(clientCfg);
  client
    .connect()
    .then(() => initAppRole(client, { appUser, database: cfg.DB_NAME }))
    .then(
      (r) => {
        process.stdout.write(
          JSON.stringify({
            level: 30,
            time: Date.now(),
            msg: r.created ? "app role created" : "app role up to date",
            appUser,
            rdsIam: r.rdsIam,
          }) + "\n",
        );
        return client.end().then(() => process.exit(0));
      },
      (err: Error) => {
        process.stderr.write(JSON.stringify({ level: 60, time: Date.now(), msg: `db-init failed: ${err.message}` }) + "\n");
        process.exit(1);
      },
    );
}
