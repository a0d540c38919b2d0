// GENERATED from app/paved.app.json by `npm run docs`; do not edit (edit the contract and re-run).
// The variables the program must give a value: platform values (infra/index.ts `environment`)
// and secret references (`secrets`). See infra/app.ts.

export const PLATFORM_VARS = [
    "PORT",
    "LOG_LEVEL",
    "APP_VERSION",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_AUTH",
    "DB_SSL",
    "S3_BUCKET",
    "AWS_REGION",
    "RATE_LIMIT_PER_MINUTE",
    "KEEP_ALIVE_TIMEOUT_SECONDS",
] as const;

export const SECRET_VARS = [
    "DB_PASSWORD",
    "JWT_SECRET",
] as const;

export type PlatformVar = (typeof PLATFORM_VARS)[number];
export type SecretVar = (typeof SECRET_VARS)[number];
