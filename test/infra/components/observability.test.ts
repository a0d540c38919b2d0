import * as assert from "assert";
import { runPlan } from "../../../infra/offline/plan";
import { plan, ofType, one, STACKS } from "../helpers";

describe("infra/components/observability", () => {
  const retention = { staging: 30, prod: 365 };
  for (const stack of STACKS) {
    describe(stack, () => {
      it(`service, flow-log and RDS log groups keep ${retention[stack]} days and use the logs key`, async () => {
        const p = await plan(stack);
        const groups = ofType(p, "aws:cloudwatch/logGroup:LogGroup");
        assert.deepStrictEqual(groups.map((g) => g.inputs.name).sort(), [
          `/aws/rds/instance/paved-${stack}-db/postgresql`,
          `/aws/rds/instance/paved-${stack}-db/upgrade`,
          `/ecs/paved-${stack}`,
          `/vpc/paved-${stack}/flow-logs`,
        ]);
        const key = one(p, "aws:kms/key:Key", "-logs").outputs!.arn;
        for (const g of groups) {
          assert.strictEqual(g.inputs.retentionInDays, retention[stack], g.inputs.name);
          assert.strictEqual(g.inputs.kmsKeyId, key, g.inputs.name);
        }
        // RDS must not auto-create its groups before ours exist.
        const db = one(p, "aws:rds/instance:Instance");
        for (const g of groups.filter((x) => x.inputs.name.startsWith("/aws/rds/"))) assert.ok(db.dependencies!.includes(g.urn));
      });

      it("alarms cover 5xx rate, p99 latency, unhealthy hosts, ECS CPU/memory and RDS CPU/storage/memory/connections, all to the encrypted topic", async () => {
        const p = await plan(stack);
        const topic = one(p, "aws:sns/topic:Topic");
        assert.strictEqual(topic.inputs.kmsMasterKeyId, one(p, "aws:kms/key:Key", "-logs").outputs!.arn);
        const alarms = ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm");
        const metric = (n: string) => alarms.find((a) => a.name === `monitoring-${n}`)!;
        assert.deepStrictEqual(alarms.map((a) => a.name!.replace("monitoring-", "")).sort(), [
          "alb-5xx-rate",
          "ecs-cpu",
          "ecs-memory",
          "rds-connections",
          "rds-cpu",
          "rds-free-storage",
          "rds-freeable-memory",
          "target-p99-latency",
          "unhealthy-hosts",
        ]);
        for (const a of alarms) assert.deepStrictEqual(a.inputs.alarmActions, [topic.outputs!.arn], a.name);
        assert.strictEqual(metric("target-p99-latency").inputs.extendedStatistic, "p99");
        assert.ok(metric("alb-5xx-rate").inputs.metricQueries.some((q: any) => q.metric?.metricName === "HTTPCode_Target_5XX_Count"));
        const alb = one(p, "aws:lb/loadBalancer:LoadBalancer").outputs!.arnSuffix;
        assert.strictEqual(metric("unhealthy-hosts").inputs.dimensions.LoadBalancer, alb);
        assert.strictEqual(metric("rds-cpu").inputs.dimensions.DBInstanceIdentifier, `paved-${stack}-db`);
        assert.strictEqual(metric("ecs-cpu").inputs.dimensions.ServiceName, `paved-${stack}`);
      });

      it("has a dashboard with the ALB, ECS and RDS metrics and exports its URL", async () => {
        const p = await plan(stack);
        const body = JSON.parse(one(p, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
        const text = JSON.stringify(body);
        for (const ns of ["AWS/ApplicationELB", "AWS/ECS", "AWS/RDS"]) assert.ok(text.includes(ns), ns);
        assert.match(p.outputs.dashboardUrl, new RegExp(`#dashboards/dashboard/paved-${stack}$`));
        // Staging has no subscriber unless configured; prod must have one (its stack file's address).
        assert.strictEqual(
          ofType(p, "aws:sns/topicSubscription:TopicSubscription").length,
          stack === "prod" ? 1 : 0,
          "e-mail only when configured",
        );
      });
    });
  }

  it("subscribes the configured alarm e-mail", async () => {
    const p = await runPlan("staging", { config: { "paved:alarmEmail": "oncall@example.com" } });
    const sub = one(p, "aws:sns/topicSubscription:TopicSubscription");
    assert.strictEqual(sub.inputs.protocol, "email");
    assert.strictEqual(sub.inputs.endpoint, "oncall@example.com");
  });
});
