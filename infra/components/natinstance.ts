/**
 * A NAT instance: the non-prod alternative to NAT gateways (paved:natMode=instance), about a
 * fifth of a NAT gateway's monthly cost for a stack's light egress.
 *
 * Amazon Linux 2023 set up as AWS documents for NAT instances (iptables-services, IPv4
 * forwarding, MASQUERADE on the primary interface, FORWARD chain flushed, rules saved), with:
 *  - sourceDestCheck false (it forwards other hosts' traffic), in a public subnet, with a public IP;
 *  - IMDSv2 required with hop limit 1;
 *  - no SSH and no key pair: administration through SSM Session Manager only
 *    (AmazonSSMManagedInstanceCore on its instance role);
 *  - a security group that admits only the private subnets' HTTP/HTTPS and nothing from the
 *    internet; egress HTTP/HTTPS only;
 *  - an encrypted gp3 root volume.
 * It is the one EC2 instance with a public IP the policy pack accepts, because it has exactly
 * that shape (see paved-ec2-no-public-ip).
 *
 * Trade-off (why prod keeps NAT gateways): one instance in one AZ is a single point of failure for
 * egress and its bandwidth is the instance's; AWS patches nothing on it (dnf updates at boot only).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { permissionsBoundary } from "../boundary";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";

export interface NatInstanceArgs {
  /**
   * Prefix of the Name tags and descriptions.
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the VPC of its security group. */
  vpcId: pulumi.Input<string>;
  /** Required: the public subnet it runs in (routed to the internet gateway). */
  subnetId: pulumi.Input<string>;
  /** Required: CIDRs of the private subnets whose egress it forwards (the only sources its group admits). */
  privateCidrs: string[];
  /** EC2 instance type: the smallest Graviton carries a non-prod stack's light egress. @default "t4g.nano" (arm64) */
  instanceType?: string;
  /** Encrypted gp3 root volume size (GiB): Amazon Linux 2023's minimum. @default 8 */
  rootVolumeGb?: number;
  /** Resources that must exist first (the internet gateway), or the instance boots without a route out. @default [] */
  dependsOn?: pulumi.Resource[];
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
    role?: Transform<aws.iam.RoleArgs>;
    instanceProfile?: Transform<aws.iam.InstanceProfileArgs>;
    instance?: Transform<aws.ec2.InstanceArgs>;
  };
}

/** Graviton instance families (t4g, m7g, c6gn, ...) run arm64 AMIs. */
export function instanceArchitecture(instanceType: string): "arm64" | "x86_64" {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? "arm64" : "x86_64";
}

/** User data: the NAT configuration AWS documents for Amazon Linux 2023. */
export const NAT_USER_DATA = `#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
systemctl enable --now iptables
echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/90-nat-forwarding.conf
sysctl -p /etc/sysctl.d/90-nat-forwarding.conf
iface="$(ip route show default | awk '{print $5; exit}')"
iptables -t nat -A POSTROUTING -o "$iface" -j MASQUERADE
iptables -F FORWARD
service iptables save
`;

const PORTS = [80, 443];

export class NatInstance extends pulumi.ComponentResource {
  public readonly instance: aws.ec2.Instance;
  public readonly securityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, input: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:NatInstance", name, {}, opts);
    const args = withDefaults(input, { name: input.name ?? new Naming().prefix, tags: {} });
    const p = { parent: this };
    const instanceType = args.instanceType ?? "t4g.nano";
    const t = args.transform ?? {};
    const named = (n: string) => ({ ...args.tags, Name: `${args.name}-${n}` });

    this.securityGroup = child(
      t.securityGroup,
      aws.ec2.SecurityGroup,
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${args.name} NAT instance: HTTP/HTTPS from the private subnets only, no inbound from the internet`,
        revokeRulesOnDelete: true,
        tags: named("nat"),
      },
      p,
    );
    args.privateCidrs.forEach((cidr, i) => {
      for (const port of PORTS) {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-from-private-${i}-${port}`,
          {
            securityGroupId: this.securityGroup.id,
            cidrIpv4: cidr,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            description: `Port ${port} from private subnet ${i}`,
            tags: args.tags,
          },
          p,
        );
      }
    });
    for (const port of PORTS) {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-to-internet-${port}`,
        {
          securityGroupId: this.securityGroup.id,
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `Forwarded port ${port} to the internet`,
          tags: args.tags,
        },
        p,
      );
    }

    // SSM only: the instance role can register with Systems Manager, nothing else.
    const role = child(
      t.role,
      aws.iam.Role,
      `${name}-role`,
      {
        description: `${args.name}: NAT instance (SSM Session Manager only)`,
        permissionsBoundary: permissionsBoundary(),
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: args.tags,
      },
      p,
    );
    const ssm = new aws.iam.RolePolicyAttachment(
      `${name}-ssm`,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      p,
    );
    const profile = child(t.instanceProfile, aws.iam.InstanceProfile, `${name}-profile`, { role: role.name, tags: args.tags }, p);

    const ami = aws.ssm.getParameterOutput(
      { name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${instanceArchitecture(instanceType)}` },
      p,
    );
    this.instance = child(
      t.instance,
      aws.ec2.Instance,
      `${name}-instance`,
      {
        ami: ami.insecureValue,
        instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [this.securityGroup.id],
        associatePublicIpAddress: true,
        sourceDestCheck: false,
        iamInstanceProfile: profile.name,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: args.rootVolumeGb ?? 8, deleteOnTermination: true },
        userData: NAT_USER_DATA,
        userDataReplaceOnChange: true,
        tags: named("nat"),
      },
      { parent: this, dependsOn: [ssm, ...(args.dependsOn ?? [])], ignoreChanges: ["ami"] } as pulumi.CustomResourceOptions,
    );
    this.registerOutputs({});
  }
}
