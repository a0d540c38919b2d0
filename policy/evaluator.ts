// Offline evaluator: runs the pack's policies without the Pulumi CLI, with the
// engine's semantics (see node_modules/@pulumi/policy/server.js):
//   * resource policies see each resource's inputs, stack policies its outputs;
//   * enforcement level = per-policy config > "all" > policy default > pack default,
//     "disabled" skips the policy, "remediate" reports as mandatory;
//   * getConfig returns the policy's config (schema defaults applied);
//   * props are wrapped in @pulumi/policy's unknown-checking proxy, and a policy
//     that reads an unknown value is reported as an advisory "can't run during
//     preview" instead of a violation;
//   * notApplicable() skips the policy for that resource.
// It imports exactly the policy objects that policy/index.ts registers, and
// never constructs the PolicyPack (that would start the gRPC server).
import * as fs from "fs";
import Ajv from "ajv";
import {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  StackValidationArgs,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import { configWithDefaults, nameFromUrn, PavedPolicy } from "./lib/core";
import { appliedExemptions, expiryInstant, resetExemptionRegistry } from "./lib/exemptions";
import { UNKNOWN } from "./lib/values";
import { PACK_ENFORCEMENT_LEVEL, policies as packPolicies } from "./policies";

export interface ResourceRecord {
  urn: string;
  type: string;
  name?: string;
  custom?: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  inputs: Record<string, any>;
  outputs?: Record<string, any>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export type FindingLevel = "mandatory" | "advisory" | "exempted";

export interface Finding {
  policy: string;
  enforcementLevel: FindingLevel;
  severity: "low" | "medium" | "high" | "critical";
  urn?: string;
  resourceName?: string;
  type?: string;
  message: string;
  remediation: string;
  exemption?: { reason: string; expires: string };
}

export type PolicyPackConfigFile = Record<string, any>;

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

interface ResolvedPolicy {
  policy: PavedPolicy;
  level: EnforcementLevel;
  config: Record<string, any>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ReturnType<Ajv["compile"]>>();

function validatorFor(p: PavedPolicy) {
  let v = validators.get(p.name);
  if (!v) {
    v = ajv.compile({
      type: "object",
      properties: { ...(p.configSchema?.properties ?? {}), enforcementLevel: { enum: LEVELS } },
      required: p.configSchema?.required ?? [],
      additionalProperties: false,
    });
    validators.set(p.name, v);
  }
  return v;
}

/** Validates a --policy-pack-config document; returns problems (empty when valid). */
export function validatePolicyConfig(config: PolicyPackConfigFile, policies: PavedPolicy[] = packPolicies): string[] {
  const problems: string[] = [];
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    return ['expected a JSON object keyed by policy name (or "all")'];
  }
  const byName = new Map(policies.map((p) => [p.name, p]));
  for (const [key, value] of Object.entries(config)) {
    if (key === "all") {
      if (!LEVELS.includes(value)) {
        problems.push(`"all" must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(value)}`);
      }
      continue;
    }
    const p = byName.get(key);
    if (!p) {
      problems.push(`unknown policy "${key}" (known: ${[...byName.keys()].join(", ")})`);
      continue;
    }
    if (typeof value === "string") {
      if (!LEVELS.includes(value as EnforcementLevel)) {
        problems.push(`${key}: enforcement level must be one of ${LEVELS.join(", ")}, got "${value}"`);
      }
      continue;
    }
    const validate = validatorFor(p);
    if (!validate(value)) {
      for (const e of validate.errors ?? []) {
        const extra = e.keyword === "additionalProperties" ? ` "${(e.params as any).additionalProperty}"` : "";
        problems.push(`${key}${e.instancePath}: ${e.message}${extra}`);
      }
      continue;
    }
    for (const [i, ex] of ((value as any).exemptions ?? []).entries()) {
      if (Number.isNaN(expiryInstant(ex.expires))) {
        problems.push(`${key}/exemptions/${i}/expires: "${ex.expires}" is not a real calendar date (YYYY-MM-DD)`);
      }
    }
  }
  return problems;
}

export function loadPolicyConfig(file: string): PolicyPackConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e: any) {
    throw new Error(`policy config ${file}: cannot read file (${e.code ?? e.message})`);
  }
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch (e: any) {
    throw new Error(`policy config ${file}: invalid JSON (${e.message})`);
  }
  const problems = validatePolicyConfig(parsed);
  if (problems.length > 0) {
    throw new Error(`policy config ${file} is invalid:\n  - ${problems.join("\n  - ")}`);
  }
  return parsed;
}

/** Engine precedence: per-policy level > "all" > the policy's default > the pack's default. */
export function resolvePolicies(config: PolicyPackConfigFile = {}, policies: PavedPolicy[] = packPolicies): ResolvedPolicy[] {
  return policies.map((policy) => {
    const entry = config[policy.name];
    const own = typeof entry === "string" ? entry : entry?.enforcementLevel;
    const level: EnforcementLevel = own ?? config.all ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
    const props = typeof entry === "object" && entry !== null ? entry : {};
    return { policy, level, config: configWithDefaults(policy.configSchema, props) };
  });
}

// Secrets in a stack export are {sig, plaintext|ciphertext}; preview JSON masks them as "[secret]".
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Decodes state-file encodings into what the engine would hand a policy. */
export function decodeProperties(v: any): any {
  if (v === "[secret]") {
    return UNKNOWN;
  }
  if (Array.isArray(v)) {
    return v.map(decodeProperties);
  }
  if (v && typeof v === "object") {
    if (v[SIG_KEY] === SECRET_SIG) {
      if (typeof v.plaintext === "string") {
        try {
          return decodeProperties(JSON.parse(v.plaintext));
        } catch {
          return UNKNOWN;
        }
      }
      return UNKNOWN; // encrypted: the value cannot be seen offline
    }
    const out: Record<string, any> = {};
    for (const [k, val] of Object.entries(v)) {
      out[k] = decodeProperties(val);
    }
    return out;
  }
  return v;
}

// Same tests as @pulumi/policy's internal isResourcePolicy/isStackPolicy.
function isResourcePolicy(p: any): boolean {
  return typeof p.validateResource === "function" || Array.isArray(p.validateResource) || typeof p.remediateResource === "function";
}
function isStackPolicy(p: any): boolean {
  return typeof p.validateStack === "function";
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason ?? "not applicable");
};

function emptyOptions() {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
}

function isTypeOf(type: string, resourceClass: any): boolean {
  const t = resourceClass?.__pulumiType;
  if (typeof t === "string") {
    return t === type;
  }
  return typeof resourceClass?.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

function severityOf(p: PavedPolicy): Finding["severity"] {
  return (p.severity ?? "medium") as Finding["severity"];
}

function toLevel(level: EnforcementLevel): FindingLevel {
  return level === "advisory" ? "advisory" : "mandatory";
}

// Evaluations share the exemption registry, so they run one at a time.
let queue: Promise<unknown> = Promise.resolve();

export function evaluateResources(
  resources: ResourceRecord[],
  options: { config?: PolicyPackConfigFile; preview?: boolean; now?: Date; policies?: PavedPolicy[] } = {},
): Promise<Finding[]> {
  const run = queue.then(() => evaluateNow(resources, options));
  queue = run.catch(() => undefined);
  return run;
}

async function evaluateNow(
  records: ResourceRecord[],
  options: { config?: PolicyPackConfigFile; preview?: boolean; now?: Date; policies?: PavedPolicy[] },
): Promise<Finding[]> {
  const policies = options.policies ?? packPolicies;
  const config = options.config ?? {};
  const problems = validatePolicyConfig(config, policies);
  if (problems.length > 0) {
    throw new Error(`policy config is invalid:\n  - ${problems.join("\n  - ")}`);
  }
  const resolved = resolvePolicies(config, policies).filter((r) => r.level !== "disabled");
  resetExemptionRegistry(options.now ?? new Date());

  const findings: Finding[] = [];
  const byUrn = new Map<string, ResourceRecord>();
  for (const r of records) {
    byUrn.set(r.urn, r);
  }
  const decodedInputs = records.map((r) => decodeProperties(r.inputs ?? {}));

  const providerOf = (r: ResourceRecord) => {
    if (!r.provider) {
      return undefined;
    }
    // Provider references are "<provider urn>::<provider id>".
    const i = r.provider.lastIndexOf("::");
    const p = byUrn.get(i >= 0 ? r.provider.slice(0, i) : r.provider);
    if (!p) {
      return undefined;
    }
    return { type: p.type, urn: p.urn, name: p.name ?? nameFromUrn(p.urn), props: unknownCheckingProxy(decodeProperties(p.inputs ?? {})) };
  };

  const report =
    (rp: ResolvedPolicy, r: { urn?: string; type?: string; name?: string }): ReportViolation =>
    (message: any, urn?: string) => {
      const text = typeof message === "string" ? message : (message?.message ?? rp.policy.description);
      const target = urn ?? r.urn;
      const rec = target ? byUrn.get(target) : undefined;
      findings.push({
        policy: rp.policy.name,
        enforcementLevel: toLevel(rp.level),
        severity: severityOf(rp.policy),
        urn: target,
        resourceName: rec?.name ?? (target ? nameFromUrn(target) : undefined),
        type: rec?.type ?? r.type,
        message: text,
        remediation: rp.policy.remediationSteps ?? "",
      });
    };

  const cantRun = (rp: ResolvedPolicy, e: UnknownValueError, r?: ResourceRecord) => {
    findings.push({
      policy: rp.policy.name,
      enforcementLevel: "advisory",
      severity: severityOf(rp.policy),
      urn: r?.urn,
      resourceName: r ? (r.name ?? nameFromUrn(r.urn)) : undefined,
      type: r?.type,
      message: `can't run policy ${options.preview ? "during preview" : "offline"}: ${e.message}`,
      remediation: rp.policy.remediationSteps ?? "",
    });
  };

  const resourcePolicies = resolved.filter((rp) => isResourcePolicy(rp.policy));
  const stackPolicies = resolved.filter((rp) => isStackPolicy(rp.policy));

  // Resource policies, on inputs (the engine's Analyze). One reporter per
  // policy (pointed at the current resource) and awaiting only real promises
  // keep this linear and allocation-light for 10k-resource stacks.
  const reporters = new Map<ResolvedPolicy, { target: ResourceRecord | undefined; fn: ReportViolation }>();
  for (const rp of resourcePolicies) {
    const holder: { target: ResourceRecord | undefined; fn: ReportViolation } = { target: undefined, fn: undefined as any };
    holder.fn = (message: any, urn?: string) => report(rp, holder.target ?? {})(message, urn);
    reporters.set(rp, holder);
  }
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const props = unknownCheckingProxy(decodedInputs[i]);
    const provider = providerOf(r);
    const name = r.name ?? nameFromUrn(r.urn);
    for (const rp of resourcePolicies) {
      const p = rp.policy as any;
      const validations: any[] = Array.isArray(p.validateResource) ? p.validateResource : p.validateResource ? [p.validateResource] : [];
      if (validations.length === 1 && typeof validations[0].__pulumiType === "string" && validations[0].__pulumiType !== r.type) {
        continue; // the engine's fast not-applicable path
      }
      const args: ResourceValidationArgs = {
        type: r.type,
        props,
        urn: r.urn,
        name,
        opts: emptyOptions(),
        stackTags: new Map(),
        isType: (cls: any) => isTypeOf(r.type, cls),
        asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
        getConfig: (() => rp.config) as any,
        notApplicable,
      };
      if (provider) {
        args.provider = provider;
      }
      const reporter = reporters.get(rp)!;
      reporter.target = r;
      for (const validation of validations) {
        try {
          const result = validation(args, reporter.fn);
          if (result && typeof result.then === "function") {
            await result;
          }
        } catch (e) {
          if (e instanceof UnknownValueError) {
            cantRun(rp, e, r);
          } else if (!(e instanceof NotApplicable)) {
            throw new Error(`policy ${rp.policy.name} failed on ${r.urn}: ${(e as Error).stack ?? e}`);
          }
        }
      }
    }
  }

  // Stack policies, on outputs (the engine's AnalyzeStack).
  if (stackPolicies.length > 0) {
    const stackResources: PolicyResource[] = records.map((r) => {
      const outputs = r.outputs && Object.keys(r.outputs).length > 0 ? r.outputs : (r.inputs ?? {});
      const decoded = decodeProperties(outputs); // a fresh object, so adding to it is safe
      // Bridged AWS resources carry their id among their outputs, and stack policies
      // correlate by it (a rule's securityGroupId, a load balancer's securityGroups);
      // exports that keep it only at the top level get it copied in.
      if (typeof r.id === "string" && r.id !== "" && decoded && typeof decoded === "object" && decoded.id === undefined) {
        decoded.id = r.id;
      }
      const props = unknownCheckingProxy(decoded);
      return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name ?? nameFromUrn(r.urn),
        opts: emptyOptions(),
        dependencies: [],
        propertyDependencies: {},
        isType: (cls: any) => isTypeOf(r.type, cls),
        asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
      } as PolicyResource;
    });
    const resByUrn = new Map(stackResources.map((r) => [r.urn, r]));
    records.forEach((r, i) => {
      const sr = stackResources[i] as any;
      if (r.parent && resByUrn.has(r.parent)) {
        sr.parent = resByUrn.get(r.parent);
      }
      sr.dependencies = (r.dependencies ?? []).map((d) => resByUrn.get(d)).filter(Boolean);
      for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) {
        sr.propertyDependencies[k] = (v ?? []).map((d) => resByUrn.get(d)).filter(Boolean);
      }
      const provider = providerOf(r);
      if (provider) {
        sr.provider = provider;
      }
    });
    for (const rp of stackPolicies) {
      if ((rp.policy as any).pavedExemptionReport) {
        // The evaluator reports exemptions as "exempted" findings below, from
        // the same registry this policy reads; running it would duplicate them.
        continue;
      }
      const args: StackValidationArgs = {
        resources: stackResources,
        getConfig: (() => rp.config) as any,
        stackTags: new Map(),
        notApplicable,
      };
      try {
        await (rp.policy as any).validateStack(args, report(rp, {}));
      } catch (e) {
        if (e instanceof UnknownValueError) {
          cantRun(rp, e);
        } else if (!(e instanceof NotApplicable)) {
          throw new Error(`policy ${rp.policy.name} failed: ${(e as Error).stack ?? e}`);
        }
      }
    }
  }

  const policyByName = new Map(policies.map((p) => [p.name, p]));
  for (const a of appliedExemptions()) {
    const p = policyByName.get(a.policy);
    const rec = byUrn.get(a.urn);
    findings.push({
      policy: a.policy,
      enforcementLevel: "exempted",
      severity: p ? severityOf(p) : "medium",
      urn: a.urn,
      resourceName: rec?.name ?? nameFromUrn(a.urn),
      type: rec?.type,
      message: a.message,
      remediation: p?.remediationSteps ?? "",
      exemption: { reason: a.exemption.reason, expires: a.exemption.expires },
    });
  }
  const order: Record<FindingLevel, number> = { mandatory: 0, advisory: 1, exempted: 2 };
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => order[a.f.enforcementLevel] - order[b.f.enforcementLevel] || a.i - b.i)
    .map((x) => x.f);
}

export function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) {
    return "policy: no violations.";
  }
  const lines: string[] = [];
  for (const f of findings) {
    const where = f.urn ? `${f.resourceName ?? nameFromUrn(f.urn)} (${f.type ?? "?"})` : "(stack)";
    lines.push(`[${f.enforcementLevel}] ${f.policy} (${f.severity}) ${where}`);
    for (const l of f.message.split("\n")) {
      lines.push(`    ${l}`);
    }
    if (f.exemption) {
      lines.push(`    exempted until ${f.exemption.expires}: ${f.exemption.reason}`);
    } else if (f.remediation) {
      lines.push(`    fix: ${f.remediation}`);
    }
  }
  const count = (l: FindingLevel) => findings.filter((f) => f.enforcementLevel === l).length;
  lines.push(`policy: ${count("mandatory")} mandatory, ${count("advisory")} advisory, ${count("exempted")} exempted.`);
  return lines.join("\n");
}
