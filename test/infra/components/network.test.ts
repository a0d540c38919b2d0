import * as assert from "assert";
import { subnetCidr } from "../../../infra/components/network";
import { plan, ofType, one, policyDoc, STACKS } from "../helpers";

describe("infra/components/network", () => {
  it("splits the VPC CIDR into 16 equal blocks", () => {
    assert.strictEqual(subnetCidr("10.0.0.0/16", 0), "10.0.0.0/20");
    assert.strictEqual(subnetCidr("10.0.0.0/16", 9), "10.0.144.0/20");
    assert.strictEqual(subnetCidr("10.1.0.0/18", 1), "10.1.4.0/22");
  });

  // staging egresses through one NAT instance (paved:natMode=instance, a cost lever): see natinstance.test.ts.
  const expected = { staging: { azs: 2, nats: 0 }, prod: { azs: 3, nats: 3 } };
  for (const stack of STACKS) {
    describe(stack, () => {
      it(`spans ${expected[stack].azs} AZs with public, private and isolated subnets`, async () => {
        const p = await plan(stack);
        const subnets = ofType(p, "aws:ec2/subnet:Subnet");
        assert.strictEqual(subnets.length, expected[stack].azs * 3);
        for (const tier of ["public", "private", "isolated"]) {
          const azs = new Set(subnets.filter((s) => s.inputs.tags.tier === tier).map((s) => s.inputs.availabilityZone));
          assert.strictEqual(azs.size, expected[stack].azs, `${tier} subnets in distinct AZs`);
        }
        assert.ok(
          subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false),
          "no subnet hands out public IPs",
        );
      });

      it(`has ${expected[stack].nats} NAT gateway(s), in public subnets`, async () => {
        const p = await plan(stack);
        const nats = ofType(p, "aws:ec2/natGateway:NatGateway");
        assert.strictEqual(nats.length, expected[stack].nats);
        const publicIds = new Set(
          ofType(p, "aws:ec2/subnet:Subnet")
            .filter((s) => s.inputs.tags.tier === "public")
            .map((s) => s.id),
        );
        assert.ok(nats.every((n) => publicIds.has(n.inputs.subnetId)));
      });

      it("routes private subnets through NAT and gives isolated subnets no internet route", async () => {
        const p = await plan(stack);
        const routes = ofType(p, "aws:ec2/route:Route");
        const isolatedRt = one(p, "aws:ec2/routeTable:RouteTable", "-isolated");
        assert.ok(!routes.some((r) => r.inputs.routeTableId === isolatedRt.id), "isolated route table has no routes");
        const natRoutes = routes.filter((r) => r.inputs.natGatewayId || r.inputs.networkInterfaceId);
        assert.strictEqual(natRoutes.length, expected[stack].azs);
        const igwRoutes = routes.filter((r) => r.inputs.gatewayId);
        assert.strictEqual(igwRoutes.length, 1);
      });

      it("ships flow logs to CloudWatch and adds an S3 gateway endpoint", async () => {
        const p = await plan(stack);
        const fl = one(p, "aws:ec2/flowLog:FlowLog");
        assert.strictEqual(fl.inputs.trafficType, "ALL");
        const group = one(p, "aws:cloudwatch/logGroup:LogGroup", "-flow-logs").outputs!.arn;
        assert.strictEqual(fl.inputs.logDestination, group);
        const role = one(p, "aws:iam/role:Role", "-flow-logs");
        assert.strictEqual(fl.inputs.iamRoleArn, role.outputs!.arn);
        const trust = policyDoc(role, "assumeRolePolicy").Statement[0];
        assert.deepStrictEqual(
          [trust.Principal, trust.Condition],
          [{ Service: "vpc-flow-logs.amazonaws.com" }, { StringEquals: { "aws:SourceAccount": "123456789012" } }],
        );
        const doc = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-flow-logs"));
        const write = doc.Statement.find((x: any) => x.Sid === "WriteThisGroup");
        assert.deepStrictEqual(write.Resource, [group, `${group}:*`]);
        assert.ok(write.Action.includes("logs:PutLogEvents") && write.Action.includes("logs:CreateLogStream"));
        // A list action is authorised against log-group:*, never against one group's ARN.
        assert.deepStrictEqual(
          doc.Statement.find((x: any) => x.Action === "logs:DescribeLogGroups").Resource,
          "arn:aws:logs:us-east-1:123456789012:log-group:*",
        );
        const ep = one(p, "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.strictEqual(ep.inputs.vpcEndpointType, "Gateway");
        assert.strictEqual(ep.inputs.serviceName, "com.amazonaws.us-east-1.s3");
      });

      it("locks down the default security group (no rules)", async () => {
        const p = await plan(stack);
        const d = one(p, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        assert.ok(!d.inputs.ingress?.length && !d.inputs.egress?.length);
      });

      it("no security group allows 0.0.0.0/0 or ::/0 ingress except the ALB's 80/443", async () => {
        const p = await plan(stack);
        const albSg = one(p, "aws:ec2/securityGroup:SecurityGroup", "-alb").id;
        const rules = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        const open = rules.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0");
        assert.ok(open.length >= 2);
        for (const r of open) {
          assert.strictEqual(r.inputs.securityGroupId, albSg, `${r.name} is on the ALB group`);
          assert.ok([80, 443].includes(r.inputs.fromPort) && r.inputs.fromPort === r.inputs.toPort, `${r.name} opens only 80 or 443`);
        }
        for (const sg of ofType(p, "aws:ec2/securityGroup:SecurityGroup")) {
          assert.ok(!sg.inputs.ingress?.length, `${sg.name} has no inline ingress`);
        }
      });
    });
  }
});
