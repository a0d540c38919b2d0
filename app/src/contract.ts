/**
 * The configuration contract between the app and the infrastructure.
 *
 * This file is the single list both sides read: the app validates exactly these
 * variables at startup, and the Pulumi program (infra/service.ts) passes exactly
 * these to the container — plain values through the task definition's
 * `environment`, secret values through `secrets` (valueFrom a Secrets Manager ARN).
 *
 * It must stay dependency-free: the infra imports it without the app's packages.
 */

/** Where a variable's value comes from when the app runs on AWS. */
export type EnvSource =
  /** A plain, non-secret value in the task definition's `environment`. */
  | "environment"
  /** A Secrets Manager reference in the task definition's `secrets`. */
  | "secret"
  /** Only used off AWS (local development, tests); the infra never sets it. */
  | "local-only";

export interface EnvVarSpec {
  /** Where the value comes from on AWS. */
  source: EnvSource;
  /** What it is, for error messages and docs. */
  description: string;
}

export const ENV_CONTRACT = {
  PORT: { source: "environment", description: "TCP port the HTTP server listens on (default 3000)" },
  HOST: { source: "environment", description: "Interface the HTTP server binds (default 0.0.0.0)" },
  NODE_ENV: { source: "environment", description: "production | development | test" },
  LOG_LEVEL: { source: "environment", description: "pino level: fatal | error | warn | info | debug | trace" },
  APP_VERSION: { source: "environment", description: "Version string reported by /health (the image tag)" },
  DB_HOST: { source: "environment", description: "PostgreSQL host name" },
  DB_PORT: { source: "environment", description: "PostgreSQL port (default 5432)" },
  DB_NAME: { source: "environment", description: "PostgreSQL database name" },
  DB_USER: { source: "secret", description: "PostgreSQL user (the RDS-managed secret's `username` key)" },
  DB_PASSWORD: { source: "secret", description: "PostgreSQL password (the RDS-managed secret's `password` key); not used with DB_AUTH=iam" },
  DB_AUTH: { source: "environment", description: "password (DB_PASSWORD, default) | iam (a fresh RDS IAM authentication token for every new connection, so no password can expire or rotate under the app)" },
  DB_SSL: { source: "environment", description: "verify-full (AWS, bundled RDS CA) | disable (local only)" },
  S3_BUCKET: { source: "environment", description: "Attachments bucket name" },
  S3_ENDPOINT: { source: "local-only", description: "Optional S3-compatible endpoint URL for local development and tests" },
  AWS_REGION: { source: "environment", description: "AWS region of the bucket" },
  KEEP_ALIVE_TIMEOUT_SECONDS: { source: "environment", description: "HTTP keep-alive timeout in seconds (default 65); on AWS it is paved:keepAliveSeconds and the ALB idle timeout is 5 s shorter, so the ALB closes idle connections first" },
  JWT_SECRET: { source: "secret", description: "HS256 signing secret for API bearer tokens (at least 32 characters)" },
} as const satisfies Record<string, EnvVarSpec>;

export type EnvVarName = keyof typeof ENV_CONTRACT;

/** Names of the variables with the given source, in contract order. */
export function envVarsBySource(source: EnvSource): EnvVarName[] {
  return (Object.keys(ENV_CONTRACT) as EnvVarName[]).filter((k) => ENV_CONTRACT[k].source === source);
}
