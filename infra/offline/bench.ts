/**
 * `npm run bench:plan [-- --runs N]`: wall time of the offline plan per stack.
 * The first run in a process also loads @pulumi/aws (~1.3 s); it is reported
 * separately ("cold") from the warm runs.
 */
import { runPlan, listStacks } from "./plan";

async function main() {
  const i = process.argv.indexOf("--runs");
  const runs = i > 0 ? Number(process.argv[i + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs needs a positive integer");
  const stacks = listStacks();
  const t0 = process.hrtime.bigint();
  const cold = await runPlan(stacks[0]);
  console.log(
    `cold first run (${stacks[0]}, includes loading @pulumi/*): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms, ${cold.resources.length} resources`,
  );
  console.log(`warm runs: ${runs} per stack, node ${process.version}`);
  console.log("stack      resources   mean ms    min ms    max ms");
  for (const stack of stacks) {
    const times: number[] = [];
    let n = 0;
    for (let r = 0; r < runs; r++) {
      const res = await runPlan(stack);
      times.push(res.durationMs);
      n = res.resources.length;
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(
      `${stack.padEnd(10)} ${String(n).padStart(9)} ${mean.toFixed(0).padStart(9)} ${Math.min(...times)
        .toFixed(0)
        .padStart(9)} ${Math.max(...times)
        .toFixed(0)
        .padStart(9)}`,
    );
  }
}

main().catch((e) => {
  console.error(`bench failed: ${e?.message ?? e}`);
  process.exit(1);
});
