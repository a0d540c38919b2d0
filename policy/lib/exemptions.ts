// Reviewed, expiring, per-resource exemptions.
//
// Exemptions exist only in the stack's policy config file
// (policy/config/<stack>.json, passed with --policy-pack-config), under the
// policy they relax:
//
//   "paved-rds-multi-az": { "exemptions": [
//       { "resource": "db", "reason": "single-AZ until the Q3 budget", "expires": "2026-09-30" } ] }
//
// Nothing a program declares (tags, names, props) can exempt a resource.
// This module keeps a per-process registry: the engine runs every resource
// Analyze call before AnalyzeStack in the same pack process, so the stack
// policies in policies/exemptions.ts can report exempted findings and expired
// exemptions collected while the resource policies ran.
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

export interface Exemption {
  resource: string;
  reason: string;
  expires: string;
}

export interface AppliedExemption {
  policy: string;
  urn: string;
  message: string;
  exemption: Exemption;
}

export interface ConfiguredExemption {
  policy: string;
  exemption: Exemption;
}

export const exemptionsSchema: PolicyConfigJSONSchema = {
  type: "array",
  description: "Reviewed exceptions: the resource (URN or logical name), why, and the last day (UTC) it applies.",
  default: [],
  items: {
    type: "object",
    properties: {
      resource: { type: "string", minLength: 1, description: "Resource URN or logical name." },
      reason: { type: "string", minLength: 10, description: "Why this is acceptable, and who reviewed it." },
      expires: {
        type: "string",
        pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        description: "Last day (UTC, YYYY-MM-DD) the exemption applies; afterwards it is a mandatory violation.",
      },
    },
    required: ["resource", "reason", "expires"],
    additionalProperties: false,
  },
};

let clock: () => Date = () => new Date();
const configured = new Map<string, Exemption[]>();
const applied = new Map<string, AppliedExemption>();

/** Resets the registry; the evaluator does this at the start of each evaluation. */
export function resetExemptionRegistry(now?: Date): void {
  configured.clear();
  applied.clear();
  clock = now ? () => now : () => new Date();
}

/** End of the expiry day in UTC; NaN for an invalid date. */
export function expiryInstant(expires: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(expires)) {
    return NaN;
  }
  const t = Date.parse(`${expires}T23:59:59.999Z`);
  // Reject dates that Date.parse silently rolls over (2026-02-31).
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== expires) {
    return NaN;
  }
  return t;
}

export function isExpired(e: Exemption, now: Date = clock()): boolean {
  const t = expiryInstant(e.expires);
  return Number.isNaN(t) || now.getTime() > t;
}

function exemptionList(config: Record<string, any>): Exemption[] {
  const list = config?.exemptions;
  if (!Array.isArray(list)) {
    return [];
  }
  return list.filter((e) => e && typeof e.resource === "string" && typeof e.reason === "string" && typeof e.expires === "string");
}

export function recordPolicyConfig(policy: string, config: Record<string, any>, exemptible: boolean): void {
  if (exemptible && !configured.has(policy)) {
    configured.set(policy, exemptionList(config));
  }
}

/**
 * Decides what happens to a violation: returns the message to report, or
 * undefined when a current exemption covers the resource (then it is recorded
 * for the exemption report). An expired exemption does not suppress anything.
 */
export function screenViolation(
  policy: string,
  config: Record<string, any>,
  urn: string,
  name: string,
  message: string,
  exemptible: boolean,
): string | undefined {
  if (!exemptible) {
    return message;
  }
  const matches = exemptionList(config).filter((e) => e.resource === urn || e.resource === name);
  if (matches.length === 0) {
    return message;
  }
  const current = matches.find((e) => !isExpired(e));
  if (current) {
    applied.set(`${policy}\u0000${urn}\u0000${message}`, { policy, urn, message, exemption: current });
    return undefined;
  }
  const last = matches[matches.length - 1];
  return `${message}\n(exemption for '${last.resource}' expired on ${last.expires}; it no longer applies)`;
}

export function appliedExemptions(): AppliedExemption[] {
  return [...applied.values()];
}

export function configuredExemptions(): ConfiguredExemption[] {
  const out: ConfiguredExemption[] = [];
  for (const [policy, list] of configured) {
    for (const exemption of list) {
      out.push({ policy, exemption });
    }
  }
  return out;
}

export function now(): Date {
  return clock();
}

/** Default longest an exemption may run, in days, when the stack's policy config sets no limit. */
export const DEFAULT_MAX_EXEMPTION_DAYS = 365;

/**
 * Why `expires` is not acceptable for a new or configured exemption under the stack's limit
 * (`maxExemptionDays`, set on paved-exemptions-not-expired in policy/config/<stack>.json), or
 * undefined when it is. `now` is injected so nothing depends on today's date.
 */
export function expiryProblem(expires: string, maxDays: number, now: Date): string | undefined {
  const t = expiryInstant(expires);
  if (Number.isNaN(t)) {
    return `'${expires}' is not a date (use YYYY-MM-DD)`;
  }
  if (now.getTime() > t) {
    return `${expires} is in the past`;
  }
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const last = new Date(today + maxDays * 86400000).toISOString().slice(0, 10);
  if (expires > last) {
    return `${expires} is more than ${maxDays} days away (this stack's maxExemptionDays; the latest allowed is ${last})`;
  }
  return undefined;
}
