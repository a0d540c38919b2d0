/**
 * The one command-line option parser every paved command uses: `npm run plan`, `policy`,
 * `preview`/`up`, `cost`, `diagram`, `summary`, `verify`, ... It lives with the pack because the
 * pack must stay standalone (it imports nothing from infra/ or app/); infra/offline/options.ts
 * re-exports it for the program's tooling. Dependency-free on purpose.
 *
 * Every command gets the same behaviour for free:
 *   --help / -h            usage, options and examples, exit 0
 *   --json                 (when the command declares it) machine-readable output
 *   --config key=value     (when declared; repeatable) one-run config override, `paved:` implied
 *   --stack NAME / <stack> (when declared) the stack, as an option or the first positional
 *   --project NAME         (when declared) which Pulumi project (e.g. the bootstrap program)
 * Options may come in any order, before or after positionals; `--opt=value` and `--opt value`
 * both work. A usage error is one line naming the problem, and the command exits 2.
 */

export type OptionType = "string" | "boolean";

export interface OptionSpec {
  type: OptionType;
  description: string;
  /** A one-letter alias, e.g. "o" for -o. */
  short?: string;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  /** Shown in help instead of VALUE. */
  placeholder?: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
}

/** The standard options a command can opt into. */
export type StandardOption = "json" | "config" | "stack" | "project";

export interface CommandSpec {
  /** How the user runs it, e.g. "npm run plan --". */
  command: string;
  /** One line: what it does. */
  summary: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  standard?: StandardOption[];
  /** Unknown options and extra positionals are passed through (e.g. to the Pulumi CLI) instead of refused. */
  passthrough?: boolean;
  /** Namespace implied for --config keys without one (default "paved"). */
  configNamespace?: string;
  examples?: string[];
  /** Extra paragraphs printed after the options (exit codes, environment, ...). */
  notes?: string[];
}

export interface ParsedOptions {
  help: boolean;
  /** Positionals by declared name (a stack given as the first positional lands in `stack`). */
  args: Record<string, string | undefined>;
  /** Declared options by name. */
  values: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  /** --config overrides as fully qualified keys (`paved:dbMultiAz`) → value, in order given. */
  config: Record<string, string>;
  stack?: string;
  project?: string;
  /** With `passthrough`: everything not understood, in order. */
  rest: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const STANDARD: Record<StandardOption, OptionSpec> = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout instead of text." },
  config: {
    type: "string",
    multiple: true,
    placeholder: "KEY=VALUE",
    description: "Override one config value for this run only (repeatable); `paved:` is implied, e.g. --config compute=ec2.",
  },
  stack: { type: "string", placeholder: "NAME", description: "The stack (may also be given as the first argument)." },
  project: { type: "string", placeholder: "NAME", description: "The Pulumi project (default: the one in the current directory)." },
};

function allOptions(spec: CommandSpec): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const s of spec.standard ?? []) out[s] = STANDARD[s];
  Object.assign(out, spec.options ?? {});
  out.help = { type: "boolean", short: "h", description: "Show this help." };
  return out;
}

const CONFIG_KEY = /^([A-Za-z][A-Za-z0-9_-]*:)?[A-Za-z][A-Za-z0-9_.-]*$/;

/** Parses `key=value` into a fully qualified config key and its value. */
export function parseConfigOverride(raw: string, namespace = "paved"): [string, string] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new UsageError(`--config needs KEY=VALUE (e.g. --config compute=ec2), got "${raw}".`);
  const key = raw.slice(0, eq);
  if (!CONFIG_KEY.test(key))
    throw new UsageError(`--config key "${key}" is not a config key (letters, digits, - _ ., optionally namespace:key).`);
  return [key.includes(":") ? key : `${namespace}:${key}`, raw.slice(eq + 1)];
}

export function parseOptions(spec: CommandSpec, argv: readonly string[]): ParsedOptions {
  const opts = allOptions(spec);
  const byShort = new Map(
    Object.entries(opts)
      .filter(([, o]) => o.short)
      .map(([n, o]) => [o.short!, n]),
  );
  const values: ParsedOptions["values"] = {};
  const positionals: string[] = [];
  const rest: string[] = [];
  const wantsStack = (spec.standard ?? []).includes("stack");

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      if (spec.passthrough) rest.push(...argv.slice(i + 1));
      else positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      inline = eq === -1 ? undefined : a.slice(eq + 1);
    } else if (/^-[A-Za-z]$/.test(a)) {
      name = byShort.get(a.slice(1));
      if (!name) {
        if (spec.passthrough) {
          rest.push(a);
          continue;
        }
        throw new UsageError(`unknown option ${a}.`);
      }
    } else {
      positionals.push(a);
      continue;
    }
    const o = opts[name];
    if (!o) {
      if (spec.passthrough) {
        rest.push(a);
        continue;
      }
      const known = Object.keys(opts).map((k) => `--${k}`);
      const near = closest(`--${name}`, known);
      throw new UsageError(`unknown option --${name}${near ? ` (did you mean ${near}?)` : ""}.`);
    }
    let v: string | boolean;
    if (o.type === "boolean") {
      if (inline !== undefined && !/^(true|false)$/.test(inline)) throw new UsageError(`--${name} takes no value (got "${inline}").`);
      v = inline === undefined ? true : inline === "true";
    } else {
      v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--")))
        throw new UsageError(`--${name} needs a value${o.placeholder ? ` (${o.placeholder})` : ""}.`);
    }
    if (o.multiple) values[name] = [...((values[name] as string[]) ?? []), String(v)];
    else if (values[name] !== undefined && o.type === "string") throw new UsageError(`--${name} was given twice.`);
    else values[name] = v;
  }

  const parsed: ParsedOptions = { help: values.help === true, args: {}, values, json: values.json === true, config: {}, rest };
  delete values.help;
  if (parsed.help) return parsed;

  let stack = values.stack as string | undefined;
  const declared = [...(spec.positionals ?? [])];
  if (wantsStack && stack === undefined && positionals.length > declared.filter((p) => p.required).length) stack = positionals.shift();
  if (wantsStack && stack !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(stack))
    throw new UsageError(`invalid stack name "${stack}" (letters, digits, - _ . only).`);
  parsed.stack = stack;
  parsed.project = values.project as string | undefined;
  for (const p of declared) {
    const v = positionals.shift();
    if (v === undefined && p.required) throw new UsageError(`missing ${p.name.toUpperCase()} (${p.description}).`);
    parsed.args[p.name] = v;
  }
  if (positionals.length > 0) {
    if (spec.passthrough) rest.push(...positionals);
    else throw new UsageError(`unexpected argument "${positionals[0]}".`);
  }
  // Only the standard --config is KEY=VALUE; a command may declare its own --config (e.g. a file).
  for (const raw of (spec.standard ?? []).includes("config") ? ((values.config as string[] | undefined) ?? []) : []) {
    const [k, v] = parseConfigOverride(raw, spec.configNamespace);
    parsed.config[k] = v;
  }
  return parsed;
}

/** Help text: usage line, summary, arguments, options, examples, notes. */
export function renderHelp(spec: CommandSpec): string {
  const opts = allOptions(spec);
  const wantsStack = (spec.standard ?? []).includes("stack");
  const pos = [...(wantsStack ? ["<stack>"] : []), ...(spec.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`))];
  const lines = [
    `usage: ${spec.command} ${[...pos, "[options]"].join(" ")}${spec.passthrough ? " [-- extra args]" : ""}`,
    "",
    spec.summary,
    "",
  ];
  if (wantsStack || spec.positionals?.length) {
    lines.push("Arguments:");
    if (wantsStack) lines.push("  <stack>  The stack, e.g. staging or prod (or --stack NAME)");
    for (const p of spec.positionals ?? []) lines.push(`  ${p.required ? `<${p.name}>` : `[${p.name}]`}  ${p.description}`);
    lines.push("");
  }
  lines.push("Options:");
  for (const [n, o] of Object.entries(opts)) {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${n}${o.type === "string" ? ` ${o.placeholder ?? "VALUE"}` : ""}`;
    lines.push(`  ${flag.padEnd(26)} ${o.description}`);
  }
  if (spec.examples?.length) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  if (spec.notes?.length) lines.push("", ...spec.notes);
  return lines.join("\n");
}

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

const STDIO: CliIO = { out: (s) => process.stdout.write(s + "\n"), err: (s) => process.stderr.write(s + "\n") };

/**
 * Parses argv for `spec`; prints help (exit 0) or a one-line usage error (exit 2), otherwise
 * runs `handler` and returns its exit code.
 */
export async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  handler: (o: ParsedOptions) => Promise<number> | number,
  io: CliIO = STDIO,
): Promise<number> {
  let parsed: ParsedOptions;
  try {
    parsed = parseOptions(spec, argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${spec.command.replace(/ --$/, "")}: ${e.message} Run \`${spec.command} --help\` for usage.`);
      return 2;
    }
    throw e;
  }
  if (parsed.help) {
    io.out(renderHelp(spec));
    return 0;
  }
  try {
    return await handler(parsed);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${spec.command.replace(/ --$/, "")}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance (case-sensitive). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
