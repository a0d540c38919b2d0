import type { EnvVarName } from "./contract";

/** Defaults of the optional tuning variables (the app applies them when a variable is unset). */
export const ENV_DEFAULTS = {
  JWT_MAX_AGE_SECONDS: 12 * 3600,
  RATE_LIMIT_PER_MINUTE: 300,
  KEEP_ALIVE_TIMEOUT_SECONDS: 65,
  SHUTDOWN_DRAIN_SECONDS: 3,
} as const satisfies Partial<Record<EnvVarName, number>>;
