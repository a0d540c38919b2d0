import { passes, res, UNKNOWN, violates } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const VPC_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const P = "paved-sg-no-public-sensitive-ports";
const WEB = "paved-sg-public-ingress-web-only";

const inline = (rule: Record<string, any>) => res(SG, "sg", { ingress: [rule] });

describe("policy: network ingress", () => {
    it("flags SSH, RDP, database and cache ports from 0.0.0.0/0 in inline ingress", async () => {
        for (const port of [22, 3389, 5432, 3306, 1433, 6379, 27017]) {
            await violates(P, inline({ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] }), new RegExp(`port\\(s\\) ${port}`));
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
        const lb = res(SG, "lb", { ingress: [
            { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
            { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        ] });
        await passes(P, lb);
        await passes(WEB, lb);
        await passes(P, inline({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }));
        await passes(P, inline({ protocol: "icmp", fromPort: -1, toPort: -1, cidrBlocks: ["0.0.0.0/0"] }));
    });

    it("flags app ports open to the internet, once (not also as sensitive), and honours allowedPublicPorts", async () => {
        const app = inline({ protocol: "tcp", fromPort: 3000, toPort: 3000, cidrBlocks: ["0.0.0.0/0"] });
        await violates(WEB, app, /port 3000/);
        await passes(P, app);
        await passes(WEB, inline({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }));
        await passes(WEB, app, { [WEB]: { allowedPublicPorts: [80, 443, 3000] } });
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
