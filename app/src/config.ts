import { z } from "zod";
import { ENV_CONTRACT, type EnvVarName } from "./contract";
import { ENV_DEFAULTS } from "./env-defaults";

/**
 * Startup configuration, validated against the shared contract (contract.ts).
 * Every variable is checked in one pass so a broken task definition shows all
 * of its problems at once; values are never echoed because some are secrets
 * and the message ends up in CloudWatch.
 */

// ECS passes an unset-but-declared variable as "", which must count as missing.
const str = () => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string());
const optStr = () => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().optional());
const port = (def: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? String(def) : v),
    z
      .string()
      .regex(/^\d{1,5}$/, "must be a whole number")
      .transform(Number)
      .pipe(z.number().int().min(1, "must be 1-65535").max(65535, "must be 1-65535")),
  );

const int = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || (typeof v === "string" && v.trim() === "") ? String(def) : v),
    z
      .string()
      .regex(/^\d{1,9}$/, "must be a whole number")
      .transform(Number)
      .pipe(z.number().int().min(min, `must be ${min}-${max}`).max(max, `must be ${min}-${max}`)),
  );

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const schema = z.object({
  PORT: port(3000),
  HOST: str().default("0.0.0.0"),
  NODE_ENV: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(["production", "development", "test"], "must be production, development or test").default("production"),
  ),
  LOG_LEVEL: z.preprocess((v) => (v === "" ? undefined : v), z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info")),
  APP_VERSION: str().default("dev").pipe(z.string().max(128, "must be at most 128 characters")),
  DB_HOST: str(),
  DB_PORT: port(5432),
  DB_NAME: str(),
  DB_USER: str(),
  // Required with DB_AUTH=password (checked in withDbAuthRules); unused with DB_AUTH=iam.
  DB_PASSWORD: optStr(),
  DB_AUTH: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["password", "iam"], "must be password or iam").default("password")),
  DB_SSL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(["verify-full", "disable"], "must be verify-full (AWS) or disable (local only)").default("verify-full"),
  ),
  S3_BUCKET: str().pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"),
  ),
  S3_ENDPOINT: optStr().pipe(z.url("must be a URL such as http://127.0.0.1:5000").optional()),
  AWS_REGION: str().pipe(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1")),
  JWT_SECRET: str().pipe(z.string().min(32, "must be at least 32 characters")),
  JWT_MAX_AGE_SECONDS: int(ENV_DEFAULTS.JWT_MAX_AGE_SECONDS, 60, 7 * 24 * 3600),
  RATE_LIMIT_PER_MINUTE: int(ENV_DEFAULTS.RATE_LIMIT_PER_MINUTE, 1, 1_000_000),
  KEEP_ALIVE_TIMEOUT_SECONDS: int(ENV_DEFAULTS.KEEP_ALIVE_TIMEOUT_SECONDS, 2, 4000),
  SHUTDOWN_DRAIN_SECONDS: int(ENV_DEFAULTS.SHUTDOWN_DRAIN_SECONDS, 0, 10),
} satisfies Record<EnvVarName, z.ZodType>);

export type Config = z.infer<typeof schema>;

/** The subset `npm run migrate` needs: it runs as a one-off task with the same env, or locally with just the DB. */
export const DB_VARS = [
  "DB_HOST",
  "DB_PORT",
  "DB_NAME",
  "DB_USER",
  "DB_PASSWORD",
  "DB_AUTH",
  "DB_SSL",
  "NODE_ENV",
  "LOG_LEVEL",
] as const satisfies readonly EnvVarName[];
/** DB_AUTH defaults to password, so callers building a DbConfig by hand may leave it out. */
export type DbConfig = Omit<Pick<Config, (typeof DB_VARS)[number]>, "DB_AUTH"> & Partial<Pick<Config, "DB_AUTH">>;

/** DB_PASSWORD is required exactly when DB_AUTH=password (reported together with every other problem). */
function withDbAuthRules<T extends z.ZodType<{ DB_AUTH?: string; DB_PASSWORD?: string }>>(s: T): T {
  const passwordAuth = (v: { DB_AUTH?: string }) => [undefined, "", "password"].includes(v?.DB_AUTH);
  return s.refine((v) => !passwordAuth(v) || (typeof v?.DB_PASSWORD === "string" && v.DB_PASSWORD.trim() !== ""), {
    path: ["DB_PASSWORD"],
    message: "is missing (required with DB_AUTH=password)",
    // Also when other variables are wrong, so one message lists every problem.
    when: () => true,
  }) as unknown as T;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The names of the bad variables, in contract order. */
    readonly variables: EnvVarName[],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

function parse<T>(s: z.ZodType<T>, env: NodeJS.ProcessEnv, names: readonly EnvVarName[]): T {
  const input: Record<string, unknown> = {};
  for (const name of names) input[name] = env[name];
  const result = s.safeParse(input);
  if (result.success) return result.data;
  const problems = new Map<EnvVarName, string>();
  for (const issue of result.error.issues) {
    const name = issue.path[0] as EnvVarName;
    if (problems.has(name)) continue;
    // A missing value is reported as "missing" with what the variable is for; otherwise
    // the validator's own message, which never contains the value.
    const missing = input[name] === undefined || (typeof input[name] === "string" && (input[name] as string).trim() === "");
    problems.set(name, missing ? `is missing (${ENV_CONTRACT[name].description})` : issue.message);
  }
  const ordered = names.filter((n) => problems.has(n));
  const list = ordered.map((n) => `${n} ${problems.get(n)}`).join("; ");
  return fail(ordered, list);
}

function fail(names: EnvVarName[], list: string): never {
  throw new ConfigError(
    `Invalid configuration: ${names.length} variable${names.length === 1 ? "" : "s"} wrong: ${list}. ` +
      "Fix: set them in the environment (on AWS, in the task definition, from the app contract app/paved.app.json); values are not printed.",
    names,
  );
}

const ALL = Object.keys(ENV_CONTRACT) as EnvVarName[];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parse(withDbAuthRules(schema), env, ALL);
}

export function loadDbConfig(env: NodeJS.ProcessEnv = process.env): DbConfig {
  const sub = schema.pick(Object.fromEntries(DB_VARS.map((k) => [k, true])) as { [K in (typeof DB_VARS)[number]]: true });
  return parse(withDbAuthRules(sub), env, DB_VARS);
}

/** Single-line fatal report: one CloudWatch event, no values. */
export function reportConfigErrorAndExit(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(JSON.stringify({ level: 60, time: Date.now(), msg: err.message, invalidVariables: err.variables }) + "\n");
  } else {
    process.stderr.write(
      JSON.stringify({ level: 60, time: Date.now(), msg: `Startup failed: ${(err as Error)?.message ?? String(err)}` }) + "\n",
    );
  }
  process.exit(1);
}
