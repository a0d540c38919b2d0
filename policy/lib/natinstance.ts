// The NAT-instance shape: the one EC2 instance that legitimately has a public IP.
//
// An instance is a NAT instance when it forwards other hosts' traffic (sourceDestCheck false), sits
// in a public subnet (its route table sends 0.0.0.0/0 to an internet gateway), requires IMDSv2, has
// no SSH key pair, and every one of its security groups is in the stack and admits nothing from the
// internet and no SSH. Anything less is an ordinary instance with a public IP.
// Resources are resolved through property dependencies, so the shape is checked on what the stack
// wires together, not on names.
import type { Res } from "./core";
import { asArray, isKnownString, isUnknown } from "./values";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway";
const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

const deps = (r: Res, prop: string): string[] => r.propertyDependencies?.[prop] ?? [];

function opensInternetOrSsh(rule: { cidrs: unknown[]; from: unknown; to: unknown; protocol: unknown }): string | undefined {
    if (rule.cidrs.some(c => isKnownString(c) && PUBLIC_CIDRS.has(c.trim()))) {
        return "allows ingress from the internet";
    }
    const all = rule.protocol === "-1" || rule.protocol === -1 || rule.protocol === "all";
    const from = Number(rule.from);
    const to = Number(rule.to);
    if (all || (Number.isFinite(from) && Number.isFinite(to) && from <= 22 && 22 <= to)) {
        return "allows SSH (port 22)";
    }
    return undefined;
}

/** Why `instance` is not the NAT-instance shape, or undefined when it is one. */
export function notNatInstance(instance: Res, resources: Res[]): string | undefined {
    const p = instance.props;
    if (p.sourceDestCheck !== false && p.sourceDestCheck !== "false") {
        return "it is not a NAT instance (sourceDestCheck is not false)";
    }
    const byUrn = new Map(resources.map(r => [r.urn, r]));
    const problems: string[] = [];

    // A public subnet: its route table routes 0.0.0.0/0 to an internet gateway of the stack.
    const subnet = deps(instance, "subnetId").map(u => byUrn.get(u)).find(r => r?.type === SUBNET);
    if (!subnet) {
        problems.push("its subnet is not in this stack, so it cannot be shown to be public");
    } else {
        const tables = resources.filter(r => r.type === ROUTE_TABLE_ASSOCIATION && deps(r, "subnetId").includes(subnet.urn))
            .flatMap(a => deps(a, "routeTableId")).filter(u => byUrn.get(u)?.type === ROUTE_TABLE);
        const toIgw = resources.some(r => r.type === ROUTE && r.props.destinationCidrBlock === "0.0.0.0/0" &&
            deps(r, "routeTableId").some(u => tables.includes(u)) && deps(r, "gatewayId").some(u => byUrn.get(u)?.type === INTERNET_GATEWAY));
        if (!toIgw) {
            problems.push("its subnet has no route to an internet gateway");
        }
    }
    if (p.metadataOptions?.httpTokens !== "required") {
        problems.push("it does not require IMDSv2");
    }
    if (isKnownString(p.keyName) && p.keyName !== "") {
        problems.push(`it has the SSH key pair '${p.keyName}'`);
    }

    // Security groups: all in the stack, none open to the internet or to SSH.
    const sgUrns = [...deps(instance, "vpcSecurityGroupIds"), ...deps(instance, "securityGroups")];
    const groups = sgUrns.map(u => byUrn.get(u)).filter((r): r is Res => r?.type === SECURITY_GROUP);
    const listed = asArray(p.vpcSecurityGroupIds).length + asArray(p.securityGroups).length;
    if (groups.length === 0 || groups.length < listed || isUnknown(p.vpcSecurityGroupIds)) {
        problems.push("not all of its security groups are in this stack");
    }
    for (const g of groups) {
        const rules = [
            ...asArray(g.props.ingress).map(x => ({ cidrs: [...asArray(x?.cidrBlocks), ...asArray(x?.ipv6CidrBlocks)], from: x?.fromPort, to: x?.toPort, protocol: x?.protocol })),
            ...resources.filter(r => r.type === INGRESS_RULE && deps(r, "securityGroupId").includes(g.urn))
                .map(r => ({ cidrs: [r.props.cidrIpv4, r.props.cidrIpv6], from: r.props.fromPort, to: r.props.toPort, protocol: r.props.ipProtocol })),
            ...resources.filter(r => r.type === SG_RULE && r.props.type === "ingress" && deps(r, "securityGroupId").includes(g.urn))
                .map(r => ({ cidrs: [...asArray(r.props.cidrBlocks), ...asArray(r.props.ipv6CidrBlocks)], from: r.props.fromPort, to: r.props.toPort, protocol: r.props.protocol })),
        ];
        const why = rules.map(opensInternetOrSsh).find(Boolean);
        if (why) {
            problems.push(`its security group '${g.name}' ${why}`);
        }
    }
    return problems.length === 0 ? undefined : `it has sourceDestCheck false like a NAT instance, but ${problems.join(", ")}`;
}
