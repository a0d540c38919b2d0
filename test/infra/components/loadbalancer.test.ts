import * as assert from "assert";
import { plan, ofType, one, STACKS } from "../helpers";

describe("infra/components/loadbalancer", () => {
  for (const stack of STACKS) {
    describe(stack, () => {
      it("HTTPS listener: TLS 1.2+ policy, ACM certificate, HSTS ≥ 1 year with includeSubDomains, nosniff, frame deny, no Server header", async () => {
        const p = await plan(stack);
        const l = ofType(p, "aws:lb/listener:Listener").find((x) => x.inputs.port === 443)!;
        assert.strictEqual(l.inputs.protocol, "HTTPS");
        assert.strictEqual(l.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        assert.match(l.inputs.certificateArn, /^arn:aws:acm:us-east-1:123456789012:certificate\//);
        const hsts = l.inputs.routingHttpResponseStrictTransportSecurityHeaderValue;
        const maxAge = Number(/max-age=(\d+)/.exec(hsts)![1]);
        assert.ok(maxAge >= 31536000, "max-age at least one year");
        assert.match(hsts, /includeSubDomains/);
        assert.strictEqual(l.inputs.routingHttpResponseXContentTypeOptionsHeaderValue, "nosniff");
        assert.strictEqual(l.inputs.routingHttpResponseXFrameOptionsHeaderValue, "DENY");
        assert.strictEqual(l.inputs.routingHttpResponseServerEnabled, false);
        assert.deepStrictEqual(
          l.inputs.defaultActions.map((a: any) => a.type),
          ["forward"],
        );
      });

      it("HTTP listener only redirects 301 to HTTPS:443", async () => {
        const p = await plan(stack);
        const l = ofType(p, "aws:lb/listener:Listener").find((x) => x.inputs.port === 80)!;
        assert.strictEqual(l.inputs.protocol, "HTTP");
        assert.strictEqual(l.inputs.defaultActions.length, 1);
        assert.strictEqual(l.inputs.defaultActions[0].type, "redirect");
        assert.deepStrictEqual(l.inputs.defaultActions[0].redirect, { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" });
        // Response-header attributes are HTTPS-listener settings; a redirect-only listener takes none.
        assert.deepStrictEqual(
          Object.keys(l.inputs).filter((k) => k.startsWith("routingHttpResponse")),
          [],
        );
      });

      it("target group has no fixed name, so a replacement can be created before the old one is deleted", async () => {
        const p = await plan(stack);
        const tg = one(p, "aws:lb/targetGroup:TargetGroup");
        assert.strictEqual(tg.inputs.name, undefined, "a fixed name makes create-before-delete fail with DuplicateTargetGroupName");
        assert.ok(tg.outputs!.name.length <= 32);
        const requests = ofType(p, "aws:appautoscaling/policy:Policy").find(
          (x) =>
            x.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType ===
            "ALBRequestCountPerTarget",
        )!;
        assert.strictEqual(
          requests.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel,
          `${one(p, "aws:lb/loadBalancer:LoadBalancer").outputs!.arnSuffix}/${tg.outputs!.arnSuffix}`,
        );
        assert.match(tg.outputs!.arnSuffix, /^targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]{16}$/);
      });

      it("target group: ip targets, /health every 30 s, healthy 2, unhealthy 3, timeout 5 s, matcher 200, deregistration 30 s", async () => {
        const tg = one(await plan(stack), "aws:lb/targetGroup:TargetGroup");
        assert.strictEqual(tg.inputs.targetType, "ip");
        assert.strictEqual(tg.inputs.port, 3000);
        assert.strictEqual(tg.inputs.deregistrationDelay, 30);
        const hc = tg.inputs.healthCheck;
        assert.deepStrictEqual(
          [hc.path, hc.interval, hc.healthyThreshold, hc.unhealthyThreshold, hc.timeout, hc.matcher],
          ["/health", 30, 2, 3, 5, "200"],
        );
      });

      it("ALB: public subnets, drops invalid headers, access logs to S3, deletion protection only in prod", async () => {
        const p = await plan(stack);
        const alb = one(p, "aws:lb/loadBalancer:LoadBalancer");
        assert.strictEqual(alb.inputs.internal, false);
        assert.strictEqual(alb.inputs.dropInvalidHeaderFields, true);
        assert.strictEqual(alb.inputs.enableDeletionProtection, stack === "prod");
        assert.deepStrictEqual(alb.inputs.accessLogs, {
          bucket: one(p, "aws:s3/bucket:Bucket", "-alb-logs").outputs!.bucket,
          prefix: "alb",
          enabled: true,
        });
        const pub = ofType(p, "aws:ec2/subnet:Subnet")
          .filter((s) => s.inputs.tags.tier === "public")
          .map((s) => s.id)
          .sort();
        assert.deepStrictEqual([...alb.inputs.subnets].sort(), pub);
      });

      it("ALB security group: 80/443 in from the internet, egress only to the service group on 3000", async () => {
        const p = await plan(stack);
        const albSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "-alb").id;
        const svcSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "-service").id;
        const ingress = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
          (r) => r.inputs.securityGroupId === albSg,
        );
        assert.deepStrictEqual(ingress.map((r) => r.inputs.fromPort).sort(), [443, 80]);
        const egress = ofType(p, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter(
          (r) => r.inputs.securityGroupId === albSg,
        );
        assert.strictEqual(egress.length, 1);
        assert.strictEqual(egress[0].inputs.referencedSecurityGroupId, svcSg);
        assert.strictEqual(egress[0].inputs.fromPort, 3000);
      });

      it("points the domain at the ALB and exports https URLs", async () => {
        const p = await plan(stack);
        const domain = stack === "prod" ? "app.example.com" : "staging.example.com";
        const alias = one(p, "aws:route53/record:Record", "-alias");
        assert.strictEqual(alias.inputs.name, domain);
        assert.strictEqual(alias.inputs.aliases[0].name, one(p, "aws:lb/loadBalancer:LoadBalancer").outputs!.dnsName);
        assert.strictEqual(p.outputs.appUrl, `https://${domain}`);
        assert.strictEqual(p.outputs.healthUrl, `https://${domain}/health`);
      });
    });
  }
});
