/**
 * Internet-facing ALB. Only 80 and 443 are open to the internet; 80 answers with a
 * permanent redirect to HTTPS; 443 terminates TLS 1.2+ and injects the security
 * headers (HSTS, nosniff, frame-deny) at the listener, so they are present even
 * when the app forgets them. Invalid header fields are dropped (request-smuggling
 * defence), the Server header is removed, access logs go to S3.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";
import { checkName, Naming } from "./naming";

/**
 * Target-group health check: the app's DB-aware readiness endpoint. Path and matcher come from the
 * app contract (`healthCheck`); these are the defaults.
 */
export const HEALTH_CHECK = {
  path: "/health",
  protocol: "HTTP",
  port: "traffic-port",
  matcher: "200",
  interval: 30,
  timeout: 5,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
} as const;

export interface LoadBalancerArgs {
  /**
   * Prefix of the ALB name (`<name>-alb`, 32 characters at most; the target group is auto-named).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the VPC of the target group (the network's). */
  vpcId: pulumi.Input<string>;
  /** Required: the public subnets (one per AZ) the internet-facing ALB lives in. */
  subnetIds: pulumi.Input<string>[];
  /** Required: the ALB's security group (created empty by the network; this component adds 80/443 in). */
  securityGroup: aws.ec2.SecurityGroup;
  /** Required: the tasks' group, the only egress destination of the ALB. */
  targetSecurityGroup: aws.ec2.SecurityGroup;
  /** Required: the container port the target group forwards to (the app contract's `port`; no safe guess). */
  targetPort: number;
  /** Health-check path (the app contract's `healthCheck.path`): the app's DB-aware readiness check. @default "/health" */
  healthCheckPath?: string;
  /** Healthy HTTP codes (the app contract's `healthCheck.matcher`): only a real 200 is healthy. @default "200" */
  healthCheckMatcher?: string;
  /** Required: the issued ACM certificate of the HTTPS listener (the app is never served over plain HTTP; see Certificate). */
  certificateArn: pulumi.Input<string>;
  /**
   * TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only, forward-secret ciphers.
   * @default "ELBSecurityPolicy-TLS13-1-2-2021-06"
   */
  sslPolicy?: string;
  /**
   * HSTS max-age (s) the HTTPS listener injects: a year, so browsers never downgrade to HTTP.
   * @default 31536000
   */
  hstsMaxAgeSeconds?: number;
  /**
   * ALB deletion protection: deleting the entry point takes a deliberate step (staging may relax it).
   * @default true
   */
  deletionProtection?: boolean;
  /**
   * Idle timeout (s); the app's keep-alive must be longer so the ALB always closes an idle connection first.
   * @default 60
   */
  idleTimeoutSeconds?: number;
  /** Required: the access-log bucket (Storage's `accessLogBucketName`): every request is logged. */
  accessLogBucket: pulumi.Input<string>;
  /**
   * Access log key prefix; must be the one the bucket policy lets the ELB log delivery write under (Storage's).
   * @default "alb"
   */
  accessLogPrefix?: string;
  /**
   * Resources the access-log delivery needs first (Storage's `accessLogDelivery`: the bucket policy),
   * or creating the ALB fails its access-log check.
   * @default []
   */
  accessLogDependsOn?: pulumi.Resource[];
  /**
   * Public host name; with hostedZoneId an alias record points it at the ALB.
   * @default "" (the ALB's own DNS name is the URL)
   */
  domain?: string;
  /**
   * Route 53 zone for the alias record.
   * @default "" (no alias record)
   */
  hostedZoneId?: string;
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    alb?: Transform<aws.lb.LoadBalancerArgs>;
    targetGroup?: Transform<aws.lb.TargetGroupArgs>;
    httpsListener?: Transform<aws.lb.ListenerArgs>;
    httpListener?: Transform<aws.lb.ListenerArgs>;
    aliasRecord?: Transform<aws.route53.RecordArgs>;
  };
}

export class LoadBalancer extends pulumi.ComponentResource {
  public readonly alb: aws.lb.LoadBalancer;
  public readonly targetGroup: aws.lb.TargetGroup;
  public readonly httpsListener: aws.lb.Listener;
  public readonly httpListener: aws.lb.Listener;
  /** https://<domain or ALB DNS name> */
  public readonly url: pulumi.Output<string>;
  /** The ALB's DNS name. */
  public readonly dnsName: pulumi.Output<string>;
  /** The ALB's ARN suffix (`app/<name>/<id>`): the `LoadBalancer` dimension of its metrics. */
  public readonly arnSuffix: pulumi.Output<string>;
  /** The target group's ARN, for a service to register into. */
  public readonly targetGroupArn: pulumi.Output<string>;
  /** The target group's ARN suffix: the `TargetGroup` dimension of its metrics. */
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** `<alb suffix>/<target group suffix>`: the resource label of ALBRequestCountPerTarget scaling. */
  public readonly requestCountLabel: pulumi.Output<string>;
  /** The listeners: what must exist before a service attaches to the target group. */
  public readonly listeners: pulumi.Resource[];

  constructor(name: string, input: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:LoadBalancer", name, {}, opts);
    const args = withDefaults(input, {
      name: input.name ?? new Naming().prefix,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      hstsMaxAgeSeconds: 31536000,
      deletionProtection: true,
      idleTimeoutSeconds: 60,
      accessLogPrefix: "alb",
      accessLogDependsOn: [],
      domain: "",
      hostedZoneId: "",
      tags: {},
    });
    const t = args.transform ?? {};
    const p = { parent: this };
    const sgId = args.securityGroup.id;
    for (const port of [80, 443]) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-web-${port}`,
        {
          securityGroupId: sgId,
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `Public web traffic (${port})`,
          tags: args.tags,
        },
        p,
      );
    }
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-service`,
      {
        securityGroupId: sgId,
        referencedSecurityGroupId: args.targetSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: args.targetPort,
        toPort: args.targetPort,
        description: "Forward to the ECS tasks only",
        tags: args.tags,
      },
      p,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-service-from-alb`,
      {
        securityGroupId: args.targetSecurityGroup.id,
        referencedSecurityGroupId: sgId,
        ipProtocol: "tcp",
        fromPort: args.targetPort,
        toPort: args.targetPort,
        description: "App port from the load balancer only",
        tags: args.tags,
      },
      p,
    );

    this.alb = child(
      t.alb,
      aws.lb.LoadBalancer,
      `${name}-alb`,
      {
        name: checkName("alb", `${args.name}-alb`),
        loadBalancerType: "application",
        internal: false,
        ipAddressType: "ipv4",
        securityGroups: [sgId],
        subnets: args.subnetIds,
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "defensive",
        enableDeletionProtection: args.deletionProtection,
        enableHttp2: true,
        idleTimeout: args.idleTimeoutSeconds,
        accessLogs: { bucket: args.accessLogBucket, prefix: args.accessLogPrefix, enabled: true },
        tags: args.tags,
      },
      { parent: this, dependsOn: args.accessLogDependsOn },
    );

    // No fixed name: port, protocol, target type and VPC changes replace a target group, and
    // Pulumi creates the replacement before deleting the old one (the listener still uses it).
    // A fixed name would make that create fail with DuplicateTargetGroupName; Pulumi's
    // auto-name (`<logical name>-<random>`, kept within the 32-character limit) does not.
    this.targetGroup = child(
      t.targetGroup,
      aws.lb.TargetGroup,
      `${name}-tg`,
      {
        targetType: "ip",
        port: args.targetPort,
        protocol: "HTTP",
        protocolVersion: "HTTP1",
        vpcId: args.vpcId,
        deregistrationDelay: 30,
        healthCheck: {
          enabled: true,
          ...HEALTH_CHECK,
          path: args.healthCheckPath ?? HEALTH_CHECK.path,
          matcher: args.healthCheckMatcher ?? HEALTH_CHECK.matcher,
        },
        tags: args.tags,
      },
      p,
    );

    this.httpsListener = child(
      t.httpsListener,
      aws.lb.Listener,
      `${name}-https`,
      {
        loadBalancerArn: this.alb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: args.sslPolicy,
        certificateArn: args.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
        routingHttpResponseStrictTransportSecurityHeaderValue: `max-age=${args.hstsMaxAgeSeconds}; includeSubDomains`,
        routingHttpResponseXContentTypeOptionsHeaderValue: "nosniff",
        routingHttpResponseXFrameOptionsHeaderValue: "DENY",
        routingHttpResponseServerEnabled: false,
        tags: args.tags,
      },
      p,
    );

    this.httpListener = child(
      t.httpListener,
      aws.lb.Listener,
      `${name}-http`,
      {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        tags: args.tags,
      },
      p,
    );

    if (args.domain && args.hostedZoneId) {
      child(
        t.aliasRecord,
        aws.route53.Record,
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domain,
          type: "A",
          aliases: [{ name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true }],
        },
        p,
      );
    }
    this.url = args.domain ? pulumi.output(`https://${args.domain}`) : pulumi.interpolate`https://${this.alb.dnsName}`;
    this.dnsName = this.alb.dnsName;
    this.arnSuffix = this.alb.arnSuffix;
    this.targetGroupArn = this.targetGroup.arn;
    this.targetGroupArnSuffix = this.targetGroup.arnSuffix;
    this.requestCountLabel = pulumi.interpolate`${this.alb.arnSuffix}/${this.targetGroup.arnSuffix}`;
    this.listeners = [this.httpsListener, this.httpListener];
    this.registerOutputs({ url: this.url, dnsName: this.alb.dnsName });
  }
}
