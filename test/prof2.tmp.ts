import { syntheticExport } from "../policy/bench/bench";
import { evaluateResources } from "../policy/evaluator";
import { parseInputDocument } from "../policy/lib/inputs";
import { policies } from "../policy/policies";
(async () => {
  const input = parseInputDocument(JSON.parse(syntheticExport(10000)), "x");
  const names = process.argv.slice(2);
  for (const n of names) {
    const p = policies.filter(x => x.name === n);
    for (let i = 0; i < 3; i++) {
      const s = process.hrtime.bigint();
      await evaluateResources(input.resources, { config: {}, policies: p });
      console.log(n, (Number(process.hrtime.bigint() - s) / 1e6).toFixed(0));
    }
  }
})();
