import * as assert from "assert";
import { loadPolicyConfig } from "../../policy/evaluator";
import { findingsOf, passes, res, UNKNOWN, violates } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const VPC_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const P = "paved-sg-no-public-sensitive-ports";
const WEB = "paved-sg-public-ingress-web-only";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

const inline = (rule: Record<string, any>) => res(SG, "sg", { ingress: [rule] });

describe("policy: network ingress", () => {
  it("flags SSH, RDP, database and cache ports from 0.0.0.0/0 in inline ingress", async () => {
    for (const port of [22, 3389, 5432, 3306, 1433, 6379, 27017]) {
      await violates(
        P,
        inline({ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] }),
        new RegExp(`port\\(s\\) ${port}`),
      );
    }
  });

  it("flags ::/0, port ranges containing a sensitive port, and all-traffic rules", async () => {
    await violates(P, inline({ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }), /::\/0/);
    await violates(P, inline({ protocol: "tcp", fromPort: 5000, toPort: 6000, cidrBlocks: ["0.0.0.0/0"] }), /5432/);
    await violates(P, inline({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }), /every port/);
    await violates(P, inline({ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }), /every port/);
  });

  it("covers ec2.SecurityGroupRule (ingress only) and vpc.SecurityGroupIngressRule", async () => {
    await violates(P, res(RULE, "r", { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }));
    await passes(P, res(RULE, "r", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }));
    await violates(P, res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: 3389, toPort: 3389, cidrIpv4: "0.0.0.0/0" }), /3389/);
    await violates(P, res(VPC_RULE, "r", { ipProtocol: "-1", cidrIpv6: "::/0" }), /every port/);
    await passes(P, res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-123" }));
  });

  it("allows web ports from the internet and private sources for anything", async () => {
    const lb = res(SG, "lb", {
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
      ],
    });
    await passes(P, lb);
    await passes(WEB, lb);
    await passes(P, inline({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }));
    await passes(P, inline({ protocol: "icmp", fromPort: -1, toPort: -1, cidrBlocks: ["0.0.0.0/0"] }));
  });

  it("flags app ports open to the internet, once (not also as sensitive), and honours extraPublicPorts", async () => {
    const app = inline({ protocol: "tcp", fromPort: 3000, toPort: 3000, cidrBlocks: ["0.0.0.0/0"] });
    await violates(WEB, app, /port 3000/);
    await passes(P, app);
    await passes(WEB, inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }));
    await passes(WEB, app, { [WEB]: { extraPublicPorts: [3000] } });
    // The extra ports add to 80/443; they never take the web ports away.
    await passes(WEB, inline({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }), {
      [WEB]: { extraPublicPorts: [3000] },
    });
  });

  it("seed: the API (4000) and dev web (5173) ports open to 0.0.0.0/0 are flagged on every rule shape, and only by the web-only policy", async () => {
    for (const port of [4000, 5173]) {
      const shapes = [
        inline({ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] }),
        res(DEFAULT_SG, "default", { ingress: [{ protocol: "tcp", fromPort: port, toPort: port, ipv6CidrBlocks: ["::/0"] }] }),
        res(RULE, "r", { type: "ingress", protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] }),
        res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" }),
        res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv6: "::/0" }),
      ];
      for (const r of shapes) {
        const fs = await violates(WEB, r, new RegExp(`port ${port} from (0\\.0\\.0\\.0/0|::/0)`));
        assert.strictEqual(fs.length, 1);
        await passes(P, r);
      }
    }
    // A range that contains an app port counts, whatever the range starts with.
    await violates(WEB, res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: 4000, toPort: 5000, cidrIpv4: "0.0.0.0/0" }), /ports 4000-5000/);
    await violates(
      WEB,
      res(RULE, "r", { type: "ingress", protocol: "udp", fromPort: 5000, toPort: 5200, cidrBlocks: ["0.0.0.0/0"] }),
      /udp ports 5000-5200/,
    );
  });

  it("compliant: app ports from a private CIDR or from the load balancer's group, and egress rules", async () => {
    await passes(WEB, inline({ protocol: "tcp", fromPort: 4000, toPort: 4000, cidrBlocks: ["10.0.0.0/16"] }));
    await passes(WEB, res(RULE, "r", { type: "ingress", protocol: "tcp", fromPort: 4000, toPort: 4000, sourceSecurityGroupId: "sg-alb" }));
    await passes(WEB, res(RULE, "r", { type: "egress", protocol: "tcp", fromPort: 5173, toPort: 5173, cidrBlocks: ["0.0.0.0/0"] }));
    await passes(WEB, res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: 5173, toPort: 5173, referencedSecurityGroupId: "sg-alb" }));
    await passes(WEB, res(DEFAULT_SG, "default", { ingress: [] }));
  });

  it("a rule the sensitive-port policy reports is not reported again by the web-only policy (ranges, all traffic)", async () => {
    const wide = inline({ protocol: "tcp", fromPort: 3000, toPort: 6000, cidrBlocks: ["0.0.0.0/0"] });
    await violates(P, wide, /5432/);
    await passes(WEB, wide);
    const all = res(VPC_RULE, "r", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" });
    await violates(P, all, /every port/);
    await passes(WEB, all);
    // With both sensitive lists narrowed alike, a no-longer-sensitive port is still caught as a non-web port.
    const redis = inline({ protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] });
    await violates(WEB, redis, /port 6379/, { [P]: { sensitivePorts: [22] }, [WEB]: { sensitivePorts: [22] } });
  });

  it("uses the configured sensitive port list", async () => {
    const redis = inline({ protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] });
    await passes(P, redis, { [P]: { sensitivePorts: [22] } });
  });

  it("does not judge unknown CIDRs or ports during preview", async () => {
    await passes(P, inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [UNKNOWN] }));
    await passes(P, inline({ protocol: "tcp", fromPort: UNKNOWN, toPort: UNKNOWN, cidrBlocks: ["0.0.0.0/0"] }));
    await passes(P, res(SG, "sg", { ingress: UNKNOWN }));
  });
});

describe("policy: web ports only on an internet-facing load balancer's group (stack policy, on outputs)", () => {
  const LBP = "paved-sg-public-web-on-lb-only";
  const LB = "aws:lb/loadBalancer:LoadBalancer";
  const ALB = "aws:alb/loadBalancer:LoadBalancer";
  const web443 = { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] };
  // One 443-from-the-internet rule on group sg-web, in each of the shapes the pack covers.
  const shapes = () => [
    res(SG, "web", { ingress: [web443] }, { id: "sg-web", ingress: [web443] }),
    res(
      DEFAULT_SG,
      "default",
      { ingress: [{ ...web443, cidrBlocks: [], ipv6CidrBlocks: ["::/0"] }] },
      { id: "sg-web", ingress: [{ ...web443, cidrBlocks: [], ipv6CidrBlocks: ["::/0"] }] },
    ),
    res(RULE, "r", { type: "ingress", protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-web" }),
    res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", securityGroupId: "sg-web" }),
    res(VPC_RULE, "r6", { ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv6: "::/0", securityGroupId: "sg-web" }),
  ];
  const lb = (type: string, props: Record<string, any>) => res(type, "alb", { securityGroups: ["sg-web"], ...props });

  it("flags 80/443 from the internet on a group no load balancer uses, for every rule shape", async () => {
    for (const r of shapes()) {
      const fs = await violates(
        LBP,
        [r, lb(LB, { securityGroups: ["sg-other"], internal: false })],
        /not attached to an internet-facing application load balancer/,
      );
      assert.strictEqual(fs.length, 1);
      assert.strictEqual(fs[0].urn, r.urn);
    }
  });

  it("flags the group of an internal or a network load balancer", async () => {
    for (const r of shapes()) {
      await violates(LBP, [r, lb(LB, { internal: true, loadBalancerType: "application" })]);
      await violates(LBP, [r, lb(ALB, { internal: false, loadBalancerType: "network" })]);
    }
  });

  it("passes the group of an internet-facing ALB (aws:lb and aws:alb tokens, loadBalancerType application or unset)", async () => {
    for (const r of shapes()) {
      await passes(LBP, [r, lb(LB, { internal: false, loadBalancerType: "application" })]);
      await passes(LBP, [r, lb(ALB, {})]);
    }
  });

  it("correlates through the load balancer's property dependency on the group when ids are not in the outputs", async () => {
    const group = res(SG, "web", { ingress: [web443] }, { id: "sg-web", ingress: [web443] });
    const alb = res(LB, "alb", { securityGroups: ["sg-renamed"] });
    alb.propertyDependencies = { securityGroups: [group.urn] };
    await passes(LBP, [group, alb]);
  });

  it("sees a group id that an export keeps only at the top level (as bridged resources' outputs carry it)", async () => {
    const group = res(SG, "web", { ingress: [web443] });
    group.id = "sg-top";
    await passes(LBP, [group, res(LB, "alb", { internal: false, securityGroups: ["sg-top"] })]);
    await violates(LBP, [group, res(LB, "alb", { internal: false, securityGroups: ["sg-other"] })], /security group 'web'/);
  });

  it("does not judge unknown ids (preview): the rule's group, the group's own id, or the load balancer's groups", async () => {
    const alb = lb(LB, { internal: false });
    await passes(LBP, [
      res(VPC_RULE, "r", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", securityGroupId: UNKNOWN }),
      alb,
    ]);
    await passes(LBP, [res(SG, "web", { ingress: [web443] }, { id: UNKNOWN, ingress: [web443] }), alb]);
    for (const r of shapes()) {
      await passes(LBP, [r, res(LB, "alb", { internal: false, securityGroups: UNKNOWN })]);
      await passes(LBP, [r, res(LB, "alb", { internal: false, securityGroups: [UNKNOWN] })]);
    }
  });

  it("reports each rule once: app ports, sensitive ports and all traffic stay with the resource policies", async () => {
    const mixed = {
      ingress: [
        web443,
        { protocol: "tcp", fromPort: 4000, toPort: 4000, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 80, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] },
      ],
    };
    const group = res(SG, "web", mixed, { id: "sg-web", ...mixed });
    const fs = await violates(LBP, group, /tcp port 443 from 0\.0\.0\.0\/0/);
    assert.strictEqual(fs.length, 1);
    const web = await violates(WEB, group);
    assert.deepStrictEqual(
      web.map((f) => f.message.replace(/ is open.*/, "")),
      ["ingress[1]: tcp port 4000 from 0.0.0.0/0", "ingress[2]: tcp ports 80-443 from 0.0.0.0/0"],
    );
    await violates(P, group, /every port/);
  });

  it("is mandatory by default and in both stacks' configs", async () => {
    const r = shapes()[3];
    for (const stack of ["staging", "prod"]) {
      const fs = await findingsOf(LBP, [r], loadPolicyConfig(`policy/config/${stack}.json`));
      assert.deepStrictEqual(
        fs.map((f) => f.enforcementLevel),
        ["mandatory"],
      );
    }
  });
});
