// The policy reference is generated (npm run docs:policies) and must match the
// policies; the pack is usable on its own: it imports nothing outside policy/,
// declares every package it imports, has a version, and every policy carries
// what the reference and the Pulumi CLI need.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { policies, policyAreas } from "../../policy/policies";
import { renderPolicyReference } from "../../policy/scripts/policy-docs";

const ROOT = path.resolve(__dirname, "..", "..");
const POLICY = path.join(ROOT, "policy");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      return e.name === "node_modules" ? [] : tsFiles(p);
    }
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

describe("policy pack: reference docs and standalone use", () => {
  // Freshness of docs/policies.md: the one test of every generated file, test/infra/generate.test.ts.

  it("the reference covers every policy with severity, what, why and how to fix", () => {
    const doc = renderPolicyReference();
    const listed = policyAreas.flatMap((a) => a.policies.map((p) => p.name));
    assert.deepStrictEqual([...listed].sort(), policies.map((p) => p.name).sort(), "every policy is in exactly one area");
    for (const p of policies) {
      assert.ok(doc.includes(`### ${p.name}\n`), p.name);
      assert.ok((p.pavedRationale ?? "").length > 20, `${p.name} has a rationale`);
      assert.ok((p.remediationSteps ?? "").length > 20, `${p.name} has remediation steps`);
    }
    const version = JSON.parse(fs.readFileSync(path.join(POLICY, "package.json"), "utf8")).version;
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.ok(doc.includes(`paved-guardrails ${version}`));
  });

  it("every policy's configSchema is valid JSON Schema that rejects a wrong type (the CLI validates config with it)", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const p of policies) {
      const schema = { type: "object", properties: p.configSchema!.properties, required: p.configSchema!.required ?? [] };
      const validate = ajv.compile(schema);
      for (const [key, prop] of Object.entries(p.configSchema!.properties)) {
        const wrong = (prop as any).type === "string" ? 42 : "not-a-" + String((prop as any).type);
        assert.strictEqual(validate({ [key]: wrong }), false, `${p.name}.${key} accepts ${JSON.stringify(wrong)}`);
        if ((prop as any).default !== undefined) {
          assert.strictEqual(validate({ [key]: (prop as any).default }), true, `${p.name}.${key} rejects its own default`);
        }
      }
    }
  });

  it("the pack imports nothing outside policy/ and declares every package it imports", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(POLICY, "package.json"), "utf8"));
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
    const builtin = new Set(require("module").builtinModules as string[]);
    const problems: string[] = [];
    for (const file of tsFiles(POLICY)) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from\s+|require\(|import\()\s*["']([^"']+)["']/g)) {
        const spec = m[1];
        if (spec.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec);
          if (!target.startsWith(POLICY + path.sep)) {
            problems.push(`${path.relative(ROOT, file)} imports ${spec} (outside policy/)`);
          }
          continue;
        }
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        if (!builtin.has(name) && !builtin.has(name.replace(/^node:/, "")) && !declared.has(name)) {
          problems.push(`${path.relative(ROOT, file)} imports ${spec}, which policy/package.json does not declare`);
        }
      }
    }
    assert.deepStrictEqual(problems, []);
  });
});
