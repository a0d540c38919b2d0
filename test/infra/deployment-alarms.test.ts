import * as assert from "assert";
import { plan, one, ofType, STACKS } from "./helpers";

describe("infra/service: ECS deployment alarms roll a bad release back", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  for (const stack of STACKS) {
    it(`${stack}: the service watches the 5xx-rate and unhealthy-host alarms with rollback`, async () => {
      const p = await plan(stack);
      const svc = one(p, "aws:ecs/service:Service");
      assert.deepStrictEqual(svc.inputs.alarms, {
        alarmNames: [`paved-${stack}-alb-5xx-rate`, `paved-${stack}-unhealthy-hosts`],
        enable: true,
        rollback: true,
      });
      const alarms = ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) =>
        svc.inputs.alarms.alarmNames.includes(a.inputs.name),
      );
      assert.strictEqual(alarms.length, 2, "both alarms exist in the program");
      // The alarms' ECS dimensions name this service.
      const cpu = ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.name === `paved-${stack}-ecs-cpu`)!;
      assert.deepStrictEqual(cpu.inputs.dimensions, { ClusterName: svc.inputs.name, ServiceName: svc.inputs.name });
    });
  }
});
