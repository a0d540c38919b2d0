import * as assert from "assert";
import { runPlan, type PlanResult } from "../../infra/offline/plan";
import { estimatePlan, main as costMain, renderEstimate } from "../../infra/offline/cost";
import { PRICED_TYPES, topResources } from "../../policy/lib/pricing";
import { loadReference } from "../../infra/reference";
import { plan, STACKS } from "./helpers";

/** Every plan variant CI runs: both stacks, both compute modes, and staging with its cost levers off. */
const VARIANTS: [string, Record<string, string>][] = [
  ["staging", {}],
  ["prod", {}],
  ["staging", { "paved:compute": "ec2" }],
  ["prod", { "paved:compute": "ec2" }],
  [
    "staging",
    { "paved:natMode": "gateway", "paved:kmsKeys": "perPurpose", "paved:containerInsights": "true", "paved:imagePlatform": "linux/amd64" },
  ],
];

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: any[]) => {
    lines.push(a.join(" "));
  };
  try {
    const code = await costMain(argv);
    return { code, out: lines.join("\n") };
  } finally {
    console.log = log;
  }
}

describe("infra/offline/cost (npm run cost)", function () {
  // The CLI tests run the whole offline plan (one to two runs each).
  this.timeout(300000);
  const plans = new Map<string, PlanResult>();
  before(async function () {
    this.timeout(300000);
    for (const [stack, config] of VARIANTS) {
      const key = `${stack} ${JSON.stringify(config)}`;
      plans.set(key, Object.keys(config).length ? await runPlan(stack, { config }) : await plan(stack));
    }
  });

  it("every resource type of every plan variant is priced or on the price table's explicit free list", () => {
    const free = new Set((loadReference("prices-us-east-1") as any).free.map((f: any) => f.type));
    const priced = new Set<string>(PRICED_TYPES);
    for (const [key, p] of plans) {
      const types = new Set(
        p.exportDoc.deployment.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => r.type),
      );
      const missing = [...types].filter((t) => !free.has(t) && !priced.has(t));
      assert.deepStrictEqual(missing, [], `${key}: add a price or a free-list entry (with why) for these types`);
      assert.deepStrictEqual(estimatePlan(p).unpriced, [], key);
    }
  });

  it("pins both shipped stacks' totals and top lines (a price or default change shows up here)", () => {
    const staging = estimatePlan(plans.get("staging {}")!);
    const prod = estimatePlan(plans.get("prod {}")!);
    assert.strictEqual(staging.totalUsd, 69.77);
    assert.strictEqual(prod.totalUsd, 553.88);
    assert.deepStrictEqual(
      topResources(staging, 4).map((t) => [t.resource, t.monthlyUsd]),
      [
        ["loadbalancer-alb", 29.57],
        ["database-postgres", 14.42],
        ["service-service", 8.51],
        ["network-nat-instance-instance", 7.36],
      ],
    );
    assert.deepStrictEqual(
      topResources(prod, 3).map((t) => [t.resource, t.monthlyUsd]),
      [
        ["database-postgres", 281.16],
        ["service-service", 108.12],
        ["loadbalancer-alb", 33.22],
      ],
    );
  });

  it("staging stays within $75 a month with the default usage assumptions; its cost levers are what gets it there", () => {
    assert.ok(estimatePlan(plans.get("staging {}")!).totalUsd <= 75);
    const leversOff = estimatePlan(plans.get(`staging ${JSON.stringify(VARIANTS[4][1])}`)!);
    assert.ok(leversOff.totalUsd > 75, `without the levers staging costs ${leversOff.totalUsd}`);
  });

  it("EC2 capacity is priced from the launch template's instance type x the group's desired capacity, with its volumes", () => {
    for (const stack of STACKS) {
      const e = estimatePlan(plans.get(`${stack} {"paved:compute":"ec2"}`)!);
      const hosts = e.lines.filter((l) => l.type === "aws:autoscaling/group:Group");
      assert.ok(
        hosts.some((l) => /container instance hours/.test(l.item) && l.monthlyUsd > 0),
        stack,
      );
      assert.ok(
        hosts.some((l) => /gp3/.test(l.item)),
        stack,
      );
      assert.ok(!e.lines.some((l) => /Fargate/.test(l.item)), `${stack}: no Fargate hours on EC2 capacity`);
    }
  });

  it("prints every line, the total, the top lines and the usage assumptions; --usage overrides one and says so", async () => {
    const base = await capture(["staging"]);
    assert.strictEqual(base.code, 0);
    assert.match(base.out, /Total: \$69\.77 \/ month/);
    assert.match(base.out, /Usage assumptions \(override with --usage KEY=VALUE\):\n {2}natGb=10 {2}GB\/month/);
    assert.match(base.out, /albLcu=1 /);
    assert.match(base.out, /logsGb=5 /);
    const more = await capture(["staging", "--usage", "albLcu=3", "--usage", "logsGb=25"]);
    assert.match(more.out, /albLcu=3 \(overridden\)/);
    // 2 more LCUs: 2 x 730 x $0.008 = $11.68; 20 GB more logs: $10 ingestion + $0.60 stored for 30 days (+ per-line rounding)
    assert.match(more.out, /Total: \$92\.07 \/ month/);
  });

  it("--json gives the same estimate as data; a bad --usage is a usage error (exit 2) naming the known keys", async () => {
    const j = await capture(["prod", "--json"]);
    const doc = JSON.parse(j.out);
    assert.strictEqual(doc.totalUsd, 553.88);
    assert.strictEqual(doc.priceRegion, "us-east-1");
    assert.ok(doc.lines.every((l: any) => typeof l.unitUsd === "number" && typeof l.monthlyUsd === "number" && l.priceKey));
    const errors: string[] = [];
    const err = console.error;
    console.error = (...a: any[]) => {
      errors.push(a.join(" "));
    };
    const write = process.stderr.write.bind(process.stderr);
    (process.stderr as any).write = (s: string) => {
      errors.push(s);
      return true;
    };
    try {
      assert.strictEqual((await capture(["staging", "--usage", "natgb=5"])).code, 2);
    } finally {
      console.error = err;
      (process.stderr as any).write = write;
    }
    assert.match(errors.join(""), /unknown usage assumption "natgb": known ones are natGb/);
  });

  it("a region without a price table is estimated with us-east-1 prices and the report says so", () => {
    const p = plans.get("staging {}")!;
    const moved = JSON.parse(JSON.stringify(p)) as PlanResult;
    for (const r of moved.exportDoc.deployment.resources) if (r.type === "pulumi:providers:aws") r.inputs.region = "eu-central-1";
    const text = renderEstimate("staging", estimatePlan(moved));
    assert.match(text, /NOTE: There is no price table for eu-central-1: this estimate uses us-east-1 prices\./);
  });
});
