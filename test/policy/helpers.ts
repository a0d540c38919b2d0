// Test helpers: build ResourceRecords and run single policies through the evaluator.
import { evaluateResources, Finding, PolicyPackConfigFile, ResourceRecord } from "../../policy/evaluator";

export const STACK_URN_PREFIX = "urn:pulumi:test::paved::";

export function res(type: string, name: string, inputs: Record<string, any>, outputs?: Record<string, any>): ResourceRecord {
    return { urn: `${STACK_URN_PREFIX}${type}::${name}`, type, name, custom: true, inputs, outputs: outputs ?? inputs };
}

export async function run(resources: ResourceRecord[], config: PolicyPackConfigFile = {}, now?: Date, preview?: boolean): Promise<Finding[]> {
    return evaluateResources(resources, { config, now, preview });
}

/** Findings of one policy, any level except exempted unless asked. */
export async function findingsOf(policy: string, resources: ResourceRecord[], config: PolicyPackConfigFile = {}): Promise<Finding[]> {
    return (await run(resources, config)).filter(f => f.policy === policy);
}

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
