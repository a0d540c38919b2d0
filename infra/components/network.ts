/**
 * VPC with three subnet tiers per AZ:
 *  - public:   ALB and NAT gateways only (route to the internet gateway);
 *  - private:  ECS tasks (egress through NAT, no public IPs);
 *  - isolated: RDS (no route out of the VPC at all).
 * Flow logs go to CloudWatch; an S3 gateway endpoint keeps S3 traffic off NAT;
 * the default security group is emptied so nothing can fall back on it.
 * The three application security groups are created here without rules; each
 * component adds the rules it owns, which breaks the ALB → service → DB cycle.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";
import { accountInfo, policyJson } from "../tags";
import { NatInstance } from "./natinstance";
import { permissionsBoundary } from "../boundary";

export interface NetworkArgs {
  /**
   * Prefix of the resources' Name tags and security group descriptions.
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /**
   * VPC IPv4 CIDR (/16 to /20); split into 16 equal blocks for the subnets.
   * @default "10.0.0.0/16"
   */
  cidr?: string;
  /**
   * Number of availability zones (2 or 3): three keep two thirds of the capacity when an AZ fails.
   * @default 3
   */
  azCount?: number;
  /**
   * `single` NAT gateway shared by all AZs, or `perAz`: an AZ outage never cuts the others' egress.
   * @default "perAz"
   */
  natGateways?: "single" | "perAz";
  /**
   * `gateway`: managed NAT gateways (per natGateways). `instance`: one NAT instance in the first
   * public subnet for every AZ (a non-prod cost lever; see natinstance.ts). @default "gateway"
   */
  natMode?: "gateway" | "instance";
  /** EC2 type of the NAT instance (natMode `instance`): the smallest Graviton carries light egress. @default "t4g.nano" */
  natInstanceType?: string;
  /** Required: the S3 gateway endpoint's service name (`com.amazonaws.<region>.s3`) is regional. */
  region: string;
  /** Required: VPC flow logs are always on; this group receives them (Logs' `flowLogGroupArn`, or a LogGroup). */
  flowLogGroup: { arn: pulumi.Input<string> };
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    vpc?: Transform<aws.ec2.VpcArgs>;
    subnet?: Transform<aws.ec2.SubnetArgs>;
    natGateway?: Transform<aws.ec2.NatGatewayArgs>;
    s3Endpoint?: Transform<aws.ec2.VpcEndpointArgs>;
    flowLog?: Transform<aws.ec2.FlowLogArgs>;
    securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  };
}

/** Splits `cidr` into 16 equal blocks and returns block `index`. */
export function subnetCidr(cidr: string, index: number): string {
  const [ip, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  const base = ip.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const size = 2 ** (32 - prefix - 4);
  const start = (base + index * size) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (start >>> s) & 255).join(".")}/${prefix + 4}`;
}

export class Network extends pulumi.ComponentResource {
  public readonly vpc: aws.ec2.Vpc;
  /** The VPC's id. */
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];
  public readonly isolatedSubnetIds: pulumi.Output<string>[];
  public readonly albSecurityGroup: aws.ec2.SecurityGroup;
  public readonly serviceSecurityGroup: aws.ec2.SecurityGroup;
  public readonly databaseSecurityGroup: aws.ec2.SecurityGroup;
  public readonly s3PrefixListId: pulumi.Output<string>;

  constructor(name: string, input: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Network", name, {}, opts);
    const args = withDefaults(input, {
      name: input.name ?? new Naming().prefix,
      cidr: "10.0.0.0/16",
      azCount: 3,
      natGateways: "perAz",
      natMode: "gateway",
      tags: {},
    });
    const tf = args.transform ?? {};
    const p = { parent: this };
    const t = (n: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: `${args.name}-${n}`, ...extra });

    const azs = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      p,
    );
    this.vpc = child(
      tf.vpc,
      aws.ec2.Vpc,
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: t("vpc") },
      p,
    );
    const vpcId = this.vpc.id;
    this.vpcId = vpcId;

    // Empty the default SG: resources that forget a group get no access at all.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId, tags: t("default-locked") }, p);

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId, tags: t("igw") }, p);
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, { vpcId, tags: t("public") }, p);
    new aws.ec2.Route(`${name}-public-internet`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, p);
    const isolatedRt = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId, tags: t("isolated") }, p);

    this.publicSubnetIds = [];
    this.privateSubnetIds = [];
    this.isolatedSubnetIds = [];
    const nats: aws.ec2.NatGateway[] = [];
    const privateRts: aws.ec2.RouteTable[] = [];
    const natInstanceMode = args.natMode === "instance";
    let natInstance: NatInstance | undefined;
    for (let i = 0; i < args.azCount; i++) {
      const az = azs.names[i];
      const pub = child(
        tf.subnet,
        aws.ec2.Subnet,
        `${name}-public-${i}`,
        {
          vpcId,
          availabilityZone: az,
          cidrBlock: subnetCidr(args.cidr, i),
          mapPublicIpOnLaunch: false,
          tags: t(`public-${i}`, { tier: "public" }),
        },
        p,
      );
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, p);
      this.publicSubnetIds.push(pub.id);

      if (natInstanceMode) {
        if (i === 0) {
          natInstance = new NatInstance(
            `${name}-nat-instance`,
            {
              name: args.name,
              vpcId,
              subnetId: pub.id,
              instanceType: args.natInstanceType,
              privateCidrs: Array.from({ length: args.azCount }, (_, k) => subnetCidr(args.cidr, 4 + k)),
              dependsOn: [igw],
              tags: args.tags,
            },
            p,
          );
        }
      } else if (args.natGateways === "perAz" || i === 0) {
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: t(`nat-${i}`) }, p);
        nats.push(
          child(
            tf.natGateway,
            aws.ec2.NatGateway,
            `${name}-nat-${i}`,
            { allocationId: eip.id, subnetId: pub.id, connectivityType: "public", tags: t(`nat-${i}`) },
            { parent: this, dependsOn: [igw] },
          ),
        );
      }

      const priv = child(
        tf.subnet,
        aws.ec2.Subnet,
        `${name}-private-${i}`,
        {
          vpcId,
          availabilityZone: az,
          cidrBlock: subnetCidr(args.cidr, 4 + i),
          mapPublicIpOnLaunch: false,
          tags: t(`private-${i}`, { tier: "private" }),
        },
        p,
      );
      const rt = new aws.ec2.RouteTable(`${name}-private-${i}`, { vpcId, tags: t(`private-${i}`) }, p);
      const via = natInstance
        ? { networkInterfaceId: natInstance.instance.primaryNetworkInterfaceId }
        : { natGatewayId: nats[args.natGateways === "perAz" ? i : 0].id };
      new aws.ec2.Route(`${name}-private-${i}-nat`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", ...via }, p);
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: rt.id }, p);
      privateRts.push(rt);
      this.privateSubnetIds.push(priv.id);

      const iso = child(
        tf.subnet,
        aws.ec2.Subnet,
        `${name}-isolated-${i}`,
        {
          vpcId,
          availabilityZone: az,
          cidrBlock: subnetCidr(args.cidr, 8 + i),
          mapPublicIpOnLaunch: false,
          tags: t(`isolated-${i}`, { tier: "isolated" }),
        },
        p,
      );
      new aws.ec2.RouteTableAssociation(`${name}-isolated-${i}`, { subnetId: iso.id, routeTableId: isolatedRt.id }, p);
      this.isolatedSubnetIds.push(iso.id);
    }

    const s3Endpoint = child(
      tf.s3Endpoint,
      aws.ec2.VpcEndpoint,
      `${name}-s3`,
      {
        vpcId,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRts.map((r) => r.id), isolatedRt.id],
        tags: t("s3"),
      },
      p,
    );
    this.s3PrefixListId = s3Endpoint.prefixListId;

    // Flow logs: ACCEPT and REJECT, delivered by a role that can write only this group.
    const { accountId, partition } = accountInfo(this);
    const flowRole = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        description: `${args.name}: VPC flow log delivery`,
        permissionsBoundary: permissionsBoundary(),
        // Only flow logs of this account may assume it (confused-deputy guard).
        assumeRolePolicy: policyJson({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
          ],
        }),
        tags: args.tags,
      },
      p,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: flowRole.id,
        policy: policyJson({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteThisGroup",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: [args.flowLogGroup.arn, pulumi.interpolate`${args.flowLogGroup.arn}:*`],
            },
            {
              // DescribeLogGroups is a list call: IAM authorises it against every group of the
              // account/region, so a statement naming only our group never allows it.
              Sid: "FindThisGroup",
              Effect: "Allow",
              Action: "logs:DescribeLogGroups",
              Resource: pulumi.interpolate`arn:${partition}:logs:${args.region}:${accountId}:log-group:*`,
            },
          ],
        }),
      },
      p,
    );
    child(
      tf.flowLog,
      aws.ec2.FlowLog,
      `${name}-flow-logs`,
      {
        vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: args.flowLogGroup.arn,
        iamRoleArn: flowRole.arn,
        maxAggregationInterval: 60,
        tags: t("flow-logs"),
      },
      p,
    );

    const sg = (n: string, description: string) =>
      child(
        tf.securityGroup,
        aws.ec2.SecurityGroup,
        `${name}-${n}`,
        {
          vpcId,
          description,
          revokeRulesOnDelete: true,
          tags: t(n),
        },
        p,
      );
    this.albSecurityGroup = sg("alb", `${args.name} load balancer: 80/443 from the internet, egress to the service only`);
    this.serviceSecurityGroup = sg("service", `${args.name} ECS tasks: app port from the ALB only`);
    this.databaseSecurityGroup = sg("database", `${args.name} RDS: 5432 from the ECS tasks only`);

    this.registerOutputs({ vpcId });
  }
}
