/**
 * Observability: KMS-encrypted log groups with retention (created before the
 * resources that write to them, so AWS never auto-creates a never-expiring group),
 * an encrypted SNS alarm topic, the alarms that page for the failure modes our
 * users hit (5xx, latency, unhealthy targets, saturation, DB storage/memory/
 * connections) and a dashboard.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";
import type { LoadBalancer } from "./loadbalancer";
import type { Service } from "./service";
import type { Database } from "./database";

export interface LogsArgs {
  /**
   * Part of the group names (`/ecs/<name>`, `/vpc/<name>/flow-logs`).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /**
   * Retention for every group (days): a year of app and flow logs for audits and incident
   * review (the prod tier's floor, infra/tiers.ts).
   * @default 365
   */
  retentionDays?: number;
  /** Required: every group is encrypted with a customer key whose policy admits CloudWatch Logs (Keys' `logs`). */
  kmsKey: aws.kms.Key;
  /**
   * Tags applied to every group.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  };
}

export class Logs extends pulumi.ComponentResource {
  public readonly service: aws.cloudwatch.LogGroup;
  public readonly flowLogs: aws.cloudwatch.LogGroup;
  /** The app's log group (awslogs): `/ecs/<name>`. */
  public readonly serviceLogGroupName: pulumi.Output<string>;
  public readonly serviceLogGroupArn: pulumi.Output<string>;
  /** The VPC flow logs' group. */
  public readonly flowLogGroupArn: pulumi.Output<string>;

  constructor(name: string, input: LogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Logs", name, {}, opts);
    const args = withDefaults(input, { name: input.name ?? new Naming().prefix, retentionDays: 365, tags: {} });
    const t = args.transform ?? {};
    const group = (n: string, logName: string) =>
      child(
        t.logGroup,
        aws.cloudwatch.LogGroup,
        `${name}-${n}`,
        {
          name: logName,
          retentionInDays: args.retentionDays,
          kmsKeyId: args.kmsKey.arn,
          tags: args.tags,
        },
        { parent: this },
      );
    this.service = group("service", `/ecs/${args.name}`);
    this.flowLogs = group("flow-logs", `/vpc/${args.name}/flow-logs`);
    this.serviceLogGroupName = this.service.name;
    this.serviceLogGroupArn = this.service.arn;
    this.flowLogGroupArn = this.flowLogs.arn;
    // The database's groups belong to the Database component (infra/components/database.ts).
    this.registerOutputs({ serviceLogGroup: this.service.name });
  }
}

/** Alarms (by short name) that roll an ECS deployment back. */
export const DEPLOYMENT_ALARMS = ["alb-5xx-rate", "unhealthy-hosts"];
/** An alarm's fixed name: `<prefix>-<short name>` (so the service can name them before they exist). */
export const alarmName = (prefix: string, n: string) => `${prefix}-${n}`;

export interface MonitoringArgs {
  /**
   * Prefix of the topic, alarm and dashboard names (the service names its deployment alarms from it: alarmName).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the dashboard's widgets and console URL are regional. */
  region: string;
  /** Required: the alarm topic is encrypted with a customer key that lets CloudWatch alarms publish (Keys' `logs`). */
  kmsKey: aws.kms.Key;
  /**
   * E-mail subscribed to alarms (AWS sends a confirmation first). A stack program decides whether
   * one is required (the prod tier requires this or alarmHttpsEndpoint: infra/tiers.ts).
   * @default "" (no e-mail subscriber)
   */
  alarmEmail?: string;
  /**
   * HTTPS endpoint subscribed to alarms (e.g. a paging webhook), auto-confirm off.
   * @default "" (no HTTPS subscriber)
   */
  alarmHttpsEndpoint?: string;
  /** Required: the load balancer whose 5xx rate, latency and unhealthy targets page (its `arnSuffix`, `targetGroupArnSuffix`). */
  loadBalancer: Pick<LoadBalancer, "arnSuffix" | "targetGroupArnSuffix">;
  /** Required: the ECS service whose CPU and memory saturation page (its `clusterName`, `serviceName`). */
  service: Pick<Service, "clusterName" | "serviceName">;
  /** Required: the RDS instance whose CPU, memory, storage and connections page (its `identifier`). */
  database: Pick<Database, "identifier">;
  /** Required: the service's log group, linked from the dashboard (Logs' `serviceLogGroupName`). */
  logs: Pick<Logs, "serviceLogGroupName">;
  /**
   * Free-storage alarm floor (GiB). Absolute on purpose: storage autoscaling grows the volume,
   * so a share of the initial size stops meaning anything; GiB left is what tells you how long
   * you have at your growth rate.
   * @default 10
   */
  dbFreeStorageAlarmGb?: number;
  /**
   * Alarm when DatabaseConnections exceeds this: well below db.t4g.medium's max_connections, early enough to act.
   * @default 200
   */
  dbConnectionsThreshold?: number;
  /**
   * Alarm when target p99 response time exceeds this (seconds): users notice slowness before errors.
   * @default 2
   */
  latencyP99Seconds?: number;
  /**
   * Alarm when 5xx responses exceed this share of requests (%); also rolls a deployment back.
   * @default 5
   */
  error5xxPercent?: number;
  /** More dashboard widgets, below the others (e.g. the EC2 hosts'). @default none */
  extraWidgets?: pulumi.Input<object[]>;
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    topic?: Transform<aws.sns.TopicArgs>;
    alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
    dashboard?: Transform<aws.cloudwatch.DashboardArgs>;
  };
}

export class Monitoring extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  /** The alarm topic: subscribe more receivers to it, or publish other alarms to it. */
  public readonly topicArn: pulumi.Output<string>;
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  /**
   * The alarms the ECS service watches during a deployment (`alarms` with rollback): the 5xx
   * rate and unhealthy hosts. A release that passes health checks but fails requests is rolled
   * back by ECS, not only reported.
   */
  public readonly deploymentAlarms: aws.cloudwatch.MetricAlarm[] = [];
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, input: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Monitoring", name, {}, opts);
    const args = withDefaults(input, {
      name: input.name ?? new Naming().prefix,
      alarmEmail: "",
      alarmHttpsEndpoint: "",
      dbFreeStorageAlarmGb: 10,
      dbConnectionsThreshold: 200,
      latencyP99Seconds: 2,
      error5xxPercent: 5,
      tags: {},
    });
    const albArnSuffix = args.loadBalancer.arnSuffix;
    const targetGroupArnSuffix = args.loadBalancer.targetGroupArnSuffix;
    const clusterName = args.service.clusterName;
    const serviceName = args.service.serviceName;
    const dbIdentifier = args.database.identifier;
    const t = args.transform ?? {};
    const p = { parent: this };
    this.topic = child(
      t.topic,
      aws.sns.Topic,
      `${name}-alarms`,
      { name: `${args.name}-alarms`, kmsMasterKeyId: args.kmsKey.arn, tags: args.tags },
      p,
    );
    this.topicArn = this.topic.arn;
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: this.topic.arn, protocol: "email", endpoint: args.alarmEmail }, p);
    }
    if (args.alarmHttpsEndpoint) {
      new aws.sns.TopicSubscription(
        `${name}-alarm-https`,
        { topic: this.topic.arn, protocol: "https", endpoint: args.alarmHttpsEndpoint, endpointAutoConfirms: false },
        p,
      );
    }
    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
    const alb = { LoadBalancer: albArnSuffix };
    const tg = { LoadBalancer: albArnSuffix, TargetGroup: targetGroupArnSuffix };
    const ecs = { ClusterName: clusterName, ServiceName: serviceName };
    const rds = { DBInstanceIdentifier: dbIdentifier };
    const alarm = (n: string, a: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "tags">) => {
      const created = child(
        t.alarm,
        aws.cloudwatch.MetricAlarm,
        `${name}-${n}`,
        {
          name: alarmName(args.name, n),
          treatMissingData: "notBreaching",
          ...a,
          ...actions,
          tags: args.tags,
        },
        p,
      );
      this.alarms.push(created);
      if (DEPLOYMENT_ALARMS.includes(n)) this.deploymentAlarms.push(created);
    };
    const simple = (
      n: string,
      namespace: string,
      metricName: string,
      dimensions: any,
      statistic: string,
      comparisonOperator: string,
      threshold: number,
      description: string,
      evaluationPeriods = 3,
    ) =>
      alarm(n, {
        namespace,
        metricName,
        dimensions,
        statistic,
        comparisonOperator,
        threshold,
        period: 60,
        evaluationPeriods,
        alarmDescription: description,
      });

    alarm("alb-5xx-rate", {
      alarmDescription: `More than ${args.error5xxPercent}% of requests answered 5xx (ALB or targets) for 5 minutes`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: args.error5xxPercent,
      evaluationPeriods: 5,
      metricQueries: [
        { id: "rate", expression: "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / FILL(requests, 1)", label: "5xx %", returnData: true },
        {
          id: "elb5xx",
          metric: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_ELB_5XX_Count", dimensions: alb, period: 60, stat: "Sum" },
        },
        {
          id: "target5xx",
          metric: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions: alb, period: 60, stat: "Sum" },
        },
        {
          id: "requests",
          metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: alb, period: 60, stat: "Sum" },
        },
      ],
    });
    alarm("target-p99-latency", {
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: tg,
      extendedStatistic: "p99",
      comparisonOperator: "GreaterThanThreshold",
      threshold: args.latencyP99Seconds,
      period: 60,
      evaluationPeriods: 5,
      alarmDescription: `Target p99 latency above ${args.latencyP99Seconds}s for 5 minutes`,
    });
    simple(
      "unhealthy-hosts",
      "AWS/ApplicationELB",
      "UnHealthyHostCount",
      tg,
      "Maximum",
      "GreaterThanThreshold",
      0,
      "At least one target failed the /health check",
      2,
    );
    simple(
      "ecs-cpu",
      "AWS/ECS",
      "CPUUtilization",
      ecs,
      "Average",
      "GreaterThanThreshold",
      85,
      "Service CPU above 85% (autoscaling at max?)",
      5,
    );
    simple("ecs-memory", "AWS/ECS", "MemoryUtilization", ecs, "Average", "GreaterThanThreshold", 85, "Service memory above 85%", 5);
    simple("rds-cpu", "AWS/RDS", "CPUUtilization", rds, "Average", "GreaterThanThreshold", 80, "Database CPU above 80%", 5);
    simple(
      "rds-free-storage",
      "AWS/RDS",
      "FreeStorageSpace",
      rds,
      "Minimum",
      "LessThanThreshold",
      args.dbFreeStorageAlarmGb * 1024 ** 3,
      `Database free storage below ${args.dbFreeStorageAlarmGb} GiB (absolute floor; storage autoscaling may already be at its ceiling: compare AllocatedStorage with MaxAllocatedStorage)`,
    );
    simple(
      "rds-freeable-memory",
      "AWS/RDS",
      "FreeableMemory",
      rds,
      "Minimum",
      "LessThanThreshold",
      128 * 1024 ** 2,
      "Database freeable memory below 128 MiB",
      5,
    );
    simple(
      "rds-connections",
      "AWS/RDS",
      "DatabaseConnections",
      rds,
      "Maximum",
      "GreaterThanThreshold",
      args.dbConnectionsThreshold,
      `More than ${args.dbConnectionsThreshold} database connections`,
      5,
    );

    const widget = (title: string, metrics: any[], x: number, y: number, extra: any = {}) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region: args.region, metrics, view: "timeSeries", stat: "Sum", period: 60, ...extra },
    });
    const body = pulumi
      .all([
        albArnSuffix,
        targetGroupArnSuffix,
        clusterName,
        serviceName,
        dbIdentifier,
        args.logs.serviceLogGroupName,
        args.extraWidgets ?? [],
      ])
      .apply(([lb, tgs, cluster, service, db, logGroup, extraWidgets]) =>
        JSON.stringify({
          widgets: [
            widget(
              "Requests and 5xx",
              [
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb],
                [".", "HTTPCode_Target_5XX_Count", ".", "."],
                [".", "HTTPCode_ELB_5XX_Count", ".", "."],
              ],
              0,
              0,
            ),
            widget(
              "Target latency p50/p99",
              [
                ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", tgs, "LoadBalancer", lb, { stat: "p50" }],
                ["...", { stat: "p99" }],
              ],
              12,
              0,
              { stat: "p99" },
            ),
            widget(
              "ECS CPU / memory",
              [
                ["AWS/ECS", "CPUUtilization", "ClusterName", cluster, "ServiceName", service],
                [".", "MemoryUtilization", ".", ".", ".", "."],
              ],
              0,
              6,
              { stat: "Average" },
            ),
            widget(
              "Healthy / unhealthy targets",
              [
                ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", tgs, "LoadBalancer", lb],
                [".", "UnHealthyHostCount", ".", ".", ".", "."],
              ],
              12,
              6,
              { stat: "Maximum" },
            ),
            widget(
              "RDS CPU / connections",
              [
                ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db],
                [".", "DatabaseConnections", ".", "."],
              ],
              0,
              12,
              { stat: "Average" },
            ),
            widget(
              "RDS free storage / memory",
              [
                ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", db],
                [".", "FreeableMemory", ".", "."],
              ],
              12,
              12,
              { stat: "Minimum" },
            ),
            {
              type: "log",
              x: 0,
              y: 18,
              width: 24,
              height: 6,
              properties: {
                title: "App errors",
                region: args.region,
                query: `SOURCE '${logGroup}' | fields @timestamp, msg, err.message | filter level >= 50 | sort @timestamp desc | limit 50`,
                view: "table",
              },
            },
            ...extraWidgets,
          ],
        }),
      );
    this.dashboard = child(
      t.dashboard,
      aws.cloudwatch.Dashboard,
      `${name}-dashboard`,
      { dashboardName: args.name, dashboardBody: body },
      p,
    );
    this.dashboardUrl = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
    this.registerOutputs({ alarmTopicArn: this.topic.arn, dashboardUrl: this.dashboardUrl });
  }
}
