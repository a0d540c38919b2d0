// Building blocks shared by every policy in the pack.
//
// Policies are plain @pulumi/policy objects so the same objects run inside the
// Pulumi engine (via index.ts) and inside the offline evaluator. Each policy is
// built with `resourcePolicy`/`stackPolicy`, which add three things uniformly:
//   * type matching against the literal type tokens a policy covers (both the
//     aws:lb/* and aws:alb/* spellings, V1/V2 S3 tokens, ...);
//   * config = the schema defaults merged with the stack's policy config (the
//     engine only applies defaults when a config file is passed, so we apply
//     them here too and the policy behaves the same either way);
//   * exemptions from the stack's policy config file (see exemptions.ts).
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { exemptionsSchema, recordPolicyConfig, screenViolation } from "./exemptions";
import { unwrap } from "./values";

/** A resource as the policies see it: raw props with unknown sentinels left in place. */
export interface Res {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
  /** Stack policies only: URNs this resource depends on, overall and per property. */
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export type Config = Record<string, any>;

export interface PavedPolicyMeta {
  name: string;
  description: string;
  /** Why the policy exists (the risk it prevents); shown in the generated policy reference (every pack policy has one: test/policy/docs.test.ts). */
  rationale?: string;
  severity: Severity;
  /** Secure default; stacks may relax it in policy/config/<stack>.json. */
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  /** Threshold/config properties (exemptions are added automatically). */
  config?: Record<string, PolicyConfigJSONSchema>;
  /** Whether findings of this policy can be exempted (false for the exemption policies themselves). */
  exemptible?: boolean;
}

export interface ResourceSpec extends PavedPolicyMeta {
  /** Exact Pulumi type tokens this policy applies to. */
  types: string[];
  validate(r: Res, config: Config, report: (message: string) => void): void;
}

export interface StackSpec extends PavedPolicyMeta {
  /** The resource types the stack policy correlates (documentation only: a stack policy sees every resource). */
  types?: string[];
  validate(resources: Res[], config: Config, report: (message: string, urn?: string) => void): void;
}

/** Extra metadata carried on each policy object (ignored by the engine). */
export interface PavedExtras {
  /** Type tokens a resource policy applies to (for docs and the evaluator's fast path). */
  pavedTypes?: string[];
  /** Why the policy exists, for the generated policy reference (ignored by the engine). */
  pavedRationale?: string;
  /** Config properties the policy itself defines (exemptions excluded), for the reference. */
  pavedConfig?: Record<string, PolicyConfigJSONSchema>;
  /** Evaluator hint: findings of this policy are the exemption report itself. */
  pavedExemptionReport?: boolean;
}

export type PavedResourcePolicy = ResourceValidationPolicy & PavedExtras;
export type PavedStackPolicy = StackValidationPolicy & PavedExtras;
export type PavedPolicy = PavedResourcePolicy | PavedStackPolicy;

function buildSchema(meta: PavedPolicyMeta): PolicyConfigSchema {
  const properties: Record<string, PolicyConfigJSONSchema> = { ...(meta.config ?? {}) };
  if (meta.exemptible !== false) {
    properties.exemptions = exemptionsSchema;
  }
  return { properties };
}

const mergedCache = new WeakMap<object, Config>();

/** configWithDefaults, memoised per configured object (the evaluator hands out one per policy). */
function mergedConfig(schema: PolicyConfigSchema, configured: Config): Config {
  if (!configured || typeof configured !== "object") {
    return configWithDefaults(schema, {});
  }
  let merged = mergedCache.get(configured);
  if (!merged) {
    merged = configWithDefaults(schema, configured);
    mergedCache.set(configured, merged);
  }
  return merged;
}

/** Schema defaults, then the configured values on top. */
export function configWithDefaults(schema: PolicyConfigSchema | undefined, configured: Config): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(schema?.properties ?? {})) {
    if (v.default !== undefined) {
      out[k] = v.default;
    }
  }
  for (const [k, v] of Object.entries(configured ?? {})) {
    if (k !== "enforcementLevel" && v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

export function nameFromUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

export function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts.length >= 4 ? parts[2] : "";
  const j = qualified.lastIndexOf("$");
  return j >= 0 ? qualified.slice(j + 1) : qualified;
}

export function resourcePolicy(spec: ResourceSpec): PavedResourcePolicy {
  const configSchema = buildSchema(spec);
  const types = new Set(spec.types);
  const validateResource = (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const config = mergedConfig(configSchema, args.getConfig<Config>());
    // Record config on every call (not just matching types) so the exemption
    // policies know every configured exemption once any resource was analyzed.
    recordPolicyConfig(spec.name, config, spec.exemptible !== false);
    if (!types.has(args.type)) {
      return;
    }
    const res: Res = { type: args.type, name: args.name, urn: args.urn, props: unwrap(args.props) };
    spec.validate(res, config, (message) => {
      const screened = screenViolation(spec.name, config, args.urn, args.name, message, spec.exemptible !== false);
      if (screened !== undefined) {
        reportViolation(screened);
      }
    });
  };
  return {
    ...policyMetadata(spec, configSchema),
    validateResource,
    pavedTypes: spec.types,
    pavedRationale: spec.rationale,
    pavedConfig: spec.config ?? {},
  };
}

export function stackPolicy(spec: StackSpec, extras: PavedExtras = {}): PavedStackPolicy {
  const configSchema = buildSchema(spec);
  const validateStack = (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const config = mergedConfig(configSchema, args.getConfig<Config>());
    recordPolicyConfig(spec.name, config, spec.exemptible !== false);
    const resources: Res[] = args.resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: unwrap(r.props),
      dependencies: (r.dependencies ?? []).map((d) => d.urn),
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDependencies ?? {}).map(([k, v]) => [k, (v ?? []).map((d) => d.urn)]),
      ),
    }));
    spec.validate(resources, config, (message, urn) => {
      const screened =
        urn === undefined ? message : screenViolation(spec.name, config, urn, nameFromUrn(urn), message, spec.exemptible !== false);
      if (screened !== undefined) {
        reportViolation(screened, urn);
      }
    });
  };
  return {
    ...policyMetadata(spec, configSchema),
    validateStack,
    pavedTypes: spec.types,
    pavedRationale: spec.rationale,
    pavedConfig: spec.config ?? {},
    ...extras,
  };
}

/** What the engine shows for every policy: the same fields for resource and stack policies. */
function policyMetadata(spec: PavedPolicyMeta, configSchema: PolicyConfigSchema) {
  return {
    name: spec.name,
    description: spec.description,
    severity: spec.severity,
    enforcementLevel: spec.enforcementLevel,
    remediationSteps: spec.remediationSteps,
    configSchema,
  };
}
