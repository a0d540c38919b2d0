/**
 * The app contract: one JSON file next to the app (`app/paved.app.json` by default,
 * `paved:appContract` for another) that says how paved builds and runs it — readable by an app
 * in any language, and the only thing infra knows about the app:
 *
 *   build        Dockerfile and what the image is built from: `npmWorkspace: true` (the app is an
 *                npm workspace of this repository; paved generates an app-only context, so the
 *                image's identity is exactly its content), or a context and the paths whose
 *                content defines the image (`inputs`)
 *   port         the container port the ALB forwards to            (per stack: paved:appPort)
 *   user         uid:gid the containers run as (never root)
 *   healthCheck  the ALB target group's HTTP check: readiness AND liveness (paved:appHealthCheckPath)
 *   liveness     optional in-container check command ({port} is substituted); null = the ALB check
 *                is the only liveness signal, so the image needs no particular tool (node, curl, ...)
 *   migrate      the migration command run before the app starts (migrateOnDeploy), or null
 *   dbInit       the database-init command (creates the app's own least-privileged database role,
 *                idempotently) run after migrate and before the app, or null; paved gives it the
 *                owner's credentials and DB_APP_USER itself (docs/your-app.md), so the app can log
 *                in with IAM tokens as its own role and never sees the master secret
 *   env          every variable the app reads: which source gives it (plain value in this file,
 *                platform value paved computes, secret reference, local-only) and which
 *                containers (app, migrate) receive it
 *
 * Paths are relative to the contract file. The TypeScript side is generated from the default
 * contract by `npm run docs` (app/src/contract.ts for the app, infra/contract.generated.ts here),
 * so a platform or secret variable the program gives no value is a compile-time error.
 */
import * as fs from "fs";
import * as path from "path";
import type { ImageSource } from "./components/image";

/** Repository root (Pulumi project directory): infra works with paths relative to it. */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** Where the default app's contract lives. */
export const DEFAULT_CONTRACT = "app/paved.app.json";

export type EnvSource = "plain" | "platform" | "secret" | "local-only";
export const ENV_SOURCES: readonly EnvSource[] = ["plain", "platform", "secret", "local-only"];
export type ContainerName = "app" | "migrate";
export const CONTAINERS: readonly ContainerName[] = ["app", "migrate"];

export interface EnvVar {
  source: EnvSource;
  description: string;
  /** For `plain`: the value, written in the contract. */
  value?: string;
  /** Containers that receive it (default: every container, app and migrate). */
  containers: ContainerName[];
}

export interface AppContract {
  /** The contract file, relative to the repository root. */
  file: string;
  /** Dockerfile, relative to the repository root. */
  dockerfile: string;
  /**
   * What the image is built from, paths relative to the repository root: the contract's directory
   * as an npm workspace (`build.npmWorkspace`), or `build.context` with the paths whose content
   * defines the image (`build.inputs`, default: the context).
   */
  buildFrom: ImageSource;
  port: number;
  user: string;
  healthCheck: { path: string; matcher: string };
  /** In-container liveness command (without ECS's "CMD"), or undefined: the ALB check only. */
  liveness?: { command: string[] };
  /** Migration command, or undefined: the app has no migrations. */
  migrate?: { command: string[] };
  /** Database-init command (the app's own role), or undefined: the app connects with what it is given. */
  dbInit?: { command: string[] };
  /** In file order (the task definition's order). */
  env: Record<string, EnvVar>;
}

/** Thrown for an unreadable or invalid contract; lists every problem. */
export class AppContractError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid app contract ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee docs/your-app.md for the format.`);
    this.name = "AppContractError";
  }
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Names that hold secrets must never be plain values written into a file and a task definition. */
const SECRET_LIKE = /(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)/;
const USER = /^[0-9]+(:[0-9]+)?$/;
export const HEALTH_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$/;
const KNOWN_FIELDS = ["$comment", "$schema", "build", "port", "user", "healthCheck", "liveness", "migrate", "dbInit", "env"];

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string" && x !== "");

/** The repository's npm workspaces (root package.json `workspaces`), or [] when it has none. */
function readWorkspaces(root: string): string[] {
  try {
    const ws = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).workspaces;
    const list = Array.isArray(ws) ? ws : Array.isArray(ws?.packages) ? ws.packages : [];
    return list.filter((w: unknown): w is string => typeof w === "string").map((w: string) => path.posix.normalize(w));
  } catch {
    return [];
  }
}

/** Parses and validates a contract document; `file` is relative to `root`. */
export function parseAppContract(doc: unknown, file: string, root: string = REPO_ROOT): AppContract {
  const problems: string[] = [];
  const bad = (m: string) => {
    problems.push(m);
  };
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new AppContractError(file, ["must be a JSON object"]);
  const d = doc as Record<string, any>;
  for (const k of Object.keys(d))
    if (!KNOWN_FIELDS.includes(k)) bad(`unknown field "${k}" (known: ${KNOWN_FIELDS.filter((f) => !f.startsWith("$")).join(", ")})`);
  const dir = path.posix.dirname(file.split(path.sep).join("/"));
  const rel = (p: string) => path.posix.normalize(path.posix.join(dir, p));

  const build = d.build ?? {};
  if (typeof build !== "object" || Array.isArray(build)) bad(`"build" must be an object with dockerfile and npmWorkspace or context`);
  const dockerfile = rel(typeof build.dockerfile === "string" ? build.dockerfile : "Dockerfile");
  if (!fs.existsSync(path.join(root, dockerfile))) bad(`"build.dockerfile": ${dockerfile} does not exist`);
  if (build.npmWorkspace !== undefined && typeof build.npmWorkspace !== "boolean") bad(`"build.npmWorkspace" must be true or false`);
  let buildFrom: ImageSource;
  if (build.npmWorkspace === true) {
    // The image is built from a generated context (infra/components/image.ts imageContextFiles): the
    // workspace's files and the root manifest and lockfile cut to its dependencies.
    for (const k of ["context", "inputs"]) {
      if (build[k] !== undefined)
        bad(
          `"build.${k}" cannot be combined with "build.npmWorkspace": paved generates the context from the workspace (and hashes exactly that); drop "build.${k}"`,
        );
    }
    if (!dockerfile.startsWith(`${dir}/`))
      bad(
        `"build.dockerfile" (${dockerfile}) must be inside the workspace ${dir}/ with "build.npmWorkspace" (only the workspace is in the generated context)`,
      );
    const workspaces = readWorkspaces(root);
    if (!workspaces.includes(dir))
      bad(
        `"build.npmWorkspace": ${dir} is not a workspace of the repository's package.json (workspaces: ${JSON.stringify(workspaces)}); add it there, or set "build.context" and "build.inputs" instead`,
      );
    buildFrom = { workspace: dir };
  } else {
    const context = rel(typeof build.context === "string" ? build.context : ".");
    if (build.context !== undefined && typeof build.context !== "string")
      bad(`"build.context" must be a path relative to the contract file`);
    if (context.startsWith("..")) bad(`"build.context" (${context}) must be inside the repository`);
    if (build.inputs !== undefined && !isStringList(build.inputs)) bad(`"build.inputs" must be a non-empty list of paths`);
    const inputs = isStringList(build.inputs) ? build.inputs.map(rel) : [context];
    for (const i of inputs) if (i.startsWith("..")) bad(`"build.inputs": ${i} is outside the repository`);
    buildFrom = { context, inputs };
  }

  if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535)
    bad(`"port" must be an integer 1-65535 (the port the app listens on), got ${JSON.stringify(d.port)}`);
  const user = d.user ?? "1000:1000";
  if (typeof user !== "string" || !USER.test(user) || /^0(:|$)/.test(user))
    bad(`"user" must be a numeric uid[:gid] other than root (0), e.g. "1000:1000", got ${JSON.stringify(d.user)}`);

  const hc = d.healthCheck;
  if (!hc || typeof hc !== "object" || typeof hc.path !== "string" || !HEALTH_PATH.test(hc.path))
    bad(`"healthCheck.path" must be an HTTP path starting with / (the ALB checks it; 200 = ready), got ${JSON.stringify(hc?.path)}`);
  const matcher = hc?.matcher ?? "200";
  if (typeof matcher !== "string" || !/^[0-9]{3}([-,][0-9]{3})*$/.test(matcher))
    bad(`"healthCheck.matcher" must be HTTP codes such as "200" or "200-299"`);

  let liveness: AppContract["liveness"];
  if (d.liveness !== undefined && d.liveness !== null) {
    if (!isStringList(d.liveness.command))
      bad(
        `"liveness" must be null (the ALB health check is the liveness signal) or { "command": [...] } (run inside the container; exit 0 = alive)`,
      );
    else liveness = { command: d.liveness.command };
  }
  let migrate: AppContract["migrate"];
  if (d.migrate !== undefined && d.migrate !== null) {
    if (!isStringList(d.migrate.command)) bad(`"migrate" must be null (no migrations) or { "command": [...] } (exit 0 = migrated)`);
    else migrate = { command: d.migrate.command };
  }

  let dbInit: AppContract["dbInit"];
  if (d.dbInit !== undefined && d.dbInit !== null) {
    if (!isStringList(d.dbInit.command))
      bad(
        `"dbInit" must be null (no database-init step) or { "command": [...] } (exit 0 = the app's database role exists with its grants)`,
      );
    else dbInit = { command: d.dbInit.command };
  }

  const env: Record<string, EnvVar> = {};
  if (!d.env || typeof d.env !== "object" || Array.isArray(d.env)) bad(`"env" must be an object: variable name → { source, description }`);
  for (const [name, v] of Object.entries<any>(d.env ?? {})) {
    const where = `env.${name}`;
    if (!ENV_NAME.test(name)) bad(`${where}: variable names are UPPER_SNAKE_CASE`);
    if (!v || typeof v !== "object") {
      bad(`${where} must be { "source": ..., "description": ... }`);
      continue;
    }
    if (!ENV_SOURCES.includes(v.source)) {
      bad(`${where}.source must be one of: ${ENV_SOURCES.join(", ")} (got ${JSON.stringify(v.source)})`);
      continue;
    }
    if (typeof v.description !== "string" || v.description.trim() === "")
      bad(`${where}.description is required (it is shown when the value is missing)`);
    if (v.source === "plain") {
      if (typeof v.value !== "string") bad(`${where}: a plain variable needs "value" (a string)`);
      if (SECRET_LIKE.test(name))
        bad(`${where}: looks like a secret; use "source": "secret" so the value never sits in a file or the task definition`);
    } else if (v.value !== undefined) {
      bad(
        `${where}: only plain variables take a "value" (a ${v.source} value comes from ${v.source === "local-only" ? "your machine" : "paved"})`,
      );
    }
    const containers = v.containers ?? [...CONTAINERS];
    if (
      !Array.isArray(containers) ||
      containers.length === 0 ||
      containers.some((c: unknown) => !CONTAINERS.includes(c as ContainerName))
    ) {
      bad(`${where}.containers must be a non-empty list of: ${CONTAINERS.join(", ")}`);
    }
    env[name] = {
      source: v.source,
      description: v.description,
      value: v.value,
      containers: Array.isArray(containers) ? containers : [...CONTAINERS],
    };
  }
  if (problems.length) throw new AppContractError(file, problems);
  return { file, dockerfile, buildFrom, port: d.port, user, healthCheck: { path: hc.path, matcher }, liveness, migrate, dbInit, env };
}

/** Reads the contract file (relative to `root`). */
export function loadAppContract(file: string = DEFAULT_CONTRACT, root: string = REPO_ROOT): AppContract {
  const abs = path.resolve(root, file);
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch {
    throw new AppContractError(file, [`cannot read the file; set paved:appContract to your app's contract (default ${DEFAULT_CONTRACT})`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e: any) {
    throw new AppContractError(file, [`not valid JSON (${e.message})`]);
  }
  return parseAppContract(doc, path.relative(root, abs).split(path.sep).join("/"), root);
}

/** Names of the variables with the given source, in contract order. */
export function varsBySource(contract: AppContract, source: EnvSource): string[] {
  return Object.keys(contract.env).filter((n) => contract.env[n].source === source);
}

/** The contract with the per-stack overrides (`paved:appPort`, `paved:appHealthCheckPath`) applied. */
export function withOverrides(contract: AppContract, o: { port?: number; healthCheckPath?: string }): AppContract {
  return {
    ...contract,
    port: o.port ? o.port : contract.port,
    healthCheck: { ...contract.healthCheck, path: o.healthCheckPath ? o.healthCheckPath : contract.healthCheck.path },
  };
}
