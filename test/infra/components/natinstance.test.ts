import * as assert from "assert";
import { instanceArchitecture, NAT_USER_DATA, NatInstance, type NatInstanceArgs } from "../../../infra/components/natinstance";
import { runPlan } from "../../../infra/offline/plan";
import { plan, ofType, one, policyDoc } from "../helpers";

describe("infra/components/natinstance (staging: paved:natMode=instance)", () => {
  it("one Amazon Linux 2023 NAT instance in a public subnet: sourceDestCheck off, public IP, IMDSv2 hop 1, no key pair, encrypted root, SSM role", async () => {
    const p = await plan("staging");
    assert.strictEqual(ofType(p, "aws:ec2/natGateway:NatGateway").length, 0);
    assert.strictEqual(ofType(p, "aws:ec2/eip:Eip").length, 0);
    const i = one(p, "aws:ec2/instance:Instance");
    const pub = ofType(p, "aws:ec2/subnet:Subnet")
      .filter((s) => s.inputs.tags.tier === "public")
      .map((s) => s.id);
    assert.ok(pub.includes(i.inputs.subnetId), "in a public subnet");
    assert.strictEqual(i.inputs.instanceType, "t4g.nano");
    assert.strictEqual(i.inputs.sourceDestCheck, false);
    assert.strictEqual(i.inputs.associatePublicIpAddress, true);
    assert.deepStrictEqual(i.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    assert.strictEqual(i.inputs.keyName, undefined, "no key pair");
    assert.strictEqual(i.inputs.rootBlockDevice.encrypted, true);
    assert.match(i.inputs.ami, /^ami-/);
    assert.strictEqual(i.inputs.userData, NAT_USER_DATA);
    const role = one(p, "aws:iam/role:Role", "-nat-instance-role");
    assert.deepStrictEqual(policyDoc(role, "assumeRolePolicy").Statement[0].Principal, { Service: "ec2.amazonaws.com" });
    const attachments = ofType(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.outputs!.name);
    assert.deepStrictEqual(
      attachments.map((a) => a.inputs.policyArn),
      ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    );
  });

  it("user data is AWS's NAT setup for Amazon Linux 2023: iptables-services, forwarding, MASQUERADE, FORWARD flushed, saved", () => {
    for (const step of [
      "dnf install -y iptables-services",
      "systemctl enable --now iptables",
      "net.ipv4.ip_forward=1",
      "-j MASQUERADE",
      "iptables -F FORWARD",
      "service iptables save",
    ]) {
      assert.ok(NAT_USER_DATA.includes(step), step);
    }
  });

  it("its security group admits only the private subnets (80/443), never the internet; egress 80/443", async () => {
    const p = await plan("staging");
    const sg = one(p, "aws:ec2/securityGroup:SecurityGroup", "-nat-instance-sg").id;
    assert.deepStrictEqual(one(p, "aws:ec2/instance:Instance").inputs.vpcSecurityGroupIds, [sg]);
    const privateCidrs = ofType(p, "aws:ec2/subnet:Subnet")
      .filter((s) => s.inputs.tags.tier === "private")
      .map((s) => s.inputs.cidrBlock)
      .sort();
    const ingress = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === sg);
    assert.deepStrictEqual([...new Set(ingress.map((r) => r.inputs.cidrIpv4))].sort(), privateCidrs);
    assert.deepStrictEqual([...new Set(ingress.map((r) => r.inputs.fromPort))].sort(), [443, 80]);
    const egress = ofType(p, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === sg);
    assert.deepStrictEqual(egress.map((r) => `${r.inputs.cidrIpv4}:${r.inputs.fromPort}`).sort(), ["0.0.0.0/0:443", "0.0.0.0/0:80"]);
  });

  it("every private route table sends 0.0.0.0/0 to the instance's network interface", async () => {
    const p = await plan("staging");
    const eni = one(p, "aws:ec2/instance:Instance").outputs!.primaryNetworkInterfaceId;
    const routes = ofType(p, "aws:ec2/route:Route").filter((r) => r.inputs.networkInterfaceId);
    assert.strictEqual(routes.length, 2);
    assert.ok(routes.every((r) => r.inputs.networkInterfaceId === eni && r.inputs.destinationCidrBlock === "0.0.0.0/0"));
  });

  it("picks the AMI architecture from the instance type (Graviton families run arm64)", () => {
    assert.strictEqual(instanceArchitecture("t4g.nano"), "arm64");
    assert.strictEqual(instanceArchitecture("c6gn.large"), "arm64");
    assert.strictEqual(instanceArchitecture("t3.micro"), "x86_64");
    assert.strictEqual(instanceArchitecture("m7i.large"), "x86_64");
  });

  it("prod refuses a NAT instance, naming the key and what is allowed", async function () {
    this.timeout(240000); // one extra offline plan (fails at config validation)
    await assert.rejects(
      runPlan("prod", { config: { "paved:natMode": "instance" } }),
      /paved:natMode=instance: prod keeps managed NAT gateways.*allowed: gateway/,
    );
  });
});

describe("infra/components/natinstance: the component on its own", function () {
  this.timeout(60000);
  const build = (transform?: NatInstanceArgs["transform"]) =>
    runPlan("staging", {
      program: () => {
        new NatInstance("nat", {
          name: "paved-staging",
          vpcId: "vpc-1",
          subnetId: "subnet-public-1",
          privateCidrs: ["10.0.16.0/20"],
          tags: {},
          transform,
        });
        return {};
      },
    });
  const instanceOf = (p: Awaited<ReturnType<typeof build>>) => one(p, "aws:ec2/instance:Instance");

  it("transform hooks reach the instance, its role, profile and security group under mocks", async () => {
    const seen: string[] = [];
    const p = await build({
      instance: (args, _opts, name) => {
        seen.push(name);
        args.instanceType = "t4g.micro";
        args.monitoring = true;
      },
      role: (args) => {
        args.description = "hooked role";
      },
      instanceProfile: (args, opts) => [{ ...args, tags: { hooked: "yes" } }, opts],
      securityGroup: (args) => {
        args.description = "hooked group";
      },
    });
    assert.deepStrictEqual(seen, ["nat-instance"]);
    assert.deepStrictEqual([instanceOf(p).inputs.instanceType, instanceOf(p).inputs.monitoring], ["t4g.micro", true]);
    assert.strictEqual(one(p, "aws:iam/role:Role").inputs.description, "hooked role");
    assert.deepStrictEqual(one(p, "aws:iam/instanceProfile:InstanceProfile").inputs.tags, { hooked: "yes" });
    assert.strictEqual(one(p, "aws:ec2/securityGroup:SecurityGroup").inputs.description, "hooked group");
  });

  it("no hook: the documented defaults (t4g.nano, 8 GiB encrypted gp3, IMDSv2 hop 1)", async () => {
    const i = instanceOf(await build());
    assert.strictEqual(i.inputs.instanceType, "t4g.nano");
    assert.deepStrictEqual(i.inputs.rootBlockDevice, { encrypted: true, volumeType: "gp3", volumeSize: 8, deleteOnTermination: true });
    assert.strictEqual(i.inputs.metadataOptions.httpTokens, "required");
    assert.strictEqual(i.inputs.monitoring, undefined);
  });
});
