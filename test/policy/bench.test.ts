// The benchmark's figures come from `npm run bench:policy` (a script that prints them), not
// from a timed test. This checks what the benchmark measures is real work with the right
// answer: every synthetic resource is evaluated, and exactly the deliberate violations are found,
// so a fast figure cannot come from policies silently not applying.
import * as assert from "assert";
import { syntheticExport, timeOnce } from "../../policy/bench/bench";

describe("policy benchmark workload", function () {
  this.timeout(60_000);
  // 12 resources per synthetic group, one group in 50 opening SSH to the world on purpose
  const expected: Record<number, number> = { 1_000: 2, 10_000: 17 };
  for (const n of [1_000, 10_000]) {
    it(`evaluates all ${n.toLocaleString("en")} synthetic resources and flags only the deliberate public-SSH rules`, async () => {
      const r = await timeOnce(syntheticExport(n));
      assert.strictEqual(r.resources, n);
      assert.strictEqual(r.findings, expected[n]);
    });
  }
});
