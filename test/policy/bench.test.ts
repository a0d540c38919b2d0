// Guards the benchmark's claims loosely (CI machines are noisy): the pack stays
// roughly linear and 10k resources evaluate well within budget.
import * as assert from "assert";
import { syntheticExport, timeOnce } from "../../policy/bench/bench";

describe("policy benchmark", function () {
    this.timeout(60_000);
    it("evaluates 10,000 synthetic resources in under 2 s, scaling near-linearly from 1,000", async () => {
        const small = syntheticExport(1_000);
        const large = syntheticExport(10_000);
        await timeOnce(small);
        const a = Math.min(...(await Promise.all([0, 1, 2].map(() => timeOnce(small)))).map(r => r.ms));
        const b = await timeOnce(large);
        assert.strictEqual(b.resources, 10_000);
        assert.strictEqual(b.findings, 17, "only the deliberate public-SSH rules (1 in 50 groups) are flagged");
        assert.ok(b.ms < 2000, `10k took ${b.ms.toFixed(0)} ms`);
        assert.ok(b.ms / a < 20, `ratio ${(b.ms / a).toFixed(1)}`);
    });
});
