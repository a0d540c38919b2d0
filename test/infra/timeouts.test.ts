import * as assert from "assert";
import { circuitBreakerThreshold, ecsDeploymentTimeout, rdsTimeouts } from "../../infra/timeouts";
import { plan } from "./helpers";

const exported = async (stack: string, type: string) => (await plan(stack)).exportDoc.deployment.resources.find((r) => r.type === type)!;

describe("infra/timeouts: waits sized from the failure path", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  it("the circuit breaker trips after 0.5 × desired failures, at least 3 and at most 200", () => {
    assert.deepStrictEqual([1, 2, 6, 7, 100, 1000].map(circuitBreakerThreshold), [3, 3, 3, 4, 50, 200]);
  });

  it("a slow-failing staging rollout (1 task per wave, 360 s grace, 3 failures) takes longer than the 20-minute default", () => {
    const t = ecsDeploymentTimeout({ minCapacity: 1, maxCapacity: 3, gracePeriodSeconds: 360, maximumPercent: 200 });
    assert.deepStrictEqual(
      { desired: t.desired, threshold: t.threshold, tasksPerWave: t.tasksPerWave, waves: t.waves },
      { desired: 1, threshold: 3, tasksPerWave: 1, waves: 3 },
    );
    assert.strictEqual(t.waveSeconds, 120 + 360 + 3 * 30 + 60);
    assert.strictEqual(t.rollbackSeconds, 120 + 2 * 30 + 60);
    assert.strictEqual(t.totalSeconds, 3 * 630 + 240);
    assert.ok(t.totalSeconds > 20 * 60, "the failure path outlasts the provider's default wait");
    assert.strictEqual(t.minutes, Math.ceil((2130 * 1.1) / 60));
    // Larger services fail in one wave; the result never drops below the default.
    assert.strictEqual(ecsDeploymentTimeout({ minCapacity: 3, maxCapacity: 12, gracePeriodSeconds: 360, maximumPercent: 200 }).minutes, 20);
    // A longer grace period lengthens every wave.
    assert.ok(ecsDeploymentTimeout({ minCapacity: 1, maxCapacity: 1, gracePeriodSeconds: 900, maximumPercent: 200 }).minutes > t.minutes);
  });

  it("RDS: Multi-AZ doubles create/modify, the final snapshot grows with the storage ceiling", () => {
    assert.deepStrictEqual(rdsTimeouts({ multiAz: false, maxAllocatedStorageGb: 100 }), { create: "40m", update: "80m", delete: "60m" });
    assert.deepStrictEqual(rdsTimeouts({ multiAz: true, maxAllocatedStorageGb: 1000 }), { create: "80m", update: "85m", delete: "80m" });
  });

  it("the program sets them: staging's ECS service waits 40 min, prod's RDS instance 80/85/80 min", async () => {
    assert.deepStrictEqual((await exported("staging", "aws:ecs/service:Service")).customTimeouts, {
      create: "40m",
      update: "40m",
      delete: "20m",
    });
    assert.deepStrictEqual((await exported("prod", "aws:ecs/service:Service")).customTimeouts, {
      create: "20m",
      update: "20m",
      delete: "20m",
    });
    assert.deepStrictEqual((await exported("prod", "aws:rds/instance:Instance")).customTimeouts, {
      create: "80m",
      update: "85m",
      delete: "80m",
    });
    assert.deepStrictEqual((await exported("staging", "aws:rds/instance:Instance")).customTimeouts, {
      create: "40m",
      update: "80m",
      delete: "60m",
    });
  });
});
