/**
 * Offline plan: runs the REAL infra/index.ts for a stack, with that stack's
 * Pulumi.<stack>.yaml config, under Pulumi's mocks — no CLI, no credentials.
 *
 * Each run re-requires the program in a fresh module scope (its infra/ modules are
 * evicted from the require cache; the heavy @pulumi/* packages stay loaded), so
 * tests, the CLI and the benchmark can call runPlan repeatedly in one process.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks, MOCK_ACCOUNT_ID, type MockRegistry } from "./mocks";
import { loadConfig, NAMESPACE, offlinePlaceholder } from "../config";
import type { ResourceRecord } from "../../policy/evaluator";
import { resolveProject, type ProjectSpec } from "../../policy/cli/projects";

// Internal runtime helpers (stable across 3.x, used by Pulumi's own test harness).

const rpc = require("@pulumi/pulumi/runtime/rpc");

const settings = require("@pulumi/pulumi/runtime/settings");

export type { ResourceRecord };

export const PROJECT = "paved";
/** Repository root (holds Pulumi.yaml and the stack files). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const INFRA_DIR = path.resolve(__dirname, "..");
const OFFLINE_DIR = __dirname;

export interface PlanOptions {
  /** Run as a preview (unknown outputs stay unknown). Default false: every apply runs. */
  preview?: boolean;
  /** Config overrides, `paved:key` → value; `undefined` removes a key. Used by tests. */
  config?: Record<string, string | undefined>;
  /** Directory holding Pulumi.<stack>.yaml (default: the project's folder). */
  stackDir?: string;
  /** Which Pulumi project (policy/cli/projects.ts): "paved" (default) or "bootstrap". */
  project?: string;
  /** What the mocked ECR registry already holds (default: nothing, as for a new stack). */
  registry?: MockRegistry;
  /**
   * Run this instead of the project's program (same config, mocks and capture): a test builds
   * one component on its own this way. Its return value stands for the program's exports.
   */
  program?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** The program file `pulumi up` runs for a project: its Pulumi.yaml `main` (a folder means its index.ts). */
export function projectEntry(project: ProjectSpec): string {
  const dir = path.join(REPO_ROOT, project.dir);
  const doc: any = yaml.load(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
  const main = path.resolve(dir, typeof doc?.main === "string" ? doc.main : ".");
  return fs.existsSync(main) && fs.statSync(main).isDirectory() ? path.join(main, "index.ts") : main;
}

export interface ExportResource {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
  parent?: string;
  provider?: string;
  protect?: boolean;
  /** Kept in AWS when the stack deletes it (`retainOnDelete` resource option). */
  retainOnDelete?: boolean;
  dependencies: string[];
  propertyDependencies?: Record<string, string[]>;
  /** The resource's customTimeouts option, when set (as `pulumi stack export` records it). */
  customTimeouts?: { create?: string; update?: string; delete?: string };
  /**
   * Former URNs this resource answers to (its `aliases` option, resolved to URNs like the engine
   * does, plus those inherited from its parent's aliases); set only when there are any.
   */
  aliases?: string[];
}

/** `pulumi stack export` version 3. */
export interface ExportDoc {
  version: 3;
  deployment: {
    manifest: { time: string; magic: string; version: string };
    resources: ExportResource[];
  };
}

export interface PlanResult {
  stack: string;
  exportDoc: ExportDoc;
  /** Every resource (stack, providers, components, custom) as the policy evaluator takes it. */
  resources: ResourceRecord[];
  /** Stack outputs (the program's exports). */
  outputs: Record<string, any>;
  /** Wall time of this run (ms). */
  durationMs: number;
  /** Config keys set as `secure:` values (their placeholders are marked secret in exportDoc). */
  secretKeys: string[];
  /** Config warnings, one line per placeholder key (a real preview/up refuses those values). */
  warnings: string[];
}

/** Stacks with a Pulumi.<stack>.yaml next to Pulumi.yaml. */
export function listStacks(stackDir: string = REPO_ROOT): string[] {
  return fs
    .readdirSync(stackDir)
    .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

/** Flattened config of a stack file as the Pulumi CLI passes it to the program (all values strings). */
export function loadStackConfig(stack: string, stackDir: string = REPO_ROOT, namespace: string = PROJECT): Record<string, string> {
  return loadStackFile(stack, stackDir, namespace).config;
}

/**
 * A stack file's flattened config plus the keys holding `secure:` (encrypted) values. The offline
 * plan cannot decrypt those: each gets a placeholder of the key's own format (see
 * offlinePlaceholder in infra/config.ts), and the plan marks it secret like Pulumi does.
 */
export function loadStackFile(
  stack: string,
  stackDir: string = REPO_ROOT,
  namespace: string = PROJECT,
): { config: Record<string, string>; secretKeys: string[] } {
  const stacks = listStacks(stackDir);
  if (!stacks.includes(stack)) {
    throw new Error(`Unknown stack "${stack}": no Pulumi.${stack}.yaml. Available stacks: ${stacks.join(", ") || "(none)"}.`);
  }
  const file = path.join(stackDir, `Pulumi.${stack}.yaml`);
  let doc: any;
  try {
    doc = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e: any) {
    throw new Error(`Pulumi.${stack}.yaml: invalid YAML (${e.message})`);
  }
  const cfg = (doc && doc.config) || {};
  if (typeof cfg !== "object" || Array.isArray(cfg)) throw new Error(`Pulumi.${stack}.yaml: "config" must be a map of key: value`);
  const region = typeof cfg["aws:region"] === "string" ? cfg["aws:region"] : "us-east-1";
  const out: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(cfg)) {
    if (!k.includes(":")) throw new Error(`Pulumi.${stack}.yaml: config key "${k}" needs a namespace, e.g. ${namespace}:${k}`);
    if (v && typeof v === "object" && "secure" in (v as any)) {
      out[k] = offlinePlaceholder(k, region);
      secretKeys.push(k);
    } else {
      out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
  }
  return { config: out, secretKeys };
}

/** Pulumi's state encoding of a secret (`pulumi stack export --show-secrets`). */
function secretValue(v: any): any {
  return { [rpc.specialSigKey]: rpc.specialSecretSig, plaintext: JSON.stringify(v) };
}

/** Marks every string holding one of `values` (placeholders of secure config) as a secret. */
function markSecrets(v: any, values: string[]): any {
  if (values.length === 0) return v;
  if (typeof v === "string") return values.some((s) => v.includes(s)) ? secretValue(v) : v;
  if (Array.isArray(v)) return v.map((x) => markSecrets(x, values));
  if (v && typeof v === "object") {
    if (v[rpc.specialSigKey] !== undefined) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, markSecrets(x, values)]));
  }
  return v;
}

/** True for a value Pulumi's state encoding marks secret. */
export function isSecretValue(v: any): boolean {
  return !!v && typeof v === "object" && v[rpc.specialSigKey] === rpc.specialSecretSig;
}

/** Removes Pulumi secret wrappers (values are mock data in the offline plan). */
function unwrap(v: any): any {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    if (v[rpc.specialSigKey] === rpc.specialSecretSig) return unwrap(v.value);
    if (v[rpc.specialSigKey] !== undefined) return v; // assets/resource refs: keep as-is
    const o: Record<string, any> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = unwrap(x);
    return o;
  }
  return v;
}

function pkgVersion(pkg: string): string {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`@pulumi/${pkg}/package.json`), "utf8")).version;
  } catch {
    return "0.0.0";
  }
}

interface Captured {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  customTimeouts?: { create?: string; update?: string; delete?: string };
  /** The `aliases` option as sent to the engine: URNs, or specs whose blanks mean "as now". */
  aliases: AliasSpec[];
}

/** One entry of a resource's `aliases` option as the engine receives it. */
interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  stack?: string;
  project?: string;
  parentUrn?: string;
  noParent?: boolean;
}

/** The type part of a URN (`parent$...$type`). */
const urnTypeChain = (urn: string): string => urn.split("::")[2];
const urnName = (urn: string): string => urn.split("::").slice(3).join("::");

/**
 * The URNs a resource answers to besides its own, as the engine computes them: each alias spec
 * (blank fields = the resource's own), and every alias of its parent carried down to the child
 * (with the parent's former name substituted where the child's name starts with the parent's).
 */
export function resolveAliases(
  captured: { urn: string; type: string; name: string; parent?: string; aliases: AliasSpec[] }[],
  stack: string,
  project: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const byUrn = new Map(captured.map((c) => [c.urn, c]));
  const urnOf = (st: string, pr: string, parent: string | undefined, type: string, name: string) => {
    const chain = parent && urnTypeChain(parent) !== "pulumi:pulumi:Stack" ? `${urnTypeChain(parent)}$${type}` : type;
    return `urn:pulumi:${st}::${pr}::${chain}::${name}`;
  };
  const of = (c: { urn: string; type: string; name: string; parent?: string; aliases: AliasSpec[] }): string[] => {
    if (out.has(c.urn)) return out.get(c.urn)!;
    const set = new Set<string>();
    for (const a of c.aliases) {
      if (a.urn) {
        set.add(a.urn);
        continue;
      }
      const parent = a.noParent ? undefined : a.parentUrn || c.parent;
      set.add(urnOf(a.stack || stack, a.project || project, parent, a.type || c.type, a.name || c.name));
    }
    const parent = c.parent ? byUrn.get(c.parent) : undefined;
    if (parent) {
      for (const pa of of(parent)) {
        const chain = `${urnTypeChain(pa)}$${c.type}`;
        const prefix = `urn:pulumi:${stack}::${project}::${chain}::`;
        set.add(prefix + c.name);
        if (c.name.startsWith(parent.name)) set.add(prefix + urnName(pa) + c.name.slice(parent.name.length));
      }
    }
    set.delete(c.urn);
    const list = [...set].sort();
    out.set(c.urn, list);
    return list;
  };
  for (const c of captured) of(c);
  return out;
}

let running = false;

/** Runs the program for `stack` under mocks and returns the export document and resource records. */
export async function runPlan(stack: string, opts: PlanOptions = {}): Promise<PlanResult> {
  if (running) throw new Error("runPlan: a plan is already running in this process; await it first");
  running = true;
  const started = process.hrtime.bigint();
  try {
    const spec = resolveProject(opts.project);
    const project = spec.pulumiName;
    const stackDir = opts.stackDir ?? path.join(REPO_ROOT, spec.dir);
    const { config, secretKeys: fileSecrets } = loadStackFile(stack, stackDir, project);
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      if (v === undefined) delete config[k];
      else config[k] = v;
    }
    // A --config override replaces a secure value with a plain one.
    const secretKeys = fileSecrets.filter((k) => !(k in (opts.config ?? {})));
    const region = config["aws:region"] ?? "us-east-1";
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(new PlanMocks(region, stack, MOCK_ACCOUNT_ID, opts.registry), project, stack, opts.preview ?? false);

    // Capture what the engine would record: parent, dependencies, provider, protect.
    const captured: Captured[] = [];
    const byUrn = new Map<string, Captured>();
    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
      const propDeps: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((v: any, k: string) => {
        propDeps[k] = v.getUrnsList();
      });
      register(req, (err: any, resp: any) => {
        if (!err && resp) {
          const c: Captured = {
            urn: resp.getUrn(),
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            id: req.getCustom() ? resp.getId() || undefined : undefined,
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            protect: req.getProtect() || undefined,
            retainOnDelete: req.getRetainondelete?.() || undefined,
            inputs: unwrap(rpc.deserializeProperties(req.getObject())),
            outputs: unwrap(rpc.deserializeProperties(resp.getObject())),
            dependencies: req.getDependenciesList(),
            propertyDependencies: propDeps,
            aliases: [
              ...(req.getAliasurnsList?.() ?? []).map((urn: string) => ({ urn })),
              ...(req.getAliasesList?.() ?? []).map((a: any): AliasSpec => {
                if (a.hasUrn?.() || a.getUrn?.()) return { urn: a.getUrn() };
                const sp = a.getSpec();
                return {
                  name: sp.getName() || undefined,
                  type: sp.getType() || undefined,
                  stack: sp.getStack() || undefined,
                  project: sp.getProject() || undefined,
                  parentUrn: sp.getParenturn() || undefined,
                  noParent: sp.getNoparent() || undefined,
                };
              }),
            ],
          };
          const ct = req.getCustomtimeouts();
          if (ct && (ct.getCreate() || ct.getUpdate() || ct.getDelete())) {
            c.customTimeouts = Object.fromEntries(
              [
                ["create", ct.getCreate()],
                ["update", ct.getUpdate()],
                ["delete", ct.getDelete()],
              ].filter(([, v]) => v),
            );
          }
          captured.push(c);
          byUrn.set(c.urn, c);
        }
        cb(err, resp);
      });
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, cb: any) => {
      const c = byUrn.get(req.getUrn());
      if (c) c.outputs = unwrap(rpc.deserializeProperties(req.getOutputs()));
      registerOutputs(req, cb);
    };

    // Async failures inside the program (e.g. an apply that throws) must fail the plan.
    const asyncErrors: any[] = [];
    const onRejection = (e: any) => asyncErrors.push(e);
    process.on("unhandledRejection", onRejection);
    let outputs: Record<string, any> = {};
    try {
      for (const k of Object.keys(require.cache)) {
        if (k.startsWith(INFRA_DIR + path.sep) && !k.startsWith(OFFLINE_DIR + path.sep)) delete require.cache[k];
      }
      const program = opts.program ? await opts.program() : require(projectEntry(spec));
      for (const [k, v] of Object.entries(program)) {
        const o: any = pulumi.output(v as any);
        outputs[k] = unwrap(await o.promise(true));
      }
      await settings.waitForRPCs();
      // Let rejected registrations surface through the event loop.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.removeListener("unhandledRejection", onRejection);
    }
    if (asyncErrors.length) {
      const e = asyncErrors[0];
      throw new Error(`offline plan for stack "${stack}" failed: ${e?.message ?? e}`);
    }
    outputs = Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));

    // Synthesise what the engine adds: the root Stack and the default providers.
    const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const stackRes: ExportResource = { urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs, dependencies: [] };
    const providers = new Map<string, ExportResource>();
    const providerRef = (pkg: string): string => {
      const version = pkgVersion(pkg);
      const urn = `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::default_${version.replace(/\./g, "_")}`;
      if (!providers.has(urn)) {
        const id = new PlanMocks(region, stack, MOCK_ACCOUNT_ID, opts.registry)
          .hex("provider", pkg, 32)
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
        const inputs: Record<string, any> = pkg === "aws" ? { region, skipCredentialsValidation: "false", version } : { version };
        providers.set(urn, { urn, custom: true, id, type: `pulumi:providers:${pkg}`, inputs, outputs: { ...inputs }, dependencies: [] });
      }
      return `${urn}::${providers.get(urn)!.id}`;
    };
    const aliasUrns = resolveAliases(captured, stack, project);
    const resources: ExportResource[] = captured.map((c) => {
      const r: ExportResource = {
        urn: c.urn,
        custom: c.custom,
        type: c.type,
        inputs: c.inputs,
        outputs: c.custom ? c.outputs : (c.outputs ?? {}),
        parent: c.parent ?? stackUrn,
        dependencies: c.dependencies,
      };
      if (c.custom) {
        r.id = c.id;
        r.provider = c.provider ?? providerRef(c.type.split(":")[0]);
      }
      if (c.protect) r.protect = true;
      if (c.retainOnDelete) r.retainOnDelete = true;
      if (c.customTimeouts) r.customTimeouts = c.customTimeouts;
      if (Object.keys(c.propertyDependencies).length) r.propertyDependencies = c.propertyDependencies;
      const aliases = aliasUrns.get(c.urn) ?? [];
      if (aliases.length) r.aliases = aliases;
      return r;
    });
    const all = [stackRes, ...providers.values(), ...resources];
    // Values derived from `secure:` config are secrets in the export (and the tree), as in Pulumi's state.
    // (Placeholders that are a key's default, e.g. a secure integer, are too common a string to trace.)
    const secretValues = secretKeys.map((k) => config[k]).filter((v) => v !== undefined && /placeholder/i.test(v));
    const exported = all.map((r) =>
      secretValues.length === 0 ? r : { ...r, inputs: markSecrets(r.inputs, secretValues), outputs: markSecrets(r.outputs, secretValues) },
    );
    const exportDoc: ExportDoc = {
      version: 3,
      deployment: {
        manifest: { time: "1970-01-01T00:00:00Z", magic: "offline-plan", version: `v${pkgVersion("pulumi")}` },
        resources: exported,
      },
    };
    const records: ResourceRecord[] = all.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.urn.split("::").pop(),
      custom: r.custom,
      id: r.id,
      parent: r.parent,
      provider: r.provider,
      inputs: r.inputs,
      outputs: r.outputs,
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    }));
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    // The program accepted the config (under mocks); the same loader names its placeholders.
    const warnings =
      spec.pulumiName === NAMESPACE ? loadConfig((k) => config[`${NAMESPACE}:${k}`], region, stack, { monitorAddr: "mock" }).warnings : [];
    return { stack, exportDoc, resources: records, outputs, durationMs, secretKeys, warnings };
  } finally {
    running = false;
  }
}
