import { Signer } from "@aws-sdk/rds-signer";
import type { DbConfig } from "./config";

/**
 * The pool's password: a static string (DB_AUTH=password) or a function node-postgres calls for
 * every new connection (DB_AUTH=iam). With IAM database authentication each connection gets a
 * freshly minted RDS auth token (valid 15 minutes, signed with the task role's credentials), so
 * there is no password that a rotation can change under a running task: the weekly rotation of
 * the RDS-managed master secret never reaches the app, which does not use that secret at all.
 */
export type PoolPassword = string | (() => Promise<string>);

/** Mints one token; injected in tests (the real one signs with the task role's credentials). */
export type TokenMinter = (o: { hostname: string; port: number; username: string }) => Promise<string>;

export const rdsSignerMinter: TokenMinter = (o) => new Signer({ hostname: o.hostname, port: o.port, username: o.username }).getAuthToken();

export function poolPassword(cfg: DbConfig, mint: TokenMinter = rdsSignerMinter): PoolPassword | undefined {
  if ((cfg.DB_AUTH ?? "password") === "password") return cfg.DB_PASSWORD;
  return () => mint({ hostname: cfg.DB_HOST, port: cfg.DB_PORT, username: cfg.DB_USER });
}
