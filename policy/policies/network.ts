// Network ingress: nothing but web traffic may come from the whole internet,
// and web traffic only to an internet-facing load balancer.
import { Config, Res, resourcePolicy, stackPolicy } from "../lib/core";
import { asArray, asInt, isKnownString, isTrue, isUnknown, joinWords } from "../lib/values";
import { LOAD_BALANCERS } from "./transport";

export const SG = "aws:ec2/securityGroup:SecurityGroup";
export const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);
/** Ports an internet-facing load balancer serves; where they may be open is paved-sg-public-web-on-lb-only's call. */
export const WEB_PORTS: readonly number[] = [80, 443];
export const DEFAULT_SENSITIVE_PORTS: readonly number[] = [22, 3389, 5432, 3306, 1433, 1521, 6379, 11211, 27017, 9200, 5984, 2375, 2376];

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
  return cidrs.filter((c) => isKnownString(c) && PUBLIC_CIDRS.has(c.trim())) as string[];
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
        push(`ingress[${i}]`, rule.protocol, rule.fromPort, rule.toPort, [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)]);
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

/** The resource holding the rule and, for a separate rule resource, the group it opens. */
function holderOf(r: Res): string {
  if (r.type === SG || r.type === DEFAULT_SG) {
    return `security group '${r.name}'`;
  }
  const g = r.props.securityGroupId;
  return `rule '${r.name}'${isKnownString(g) && !isUnknown(g) ? ` of security group ${g}` : ""}`;
}

function sensitiveHits(ing: Ingress, sensitive: number[]): number[] {
  if (isIcmp(ing.protocol)) {
    return [];
  }
  if (allPorts(ing)) {
    return sensitive;
  }
  return sensitive.filter((port) => ing.from! <= port && port <= ing.to!);
}

// The default security group takes the same inline rules as any other group.
export const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const TYPES = [SG, DEFAULT_SG, SG_RULE, SG_INGRESS_RULE];

export const noPublicSensitivePorts = resourcePolicy({
  name: "paved-sg-no-public-sensitive-ports",
  description: "Security groups must not open SSH, RDP, database or cache ports, or all traffic, to 0.0.0.0/0 or ::/0.",
  rationale: "Users' failure write-ups: SSH 22 and Postgres/Redis ports reachable from anywhere get brute-forced within hours.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove the internet-wide rule. Reach instances with SSM Session Manager instead of SSH/RDP, " +
    "and allow database/cache ports only from the application's security group (sourceSecurityGroupId / referencedSecurityGroupId).",
  types: TYPES,
  config: {
    sensitivePorts: {
      type: "array",
      items: { type: "integer", minimum: 0, maximum: 65535 },
      default: [...DEFAULT_SENSITIVE_PORTS],
      description: "Ports that must never be reachable from the whole internet (a rule whose range contains one counts).",
    },
  },
  validate(r: Res, config: Config, report) {
    const sensitive: number[] = config.sensitivePorts;
    for (const ing of ingressFrom(r)) {
      if (ing.protocol === "all" || (allPorts(ing) && !isIcmp(ing.protocol))) {
        report(`${describe(ing)} opens every port to the internet (${holderOf(r)}).`);
        continue;
      }
      const hits = sensitiveHits(ing, sensitive);
      if (hits.length > 0) {
        report(`${describe(ing)} exposes sensitive port(s) ${hits.join(", ")} to the internet (${holderOf(r)}).`);
      }
    }
  },
});

/** True when every port of the rule is a web port (so only the stack policy below judges it). */
function webOnly(ing: Ingress): boolean {
  return !isIcmp(ing.protocol) && !allPorts(ing) && rangeWithin(ing, WEB_PORT_SET);
}

const WEB_PORT_SET: ReadonlySet<number> = new Set(WEB_PORTS);

function rangeWithin(ing: Ingress, allowed: ReadonlySet<number>): boolean {
  // Ranges are at most 65536 wide and the loop stops at the first port outside the set.
  for (let port = ing.from!; port <= ing.to!; port++) {
    if (!allowed.has(port)) {
      return false;
    }
  }
  return true;
}

// Division of labour between the three ingress policies, so a rule is reported once:
//   * all ports / all traffic, or a range containing a sensitive port → paved-sg-no-public-sensitive-ports;
//   * any other port except 80/443 (and the configured extraPublicPorts) → paved-sg-public-ingress-web-only;
//   * 80/443 only → paved-sg-public-web-on-lb-only (a stack policy: only outputs tell which group the load balancer uses).
export const publicIngressWebOnly = resourcePolicy({
  name: "paved-sg-public-ingress-web-only",
  description:
    "Internet-wide ingress is allowed only on web ports (80/443), i.e. on an internet-facing load balancer's group; app ports (4000, 5173, 3000, ...) stay private.",
  rationale:
    "A user's failure write-up: the API (4000) and dev web (5173) ports were open to 0.0.0.0/0, bypassing TLS and the ALB's protections.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Put the service behind the load balancer and allow its port only from the load balancer's security group " +
    "(referencedSecurityGroupId / sourceSecurityGroupId). If a public port is truly required, add it to extraPublicPorts " +
    "in the stack's policy config with a comment, or add a reviewed exemption for the one group.",
  types: TYPES,
  config: {
    extraPublicPorts: {
      type: "array",
      items: { type: "integer", minimum: 0, maximum: 65535 },
      default: [],
      description: "Ports besides 80/443 that may be open to 0.0.0.0/0 or ::/0 (a deliberate relaxation: default none).",
    },
    sensitivePorts: {
      type: "array",
      items: { type: "integer", minimum: 0, maximum: 65535 },
      default: [...DEFAULT_SENSITIVE_PORTS],
      description:
        "Rules exposing these are left to paved-sg-no-public-sensitive-ports (no double reporting); keep this list equal to that policy's.",
    },
  },
  validate(r: Res, config: Config, report) {
    const allowed = new Set<number>([...WEB_PORTS, ...(config.extraPublicPorts as number[])]);
    for (const ing of ingressFrom(r)) {
      if (isIcmp(ing.protocol) || allPorts(ing) || sensitiveHits(ing, config.sensitivePorts).length > 0) {
        continue;
      }
      if (!rangeWithin(ing, allowed)) {
        report(`${describe(ing)} is open to the internet (${holderOf(r)}); only ports ${joinWords([...allowed].map(String))} may be.`);
      }
    }
  },
});

/** The keys a group is known by in outputs: its id and its URN (property dependencies carry URNs). */
function groupKeysOfRule(r: Res): { keys: string[]; idKnown: boolean } {
  if (r.type === SG || r.type === DEFAULT_SG) {
    const id = r.props.id;
    return { keys: isKnownString(id) && id !== "" ? [id, r.urn] : [r.urn], idKnown: isKnownString(id) && id !== "" };
  }
  const id = r.props.securityGroupId;
  const deps = r.propertyDependencies?.securityGroupId ?? [];
  const known = isKnownString(id) && id !== "";
  return { keys: known ? [id, ...deps] : [...deps], idKnown: known };
}

export const publicWebOnLbOnly = stackPolicy({
  name: "paved-sg-public-web-on-lb-only",
  types: [...TYPES, ...LOAD_BALANCERS],
  description:
    "Ports 80/443 may be open to 0.0.0.0/0 or ::/0 only on a security group attached to an internet-facing application load balancer " +
    "(aws:lb / aws:alb LoadBalancer, internal not true); anywhere else they expose an instance or task directly, bypassing the ALB's TLS policy, HSTS and header checks.",
  rationale: "Web ports open straight onto an instance or task skip the ALB's TLS policy, HSTS and invalid-header checks.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove the internet-wide 80/443 rule from this group and let traffic in only from the load balancer's security group " +
    "(referencedSecurityGroupId). Only the group listed in the internet-facing ALB's securityGroups may allow 80/443 from 0.0.0.0/0 and ::/0.",
  validate(resources, _config, report) {
    const attached = new Set<string>();
    for (const lb of resources) {
      if (!LOAD_BALANCERS.includes(lb.type)) {
        continue;
      }
      const { internal, loadBalancerType, securityGroups } = lb.props;
      if (isUnknown(internal) || isUnknown(loadBalancerType) || isUnknown(securityGroups) || asArray(securityGroups).some(isUnknown)) {
        return; // preview: which groups are public-facing is not known yet, so judge nothing
      }
      const application = loadBalancerType === undefined || loadBalancerType === null || loadBalancerType === "application";
      if (isTrue(internal) || !application) {
        continue;
      }
      for (const g of asArray(securityGroups)) {
        if (isKnownString(g)) {
          attached.add(g);
        }
      }
      for (const urn of lb.propertyDependencies?.securityGroups ?? []) {
        attached.add(urn);
      }
    }
    for (const r of resources) {
      if (!TYPES.includes(r.type)) {
        continue;
      }
      const web = ingressFrom(r).filter(webOnly);
      if (web.length === 0) {
        continue;
      }
      const { keys, idKnown } = groupKeysOfRule(r);
      if (!idKnown || keys.some((k) => attached.has(k))) {
        continue; // unknown group id (preview) or the load balancer's own group
      }
      const group =
        r.type === SG || r.type === DEFAULT_SG ? `security group '${r.name}'` : `rule '${r.name}' (group ${r.props.securityGroupId})`;
      for (const ing of web) {
        report(
          `${group}: ${describe(ing)} is open to the internet, but the group is not attached to an internet-facing application load balancer.`,
          r.urn,
        );
      }
    }
  },
});

export const networkPolicies = [noPublicSensitivePorts, publicIngressWebOnly];
export const networkStackPolicies = [publicWebOnLbOnly];
