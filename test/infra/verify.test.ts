import * as assert from "assert";
import { DescribeServicesCommand, type Deployment, type DescribeServicesCommandOutput } from "@aws-sdk/client-ecs";
import { main, verify, type VerifyDeps } from "../../infra/offline/verify";
import { plan } from "./helpers";

const TD = (rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/paved-staging:${rev}`;
const OUTPUTS = {
  awsRegion: "us-east-1",
  clusterName: "paved-staging",
  serviceName: "paved-staging",
  taskDefinitionArn: TD(8),
  healthUrl: "https://staging.example.org/health",
  logGroupName: "/ecs/paved-staging",
  appUrl: "https://staging.example.org",
};

/** A stubbed ECS: each DescribeServices call returns the next scripted service state. */
function deps(states: Partial<Deployment>[][], health = 200, events: string[] = []) {
  const calls: DescribeServicesCommand[] = [];
  const fetched: string[] = [];
  let t = 0;
  const d: VerifyDeps = {
    readOutputs: async () => OUTPUTS,
    ecs: () => ({
      send: async (cmd: DescribeServicesCommand): Promise<DescribeServicesCommandOutput> => {
        calls.push(cmd);
        const deployments = states[Math.min(calls.length - 1, states.length - 1)];
        return {
          $metadata: {},
          services: [{ serviceName: "paved-staging", status: "ACTIVE", deployments, events: events.map((message) => ({ message })) }],
        };
      },
    }),
    fetch: async (url) => {
      fetched.push(url);
      return { status: health };
    },
    sleep: async (ms) => {
      t += ms;
    },
    now: () => t,
  };
  return { d, calls, fetched };
}
const primary = (td: string, rolloutState: string, reason = "") => ({
  id: "ecs-svc/123",
  status: "PRIMARY",
  taskDefinition: td,
  rolloutState: rolloutState as any,
  rolloutStateReason: reason,
  runningCount: 1,
  desiredCount: 1,
});
const OPTS = { timeoutSeconds: 60, intervalSeconds: 15 };

describe("infra/offline/verify (npm run verify)", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  it("passes when the primary deployment runs this update's task definition, COMPLETED, and /health is 200 through the ALB", async () => {
    const { d, calls, fetched } = deps([[primary(TD(8), "COMPLETED", "ECS deployment ecs-svc/123 completed.")]]);
    const r = await verify("staging", d, OPTS);
    assert.strictEqual(r.ok, true, r.lines.join("\n"));
    assert.deepStrictEqual(calls[0].input, { cluster: "paved-staging", services: ["paved-staging"] });
    assert.deepStrictEqual(fetched, [OUTPUTS.healthUrl]);
  });

  it("fails a rolled-back release (one deployment, running = desired: the state `pulumi up` reports as success)", async () => {
    const { d, fetched } = deps(
      [[primary(TD(7), "COMPLETED", "ECS deployment circuit breaker: rolling back to deployment ecs-svc/122.")]],
      200,
      ["(service paved-staging) rolling back to deployment ecs-svc/122."],
    );
    const r = await verify("staging", d, OPTS);
    assert.strictEqual(r.ok, false);
    const text = r.lines.join("\n");
    assert.match(text, /ECS service paved-staging \(cluster paved-staging, stack staging\)/);
    assert.match(text, /runs .*paved-staging:7, not this update's .*paved-staging:8: ECS rolled the release back/);
    assert.match(text, /rolloutState=COMPLETED \(ECS deployment circuit breaker: rolling back/);
    assert.match(text, /recent event: \(service paved-staging\) rolling back/);
    assert.match(
      text,
      /where to look: ECS deployments and events: https:\/\/us-east-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/paved-staging\/services\/paved-staging\/deployments/,
    );
    assert.match(text, /aws logs tail \/ecs\/paved-staging/);
    assert.deepStrictEqual(fetched, [], "a rolled-back release is not judged by /health (the old version answers it)");
  });

  it("fails a FAILED deployment, naming its state", async () => {
    const r = await verify("staging", deps([[primary(TD(8), "FAILED", "tasks failed to start")]]).d, OPTS);
    assert.strictEqual(r.ok, false);
    assert.match(r.lines[0], /deployment FAILED \(deployment ecs-svc\/123: rolloutState=FAILED \(tasks failed to start\)/);
  });

  it("waits while IN_PROGRESS, then passes when it completes", async () => {
    const { d, calls } = deps([[primary(TD(8), "IN_PROGRESS")], [primary(TD(8), "IN_PROGRESS")], [primary(TD(8), "COMPLETED")]]);
    const r = await verify("staging", d, OPTS);
    assert.strictEqual(r.ok, true);
    assert.strictEqual(calls.length, 3);
  });

  it("fails when the deployment does not complete in time", async () => {
    const { d, calls } = deps([[primary(TD(8), "IN_PROGRESS")]]);
    const r = await verify("staging", d, { timeoutSeconds: 30, intervalSeconds: 15 });
    assert.strictEqual(r.ok, false);
    assert.match(r.lines[0], /did not complete within 30s \(deployment ecs-svc\/123: rolloutState=IN_PROGRESS/);
    assert.strictEqual(calls.length, 3);
  });

  it("fails when /health does not answer 200 through the load balancer", async () => {
    const r = await verify("staging", deps([[primary(TD(8), "COMPLETED")]], 503).d, OPTS);
    assert.strictEqual(r.ok, false);
    assert.strictEqual(r.healthStatus, 503);
    assert.match(r.lines.join("\n"), /GET https:\/\/staging\.example\.org\/health through the load balancer answered 503/);
  });

  it("CLI: exit 0 / 1, a usage error (2) names the missing outputs, --help works", async () => {
    const io = () => {
      const out: string[] = [];
      return { out, io: { out: (s: string) => out.push(s), err: (s: string) => out.push(s) } };
    };
    const a = io();
    assert.strictEqual(await main(["staging"], deps([[primary(TD(8), "COMPLETED")]]).d, a.io), 0);
    const b = io();
    assert.strictEqual(await main(["--stack", "staging", "--json"], deps([[primary(TD(7), "COMPLETED")]]).d, b.io), 1);
    assert.strictEqual(JSON.parse(b.out[0]).ok, false);
    const c = io();
    const noOutputs = { ...deps([]).d, readOutputs: async () => ({ clusterName: "paved-staging" }) };
    assert.strictEqual(await main(["staging"], noOutputs, c.io), 2);
    assert.match(c.out[0], /no outputs awsRegion, serviceName, taskDefinitionArn, healthUrl, logGroupName: run `npm run up -- staging`/);
    const h = io();
    assert.strictEqual(await main(["--help"], deps([]).d, h.io), 0);
    assert.match(h.out[0], /npm run verify --/);
  });

  it("the program exports every output verify reads", async () => {
    const p = await plan("staging");
    for (const k of ["awsRegion", "clusterName", "serviceName", "taskDefinitionArn", "healthUrl", "logGroupName"])
      assert.ok(typeof p.outputs[k] === "string" && p.outputs[k], k);
    assert.match(p.outputs.taskDefinitionArn, /^arn:aws:ecs:us-east-1:123456789012:task-definition\/paved-staging:\d+$/);
  });
});
