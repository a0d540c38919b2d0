// paved-ec2-no-public-ip recognises exactly the NAT-instance shape (policy/policies/compute.ts).
import type { ResourceRecord } from "../../policy/evaluator";
import { passes, violates, STACK_URN_PREFIX } from "./helpers";

const POLICY = "paved-ec2-no-public-ip";
const urn = (type: string, name: string) => `${STACK_URN_PREFIX}${type}::${name}`;
const rec = (
  type: string,
  name: string,
  inputs: Record<string, any>,
  propertyDependencies: Record<string, string[]> = {},
): ResourceRecord => ({ urn: urn(type, name), type, name, custom: true, inputs, outputs: inputs, propertyDependencies });

const IGW = "aws:ec2/internetGateway:InternetGateway";
const RT = "aws:ec2/routeTable:RouteTable";
const SUBNET = "aws:ec2/subnet:Subnet";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const INSTANCE = "aws:ec2/instance:Instance";

interface Shape {
  sourceDestCheck?: boolean;
  publicSubnet?: boolean;
  httpTokens?: string;
  keyName?: string;
  ingressCidr?: string;
  ingressPort?: number;
  sgInStack?: boolean;
}

/** A NAT instance as paved builds it, with one property changed by `s`. */
function stack(s: Shape = {}): ResourceRecord[] {
  const publicSubnet = s.publicSubnet ?? true;
  const out: ResourceRecord[] = [
    rec(IGW, "igw", { vpcId: "vpc-1" }),
    rec(RT, "rt", { vpcId: "vpc-1" }),
    rec(
      "aws:ec2/route:Route",
      "rt-default",
      publicSubnet
        ? { destinationCidrBlock: "0.0.0.0/0", routeTableId: "rtb-1", gatewayId: "igw-1" }
        : { destinationCidrBlock: "0.0.0.0/0", routeTableId: "rtb-1", natGatewayId: "nat-1" },
      publicSubnet ? { routeTableId: [urn(RT, "rt")], gatewayId: [urn(IGW, "igw")] } : { routeTableId: [urn(RT, "rt")] },
    ),
    rec(SUBNET, "public-0", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/20", mapPublicIpOnLaunch: false }),
    rec(
      "aws:ec2/routeTableAssociation:RouteTableAssociation",
      "public-0",
      { subnetId: "subnet-1", routeTableId: "rtb-1" },
      { subnetId: [urn(SUBNET, "public-0")], routeTableId: [urn(RT, "rt")] },
    ),
    rec(SG, "nat", { vpcId: "vpc-1", description: "NAT" }),
    rec(
      INGRESS,
      "from-private",
      {
        securityGroupId: "sg-1",
        cidrIpv4: s.ingressCidr ?? "10.0.64.0/20",
        ipProtocol: "tcp",
        fromPort: s.ingressPort ?? 443,
        toPort: s.ingressPort ?? 443,
      },
      { securityGroupId: [urn(SG, "nat")] },
    ),
    rec(
      INSTANCE,
      "nat",
      {
        instanceType: "t4g.nano",
        subnetId: "subnet-1",
        vpcSecurityGroupIds: ["sg-1"],
        associatePublicIpAddress: true,
        sourceDestCheck: s.sourceDestCheck ?? false,
        metadataOptions: { httpTokens: s.httpTokens ?? "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true },
        ...(s.keyName ? { keyName: s.keyName } : {}),
      },
      { subnetId: [urn(SUBNET, "public-0")], vpcSecurityGroupIds: s.sgInStack === false ? [] : [urn(SG, "nat")] },
    ),
  ];
  return out;
}

describe("policy: paved-ec2-no-public-ip accepts exactly the NAT-instance shape", () => {
  it("passes a NAT instance: sourceDestCheck false, public subnet, IMDSv2, no key pair, no internet ingress or SSH", async () => {
    await passes(POLICY, stack());
  });

  it("flags an ordinary instance with a public IP (sourceDestCheck left on)", async () => {
    await violates(
      POLICY,
      stack({ sourceDestCheck: true }),
      /associatePublicIpAddress is true\); it is not a NAT instance \(sourceDestCheck is not false\)/,
    );
  });

  it("flags a 'NAT instance' in a subnet without a route to an internet gateway", async () => {
    await violates(POLICY, stack({ publicSubnet: false }), /its subnet has no route to an internet gateway/);
  });

  it("flags one that allows IMDSv1", async () => {
    await violates(POLICY, stack({ httpTokens: "optional" }), /it does not require IMDSv2/);
  });

  it("flags one with an SSH key pair", async () => {
    await violates(POLICY, stack({ keyName: "ops" }), /it has the SSH key pair 'ops'/);
  });

  it("flags one whose security group admits the internet, or SSH from anywhere", async () => {
    await violates(POLICY, stack({ ingressCidr: "0.0.0.0/0" }), /security group 'nat' allows ingress from the internet/);
    await violates(POLICY, stack({ ingressPort: 22 }), /security group 'nat' allows SSH \(port 22\)/);
  });

  it("flags one whose security groups are not in the stack (nothing can be shown about them)", async () => {
    await violates(POLICY, stack({ sgInStack: false }), /not all of its security groups are in this stack/);
  });

  it("a launch template never gets the NAT exemption, and allowPublicIp still relaxes everything", async () => {
    await violates(
      POLICY,
      rec("aws:ec2/launchTemplate:LaunchTemplate", "lt", { networkInterfaces: [{ associatePublicIpAddress: "true" }] }),
      /networkInterfaces\[0\]/,
    );
    await passes(POLICY, stack({ sourceDestCheck: true }), { [POLICY]: { allowPublicIp: true } });
  });
});
