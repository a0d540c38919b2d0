// Test helpers: build ResourceRecords and run single policies through the evaluator.
import { evaluateResources, Finding, PolicyPackConfigFile, ResourceRecord } from "../../policy/evaluator";

export const STACK_URN_PREFIX = "urn:pulumi:test::paved::";

export function res(type: string, name: string, inputs: Record<string, any>, outputs?: Record<string, any>): ResourceRecord {
  return { urn: `${STACK_URN_PREFIX}${type}::${name}`, type, name, custom: true, inputs, outputs: outputs ?? inputs };
}

export async function run(
  resources: ResourceRecord[],
  config: PolicyPackConfigFile = {},
  now?: Date,
  preview?: boolean,
): Promise<Finding[]> {
  return evaluateResources(resources, { config, now, preview });
}

/** Findings of one policy, any level except exempted unless asked. */
export async function findingsOf(policy: string, resources: ResourceRecord[], config: PolicyPackConfigFile = {}): Promise<Finding[]> {
  return (await run(resources, config)).filter((f) => f.policy === policy);
}

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

import * as assert from "assert";

/** Asserts the policy reports on the resource(s) (optionally a message matching `pattern`). */
export async function violates(
  policy: string,
  resources: ResourceRecord | ResourceRecord[],
  pattern?: RegExp,
  config: PolicyPackConfigFile = {},
): Promise<Finding[]> {
  const list = Array.isArray(resources) ? resources : [resources];
  const fs = (await findingsOf(policy, list, config)).filter((f) => f.enforcementLevel !== "exempted");
  assert.ok(fs.length > 0, `expected ${policy} to report on ${list.map((r) => r.name).join(", ")}`);
  if (pattern) {
    assert.ok(
      fs.some((f) => pattern.test(f.message)),
      `expected a ${policy} message matching ${pattern}, got: ${fs.map((f) => f.message).join(" | ")}`,
    );
  }
  return fs;
}

/** Asserts the policy reports nothing on the resource(s). */
export async function passes(
  policy: string,
  resources: ResourceRecord | ResourceRecord[],
  config: PolicyPackConfigFile = {},
): Promise<void> {
  const list = Array.isArray(resources) ? resources : [resources];
  const fs = await findingsOf(policy, list, config);
  assert.deepStrictEqual(
    fs.map((f) => f.message),
    [],
    `expected ${policy} to pass`,
  );
}
