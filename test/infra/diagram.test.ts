import * as assert from "assert";
import { architecture, toDot, toMermaid } from "../../infra/offline/diagram";
import type { PlanResult } from "../../infra/offline/plan";
import { plan } from "./helpers";

/** The same plan with its resources in another registration order. */
function shuffled(p: PlanResult): PlanResult {
  const copy = JSON.parse(JSON.stringify(p)) as PlanResult;
  const rs = copy.exportDoc.deployment.resources;
  for (let i = rs.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [rs[i], rs[j]] = [rs[j], rs[i]];
  }
  return copy;
}

describe("infra/offline/diagram (npm run diagram)", () => {
  it("is deterministic: the same plan in any registration order gives the same Mermaid and dot text", async () => {
    for (const stack of ["staging", "prod"]) {
      const p = await plan(stack);
      assert.strictEqual(toMermaid(architecture(shuffled(p))), toMermaid(architecture(p)), stack);
      assert.strictEqual(toDot(architecture(shuffled(p))), toDot(architecture(p)), stack);
    }
  });

  // Freshness of docs/architecture.md: the one test of every generated file, test/infra/generate.test.ts.

  it("prod: three AZs with public, private and isolated subnets, a NAT gateway per AZ, the ALB, tasks per private subnet, RDS primary + standby", async () => {
    const m = toMermaid(architecture(await plan("prod")));
    for (const az of ["us-east-1a", "us-east-1b", "us-east-1c"]) assert.ok(m.includes(`["${az}"]`), az);
    assert.strictEqual((m.match(/\["public 10\.1\./g) ?? []).length, 3);
    assert.strictEqual((m.match(/\["private 10\.1\./g) ?? []).length, 3);
    assert.strictEqual((m.match(/\["isolated 10\.1\./g) ?? []).length, 3);
    assert.strictEqual((m.match(/\["NAT gateway"\]/g) ?? []).length, 3);
    assert.strictEqual((m.match(/\("app tasks 1 vCPU \/ 2 GB X86_64"\)/g) ?? []).length, 3);
    assert.match(m, /internet -->\|"HTTPS 443, HTTP 80"\| loadbalancer_alb/);
    assert.match(m, /database_postgres -\.->\|"synchronous replication"\| database_postgres_standby/);
    assert.match(m, /alarms -->\|"notify"\| monitoring_alarms/);
    for (const k of ["keys_database", "keys_image", "keys_logs", "keys_secrets", "keys_storage"]) assert.ok(m.includes(`${k}["`), k);
    assert.match(m, /storage_attachments\["S3 attachments"\]/);
    assert.match(m, /Gateway endpoint s3/);
    assert.match(m, /RDS-managed master user secret/);
  });

  it("staging: one NAT instance that every private subnet routes through, a Single-AZ database without standby, two keys", async () => {
    const m = toMermaid(architecture(await plan("staging")));
    assert.match(m, /NAT instance t4g\.nano/);
    assert.ok(!m.includes('NAT gateway"]'));
    assert.strictEqual((m.match(/0\.0\.0\.0\/0 → NAT instance in us-east-1a/g) ?? []).length, 2);
    assert.match(m, /db\.t4g\.micro, 20 GB gp3, Single-AZ/);
    assert.ok(!m.includes("standby"));
    assert.deepStrictEqual(m.match(/keys_\w+\["/g)?.sort(), ['keys_data["', 'keys_logs["']);
  });

  it("dot output is a Graphviz digraph with one cluster per group and balanced braces", async () => {
    const d = toDot(architecture(await plan("prod")));
    assert.match(d, /^digraph paved \{/);
    assert.strictEqual((d.match(/\{/g) ?? []).length, (d.match(/\}/g) ?? []).length);
    assert.match(d, /subgraph cluster_vpc \{/);
    assert.match(d, /database_postgres -> database_postgres_standby \[label="synchronous replication", style=dashed\];/);
  });
});
