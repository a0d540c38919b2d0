import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlan, type ExportDoc, type ExportResource, type PlanResult } from "../../infra/offline/plan";
import { estimateExport } from "../../infra/offline/cost";
import { diffExports, readExport, renderSummary } from "../../infra/offline/summary";
import { architecture, toMermaid } from "../../infra/offline/diagram";
import { plan } from "./helpers";

const doc = (resources: ExportResource[]): ExportDoc => ({
  version: 3,
  deployment: { manifest: { time: "", magic: "", version: "" }, resources },
});
const U = "urn:pulumi:s::paved::";
const r = (type: string, name: string, inputs: Record<string, any>, propertyDependencies?: Record<string, string[]>): ExportResource => ({
  urn: `${U}${type}::${name}`,
  custom: true,
  type,
  inputs,
  outputs: {},
  dependencies: [],
  propertyDependencies,
});

describe("infra/offline/summary (npm run summary)", () => {
  it("delta: added, removed, changed by literal inputs; an input from another resource changes only when its source does", () => {
    const vpc = `${U}aws:ec2/vpc:Vpc::vpc`;
    const base = doc([
      r("aws:kms/key:Key", "a", { description: "a" }),
      r("aws:ec2/subnet:Subnet", "s", { cidrBlock: "10.0.0.0/20", vpcId: "vpc-real-1234" }, { vpcId: [vpc] }),
      r(
        "aws:rds/instance:Instance",
        "db",
        { instanceClass: "db.t4g.medium", kmsKeyId: "arn:real:key/1" },
        { kmsKeyId: [`${U}aws:kms/key:Key::a`] },
      ),
    ]);
    const head = doc([
      r("aws:kms/key:Key", "b", { description: "b" }),
      // vpcId is a mock id now, but still comes from the same VPC: not a change
      r("aws:ec2/subnet:Subnet", "s", { cidrBlock: "10.0.0.0/20", vpcId: "vpc-mock-9" }, { vpcId: [vpc] }),
      r(
        "aws:rds/instance:Instance",
        "db",
        { instanceClass: "db.t4g.micro", kmsKeyId: "arn:mock:key/2" },
        { kmsKeyId: [`${U}aws:kms/key:Key::b`] },
      ),
    ]);
    const d = diffExports(base, head, estimateExport(base), estimateExport(head));
    assert.deepStrictEqual(
      d.added.map((x) => x.name),
      ["b"],
    );
    assert.deepStrictEqual(
      d.removed.map((x) => x.name),
      ["a"],
    );
    assert.deepStrictEqual(
      d.changed.map((x) => [x.name, x.keys]),
      [["db", ["instanceClass", "kmsKeyId"]]],
    );
    // db.t4g.medium → micro: (0.065 - 0.016) x 730 = -$35.77; the two keys cancel out
    assert.strictEqual(d.cost.deltaUsd, -35.77);
    assert.deepStrictEqual(
      d.cost.lines.map((l) => [l.resource, l.deltaUsd]),
      [
        ["db", -35.77],
        ["a", -1],
        ["b", 1],
      ],
    );
  });

  describe("staging's cost levers, as a pull request would show them", () => {
    let before: PlanResult;
    let after: PlanResult;
    let md: string;
    before_(async () => {
      before = await runPlan("staging", {
        config: {
          "paved:natMode": "gateway",
          "paved:kmsKeys": "perPurpose",
          "paved:containerInsights": "true",
          "paved:imagePlatform": "linux/amd64",
          "paved:taskCpu": "512",
          "paved:dbInstanceClass": "db.t4g.medium",
        },
      });
      after = await plan("staging");
      const evaluator = await import("../../policy/evaluator");
      const findings = await evaluator.evaluateResources(after.resources, {
        config: evaluator.loadPolicyConfig(path.join(__dirname, "../../policy/config/staging.json")),
      });
      md = renderSummary({
        stack: "staging",
        head: after.exportDoc,
        headCost: estimateExport(after.exportDoc),
        findings,
        policyConfigFile: "policy/config/staging.json",
        diagram: toMermaid(architecture(after)),
        base: { label: "main.json", doc: before.exportDoc, cost: estimateExport(before.exportDoc) },
      });
    });

    it("lists the NAT gateway removed, the NAT instance added, the database class and key changed, and the cost delta", () => {
      assert.match(md, /^## paved offline plan: `staging`/);
      assert.match(md, /\*\*Offline plan\*\*.*This is not Pulumi's own preview/);
      assert.match(md, /\| − \| network-nat-0 \| `aws:ec2\/natGateway:NatGateway` \| removed \|/);
      assert.match(md, /\| \+ \| network-nat-instance-instance \| `aws:ec2\/instance:Instance` \| added \|/);
      assert.match(
        md,
        /\| ~ \| database-postgres \| `aws:rds\/instance:Instance` \| instanceClass, kmsKeyId, masterUserSecretKmsKeyId, performanceInsightsKmsKeyId \|/,
      );
      const baseUsd = estimateExport(before.exportDoc).totalUsd;
      assert.ok(baseUsd > 140, `base ${baseUsd}`);
      assert.match(
        md,
        new RegExp(
          `Cost: \\$${baseUsd.toFixed(2).replace(".", "\\.")} → \\$69\\.77 \\(\\*\\*−\\$${(baseUsd - 69.77).toFixed(2).replace(".", "\\.")}/month\\*\\*\\)`,
        ),
      );
      assert.match(md, /\| −\$35\.77 \| database-postgres/);
    });

    it("has resources by component, the findings, the cost total with top lines and the diagram", () => {
      assert.match(md, /### Resources by component\n\n\| component \| resources \| by type \|/);
      assert.match(md, /\| network-nat-instance \(paved:aws:NatInstance\) \| 11 \|/);
      assert.match(md, /### Policy findings \(policy\/config\/staging\.json\)\n\n- \*\*advisory\*\* `paved-alb-deletion-protection`/);
      assert.ok(!/\*\*mandatory\*\*/.test(md));
      assert.match(md, /### Cost estimate: \$69\.77\/month/);
      assert.match(md, /\| \$29\.57 \| loadbalancer-alb/);
      assert.match(md, /```mermaid\nflowchart TB\n/);
    });
  });

  it("--base must be a pulumi stack export v3 document", () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "summary-")), "x.json");
    fs.writeFileSync(f, JSON.stringify({ version: 2, checkpoint: {} }));
    assert.throws(() => readExport(f), /not a `pulumi stack export` version 3 document/);
    fs.writeFileSync(f, "{");
    assert.throws(() => readExport(f), /cannot read it as JSON/);
  });
});

function before_(fn: () => Promise<void>) {
  before(async function () {
    this.timeout(300000);
    await fn();
  });
}
