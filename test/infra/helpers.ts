/** Shared helpers for the infra tests: one cached offline plan per stack. */
import { runPlan, PlanResult, ResourceRecord } from "../../infra/offline/plan";
import { DATA_CLASS_OF, type KeyPurpose } from "../../infra/components/keys";

const cache = new Map<string, Promise<PlanResult>>();

/** The offline plan of a stack with its committed config (computed once per test process). */
export function plan(stack: string): Promise<PlanResult> {
  if (!cache.has(stack)) cache.set(stack, runPlan(stack));
  return cache.get(stack)!;
}

export const STACKS = ["staging", "prod"] as const;

export function ofType(p: PlanResult, type: string): ResourceRecord[] {
  return p.resources.filter((r) => r.type === type);
}

/** The single resource of a type whose logical name ends with `suffix`. */
export function one(p: PlanResult, type: string, suffix = ""): ResourceRecord {
  const found = ofType(p, type).filter((r) => (r.name ?? "").endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected exactly one ${type} named *${suffix}, found ${found.length}`);
  return found[0];
}

/** Parsed container definitions of the task definition family `<name>` or `<name>-migrate`. */
export function containers(p: PlanResult, suffix: "app" | "migrate"): any[] {
  return JSON.parse(one(p, "aws:ecs/taskDefinition:TaskDefinition", `-${suffix}`).inputs.containerDefinitions);
}

export function policyDoc(r: ResourceRecord, field = "policy"): any {
  return JSON.parse(r.inputs[field]);
}

/** The KMS key a purpose uses: its own key (kmsKeys=perPurpose) or its data class's (perDataClass). */
export function keyFor(p: PlanResult, purpose: KeyPurpose): ResourceRecord {
  const own = ofType(p, "aws:kms/key:Key").filter((r) => (r.name ?? "").endsWith(`-${purpose}`));
  return own.length === 1 ? own[0] : one(p, "aws:kms/key:Key", `-${DATA_CLASS_OF[purpose]}`);
}
