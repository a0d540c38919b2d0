// The peer-derived corpus (test/policy/corpus/): every violation is caught on
// the resource holding the setting, every safe case passes, and every message
// reads as a sentence with real values and comes with remediation.
import * as assert from "assert";
import { evaluateResources, Finding } from "../../policy/evaluator";
import { corpus } from "./corpus";

const NOW = new Date("2026-06-15T12:00:00Z");

/** Messages with empty or missing interpolations, or that do not end like a sentence. */
export function sentenceProblems(f: Finding): string[] {
  const problems: string[] = [];
  const m = f.message;
  if (/\bundefined\b|\bnull\b|\bNaN\b|\[object |''|""|\(\)|\s[,;.]|\s:(?!:)|,,| {2}/.test(m)) {
    problems.push("empty or missing interpolation");
  }
  if (!/[.)]$/.test(m)) {
    problems.push("does not end with a full stop");
  }
  if (!f.remediation || f.remediation.length < 20) {
    problems.push("no remediation");
  }
  return problems;
}

describe("policy corpus: peers' cases as @pulumi/aws v7 exports", function () {
  this.timeout(120_000);

  it("has at least 150 cases, a third of them safe, each citing its peer source, with unique ids", () => {
    assert.ok(corpus.length >= 150, `${corpus.length} cases`);
    const pass = corpus.filter((c) => c.expect === "pass").length;
    assert.ok(pass * 3 >= corpus.length, `${pass} of ${corpus.length} are safe cases`);
    const ids = new Set<string>();
    for (const c of corpus) {
      assert.ok(!ids.has(c.id), `duplicate id ${c.id}`);
      ids.add(c.id);
      assert.ok(/Checkov|cdk-nag|awsguard|AWS|IAM|Terraform|Pulumi|OWASP|documentation/i.test(c.source), `${c.id} cites no source`);
    }
  });

  for (const c of corpus) {
    it(`${c.id} [${c.expect}] ${c.policy}: ${c.title}`, async () => {
      const findings = await evaluateResources(c.resources, { config: c.config ?? {}, now: NOW });
      const mine = findings.filter((f) => f.policy === c.policy);
      for (const f of findings) {
        assert.deepStrictEqual(sentenceProblems(f), [], `${f.policy}: ${f.message}`);
      }
      if (c.expect === "pass") {
        assert.deepStrictEqual(
          mine.map((f) => `${f.resourceName}: ${f.message}`),
          [],
          "false positive",
        );
        return;
      }
      const target = c.resources.find((x) => x.name === (c.target ?? c.resources[0].name))!;
      assert.ok(target, `target ${c.target} is one of the case's resources`);
      const onTarget = mine.filter((f) => f.urn === target.urn && f.enforcementLevel === "mandatory");
      assert.ok(
        onTarget.length > 0,
        `expected ${c.policy} on ${target.name}; got ${mine.map((f) => `${f.resourceName}: ${f.message}`).join(" | ") || "nothing"}`,
      );
      if (c.message) {
        assert.ok(
          onTarget.some((f) => c.message!.test(f.message)),
          `expected a message matching ${c.message}; got ${onTarget.map((f) => f.message).join(" | ")}`,
        );
      }
    });
  }
});
