// The real program (infra/, run offline under mocks) must pass its own pack
// for both stacks, and the pack must actually bite on the program's real
// resource shapes (negative controls below).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluateResources, loadPolicyConfig, ResourceRecord } from "../../policy/evaluator";
import { runPlan } from "../../infra/offline/plan";

const ROOT = path.resolve(__dirname, "..", "..");

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

describe("policy: the real program passes its own pack", function () {
  this.timeout(240_000);
  const plans: Record<string, { resources: ResourceRecord[]; exportDoc: any }> = {};

  before(async () => {
    for (const stack of ["staging", "prod"]) {
      const p = await runPlan(stack);
      plans[stack] = { resources: p.resources, exportDoc: p.exportDoc };
    }
  });

  for (const stack of ["staging", "prod"]) {
    it(`${stack}: 0 mandatory violations with policy/config/${stack}.json`, async () => {
      const findings = await evaluateResources(plans[stack].resources, {
        config: loadPolicyConfig(path.join(ROOT, "policy", "config", `${stack}.json`)),
      });
      const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
      assert.deepStrictEqual(
        mandatory.map((f) => `${f.policy} ${f.resourceName}: ${f.message}`),
        [],
      );
      if (stack === "prod") {
        assert.deepStrictEqual(
          findings.map((f) => f.policy),
          [],
          "prod has no advisories either",
        );
      }
    });
  }

  it("the pack bites on the program's real resources (negative controls)", async () => {
    const rs = clone(plans.prod.resources);
    const listener = rs.find((r) => r.type === "aws:lb/listener:Listener" && r.inputs.protocol === "HTTPS")!;
    listener.inputs.routingHttpResponseStrictTransportSecurityHeaderValue = "max-age=60";
    const td = rs.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!;
    const defs = JSON.parse(td.inputs.containerDefinitions);
    defs[0].environment.push({ name: "JWT_SECRET", value: "not-so-secret-after-all" });
    defs[0].user = "root";
    td.inputs.containerDefinitions = JSON.stringify(defs);
    const db = rs.find((r) => r.type === "aws:rds/instance:Instance")!;
    db.inputs.publiclyAccessible = true;
    db.inputs.multiAz = false;
    // The app port opened to the internet (seed 004), and the ALB no longer using the group its 80/443 rules are on.
    const appRule = rs.find(
      (r) =>
        r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" &&
        r.inputs.referencedSecurityGroupId !== undefined &&
        r.inputs.fromPort !== 5432,
    )!;
    delete appRule.inputs.referencedSecurityGroupId;
    appRule.inputs.cidrIpv4 = "0.0.0.0/0";
    const alb = rs.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")!;
    alb.outputs = { ...alb.outputs, securityGroups: ["sg-0somewhereelse0000"] };
    alb.propertyDependencies = { ...alb.propertyDependencies, securityGroups: [] };
    const findings = await evaluateResources(rs, { config: loadPolicyConfig(path.join(ROOT, "policy", "config", "prod.json")) });
    const got = new Set(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => f.policy));
    assert.strictEqual(findings.filter((f) => f.policy === "paved-sg-public-web-on-lb-only").length, 2, "both the 80 and the 443 rule");
    for (const p of [
      "paved-alb-hsts",
      "paved-no-secrets-in-ecs-environment",
      "paved-ecs-non-root-user",
      "paved-rds-not-public",
      "paved-rds-multi-az",
      "paved-sg-public-ingress-web-only",
      "paved-sg-public-web-on-lb-only",
    ]) {
      assert.ok(got.has(p), `${p} should fire; got ${[...got].join(", ")}`);
    }
  });

  it("`npm run policy -- check` passes the program's stack export (exit 0)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-policy-"));
    const file = path.join(dir, "prod.json");
    fs.writeFileSync(file, JSON.stringify(plans.prod.exportDoc));
    const out = execFileSync(
      process.execPath,
      [
        require.resolve("ts-node/dist/bin"),
        "--transpile-only",
        path.join(ROOT, "policy/cli/check.ts"),
        "check",
        file,
        "--config",
        path.join(ROOT, "policy/config/prod.json"),
        "--json",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.deepStrictEqual(JSON.parse(out), []);
  });
});
