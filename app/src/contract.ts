/**
 * GENERATED from app/paved.app.json by `npm run docs`; do not edit: add or change a variable in
 * the JSON contract (which infra reads too) and re-run. A test fails when this file is stale.
 *
 * The app validates exactly these variables at startup (config.ts). On AWS, paved passes them to
 * the containers listed: `plain` values from the contract, `platform` values it computes,
 * `secret` ones as Secrets Manager references; `local-only` ones are never set on AWS.
 */

/** Where a variable's value comes from when the app runs on AWS. */
export type EnvSource = "plain" | "platform" | "secret" | "local-only";

export interface EnvVarSpec {
  source: EnvSource;
  /** For plain variables: the value. */
  value?: string;
  /** Containers that receive it. */
  containers: readonly ("app" | "migrate")[];
  /** What it is, for error messages and docs. */
  description: string;
}

export const ENV_CONTRACT = {
  PORT: { source: "platform", containers: ["app", "migrate"], description: "TCP port the HTTP server listens on (default 3000)" },
  HOST: { source: "plain", value: "0.0.0.0", containers: ["app", "migrate"], description: "Interface the HTTP server binds (default 0.0.0.0)" },
  NODE_ENV: { source: "plain", value: "production", containers: ["app", "migrate"], description: "production | development | test" },
  LOG_LEVEL: { source: "platform", containers: ["app", "migrate"], description: "pino level: fatal | error | warn | info | debug | trace" },
  APP_VERSION: { source: "platform", containers: ["app", "migrate"], description: "Version string reported by /health (the image tag)" },
  DB_HOST: { source: "platform", containers: ["app", "migrate"], description: "PostgreSQL host name" },
  DB_PORT: { source: "platform", containers: ["app", "migrate"], description: "PostgreSQL port (default 5432)" },
  DB_NAME: { source: "platform", containers: ["app", "migrate"], description: "PostgreSQL database name" },
  DB_USER: { source: "platform", containers: ["app", "migrate"], description: "PostgreSQL user: on AWS the app's own role (paved:dbAppUsername, IAM authentication) in the app container, the owner (paved:dbMasterUsername) in the migrate container" },
  DB_PASSWORD: { source: "secret", containers: ["migrate"], description: "PostgreSQL password (the RDS-managed master secret's `password` key): only the migrate step, which needs owner rights; the app uses DB_AUTH=iam" },
  DB_AUTH: { source: "platform", containers: ["app"], description: "password (DB_PASSWORD, default) | iam (a fresh RDS IAM authentication token for every new connection, so no password can expire or rotate under the app)" },
  DB_SSL: { source: "platform", containers: ["app", "migrate"], description: "verify-full (AWS, bundled RDS CA) | disable (local only)" },
  S3_BUCKET: { source: "platform", containers: ["app", "migrate"], description: "Attachments bucket name" },
  S3_ENDPOINT: { source: "local-only", containers: ["app", "migrate"], description: "Optional S3-compatible endpoint URL for local development and tests" },
  AWS_REGION: { source: "platform", containers: ["app", "migrate"], description: "AWS region of the bucket" },
  JWT_SECRET: { source: "secret", containers: ["app"], description: "HS256 signing secret for API bearer tokens (at least 32 characters)" },
  JWT_MAX_AGE_SECONDS: { source: "plain", value: "43200", containers: ["app"], description: "Longest accepted bearer-token lifetime, exp - iat, in seconds (default 43200 = 12 h); npm run token caps --ttl at it" },
  RATE_LIMIT_PER_MINUTE: { source: "platform", containers: ["app"], description: "API requests per minute per client IP, counted by each task separately (default 300; with N tasks a client may get up to N times this); paved:rateLimitPerMinute" },
  KEEP_ALIVE_TIMEOUT_SECONDS: { source: "platform", containers: ["app"], description: "Idle keep-alive timeout of the HTTP server in seconds (default 65); paved sets it above the ALB idle timeout so the ALB closes idle connections first" },
  SHUTDOWN_DRAIN_SECONDS: { source: "plain", value: "3", containers: ["app"], description: "After SIGTERM, seconds to keep serving with Connection: close before closing (default 3)" },
} as const satisfies Record<string, EnvVarSpec>;

export type EnvVarName = keyof typeof ENV_CONTRACT;

/**
 * Names of the variables with the given source, in contract order; "environment" = plain and
 * platform together (what the task definition's `environment` holds).
 */
export function envVarsBySource(source: EnvSource | "environment"): EnvVarName[] {
  return (Object.keys(ENV_CONTRACT) as EnvVarName[]).filter((k) => {
    const s: EnvSource = ENV_CONTRACT[k].source;
    return source === "environment" ? s === "plain" || s === "platform" : s === source;
  });
}
