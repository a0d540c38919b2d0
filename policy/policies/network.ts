// Network ingress: nothing but web traffic may come from the whole internet.
import { Config, Res, resourcePolicy } from "../lib/core";
import { asArray, asInt, isKnownString, isUnknown } from "../lib/values";

export const SG = "aws:ec2/securityGroup:SecurityGroup";
export const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** One normalised ingress permission, whatever resource shape it came from. */
export interface Ingress {
    where: string;
    protocol: string;
    /** undefined = all ports */
    from?: number;
    to?: number;
    publicCidrs: string[];
}

function normProtocol(p: unknown): string | undefined {
    if (p === undefined || p === null) {
        return undefined;
    }
    if (isUnknown(p)) {
        return undefined;
    }
    const s = String(p).toLowerCase();
    if (s === "-1" || s === "all") {
        return "all";
    }
    if (s === "6") {
        return "tcp";
    }
    if (s === "17") {
        return "udp";
    }
    return s;
}

function publicOf(cidrs: unknown[]): string[] {
    return cidrs.filter(c => isKnownString(c) && PUBLIC_CIDRS.has(c.trim())) as string[];
}

function ingressFrom(r: Res): Ingress[] {
    const p = r.props;
    const out: Ingress[] = [];
    const push = (where: string, protocol: unknown, from: unknown, to: unknown, cidrs: unknown[]) => {
        const proto = normProtocol(protocol);
        const pub = publicOf(cidrs);
        if (proto === undefined || pub.length === 0) {
            return; // unknown protocol or not public: nothing we can (or need to) judge
        }
        if (proto === "all") {
            out.push({ where, protocol: proto, publicCidrs: pub });
            return;
        }
        const f = asInt(from);
        const t = asInt(to);
        if (f === undefined || t === undefined) {
            if (isUnknown(from) || isUnknown(to)) {
                return;
            }
            // tcp/udp without ports on the newer rule resource means every port.
            out.push({ where, protocol: proto, publicCidrs: pub });
            return;
        }
        out.push({ where, protocol: proto, from: f, to: t, publicCidrs: pub });
    };
    if (r.type === SG || r.type === DEFAULT_SG) {
        asArray(p.ingress).forEach((rule, i) => {
            if (rule && typeof rule === "object") {
                push(`ingress[${i}]`, rule.protocol, rule.fromPort, rule.toPort,
                    [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)]);
            }
        });
    } else if (r.type === SG_RULE) {
        if (p.type === "ingress") {
            push("rule", p.protocol, p.fromPort, p.toPort, [...asArray(p.cidrBlocks), ...asArray(p.ipv6CidrBlocks)]);
        }
    } else if (r.type === SG_INGRESS_RULE) {
        push("rule", p.ipProtocol, p.fromPort, p.toPort, [p.cidrIpv4, p.cidrIpv6]);
    }
    return out;
}

function isIcmp(proto: string): boolean {
    return proto === "icmp" || proto === "icmpv6" || proto === "1" || proto === "58";
}

function allPorts(ing: Ingress): boolean {
    return ing.protocol === "all" || ing.from === undefined || (ing.from <= 0 && (ing.to ?? 0) >= 65535) || ing.to === -1;
}

function describe(ing: Ingress): string {
    const ports = allPorts(ing) ? "all ports" : ing.from === ing.to ? `port ${ing.from}` : `ports ${ing.from}-${ing.to}`;
    return `${ing.where}: ${ing.protocol === "all" ? "all traffic" : `${ing.protocol} ${ports}`} from ${ing.publicCidrs.join(", ")}`;
}

function sensitiveHits(ing: Ingress, sensitive: number[]): number[] {
    if (isIcmp(ing.protocol)) {
        return [];
    }
    if (allPorts(ing)) {
        return sensitive;
    }
    return sensitive.filter(port => ing.from! <= port && port <= ing.to!);
}

// The default security group takes the same inline rules as any other group.
export const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const TYPES = [SG, DEFAULT_SG, SG_RULE, SG_INGRESS_RULE];

export const noPublicSensitivePorts = resourcePolicy({
    name: "paved-sg-no-public-sensitive-ports",
    description: "Security groups must not open SSH, RDP, database or cache ports, or all traffic, to 0.0.0.0/0 or ::/0.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Remove the internet-wide rule. Reach instances with SSM Session Manager instead of SSH/RDP, " +
        "and allow database/cache ports only from the application's security group (sourceSecurityGroupId / referencedSecurityGroupId).",
    types: TYPES,
    config: {
        sensitivePorts: {
            type: "array",
            items: { type: "integer", minimum: 0, maximum: 65535 },
            default: [22, 3389, 5432, 3306, 1433, 1521, 6379, 11211, 27017, 9200, 5984, 2375, 2376],
            description: "Ports that must never be reachable from the whole internet (a rule whose range contains one counts).",
        },
    },
    validate(r: Res, config: Config, report) {
        const sensitive: number[] = config.sensitivePorts;
        for (const ing of ingressFrom(r)) {
            if (ing.protocol === "all" || (allPorts(ing) && !isIcmp(ing.protocol))) {
                report(`${describe(ing)} opens every port to the internet.`);
                continue;
            }
            const hits = sensitiveHits(ing, sensitive);
            if (hits.length > 0) {
                report(`${describe(ing)} exposes sensitive port(s) ${hits.join(", ")} to the internet.`);
            }
        }
    },
});

export const publicIngressWebOnly = resourcePolicy({
    name: "paved-sg-public-ingress-web-only",
    description: "Internet-wide ingress is allowed only on web ports (80/443), i.e. on an internet-facing load balancer's group; app ports stay private.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Put the service behind the load balancer and allow its port only from the load balancer's security group. " +
        "If a public port is truly required, add it to allowedPublicPorts in the stack's policy config with a comment.",
    types: TYPES,
    config: {
        allowedPublicPorts: {
            type: "array",
            items: { type: "integer", minimum: 0, maximum: 65535 },
            default: [80, 443],
            description: "Ports that may be open to 0.0.0.0/0 or ::/0.",
        },
        sensitivePorts: {
            type: "array",
            items: { type: "integer", minimum: 0, maximum: 65535 },
            default: [22, 3389, 5432, 3306, 1433, 1521, 6379, 11211, 27017, 9200, 5984, 2375, 2376],
            description: "Rules exposing these are left to paved-sg-no-public-sensitive-ports (no double reporting).",
        },
    },
    validate(r: Res, config: Config, report) {
        const allowed = new Set<number>(config.allowedPublicPorts);
        for (const ing of ingressFrom(r)) {
            if (isIcmp(ing.protocol) || allPorts(ing) || sensitiveHits(ing, config.sensitivePorts).length > 0) {
                continue;
            }
            let ok = true;
            for (let port = ing.from!; port <= ing.to!; port++) {
                if (!allowed.has(port)) {
                    ok = false;
                    break;
                }
            }
            if (!ok) {
                report(`${describe(ing)} is open to the internet; only ports ${[...allowed].join(", ")} may be.`);
            }
        }
    },
});

export const networkPolicies = [noPublicSensitivePorts, publicIngressWebOnly];
