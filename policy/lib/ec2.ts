// Correlating EC2 resources in a stack: which launch template an instance or
// auto scaling group launches from, which templates run ECS container hosts,
// whether a subnet routes to an internet gateway, and what a security group
// lets in. Every index is built in one pass, so stack policies stay linear.
import type { Res } from "./core";
import { asArray, asInt, isKnownString, isTrue, isUnknown, userDataTexts } from "./values";

export const INSTANCE = "aws:ec2/instance:Instance";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration";
export const EBS_VOLUME = "aws:ebs/volume:Volume";
export const EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault";
export const ASG = "aws:autoscaling/group:Group";
export const CAPACITY_PROVIDER = "aws:ecs/capacityProvider:CapacityProvider";
export const SUBNET = "aws:ec2/subnet:Subnet";
export const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
export const ROUTE = "aws:ec2/route:Route";
export const ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
export const INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway";
export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

export const EC2_TYPES = [INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION];

/** Reference to a launch template: the LaunchTemplate resource when it is in the stack. */
export interface TemplateRef {
  /** The template in this stack, if found. */
  template?: Res;
  /** A human label for a template not in the stack (its id or name). */
  label?: string;
  /** The reference is not known yet (preview). */
  unknown: boolean;
}

class MultiMap<V> {
  private m = new Map<string, V[]>();
  add(k: unknown, v: V): void {
    if (!isKnownString(k) || k === "") {
      return;
    }
    const list = this.m.get(k);
    if (list) {
      list.push(v);
    } else {
      this.m.set(k, [v]);
    }
  }
  get(k: unknown): V[] {
    return isKnownString(k) ? (this.m.get(k) ?? []) : [];
  }
}

function deps(r: Res, prop: string): string[] {
  return r.propertyDependencies?.[prop] ?? [];
}

export interface IngressRule {
  /** "all", "tcp", "udp", "icmp", ... */
  protocol: string;
  from?: number;
  to?: number;
  publicSource: boolean;
}

function normProtocol(p: unknown): string | undefined {
  if (p === undefined || p === null || isUnknown(p)) {
    return undefined;
  }
  const s = String(p).toLowerCase();
  return s === "-1" || s === "all" ? "all" : s === "6" ? "tcp" : s === "17" ? "udp" : s;
}

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

export class Ec2Index {
  readonly templates = new MultiMap<Res>();
  readonly templateUsers = new Map<Res, Res[]>();
  readonly containerHosts = new Set<Res>();
  private readonly byUrn = new Map<string, Res>();
  private readonly subnets = new MultiMap<Res>();
  private readonly groups = new MultiMap<Res>();
  private readonly groupRules = new MultiMap<Res>();
  private readonly assocBySubnet = new MultiMap<Res>();
  private readonly routesByTable = new MultiMap<Res>();
  private readonly tables = new MultiMap<Res>();
  private readonly igws = new Set<string>();
  private readonly asgs = new MultiMap<Res>();
  /** Whether an aws.ebs.EncryptionByDefault in the stack turns encryption on (undefined: unknown). */
  encryptionByDefault: boolean | undefined = false;

  constructor(resources: Res[]) {
    const templateRefs: Array<{ user: Res; ref: TemplateRef }> = [];
    const capacityProviders: Res[] = [];
    for (const r of resources) {
      this.byUrn.set(r.urn, r);
      switch (r.type) {
        case LAUNCH_TEMPLATE:
          this.templates.add(r.urn, r);
          this.templates.add(r.props.id, r);
          this.templates.add(r.props.name, r);
          if (isContainerHostUserData(r)) {
            this.containerHosts.add(r);
          }
          break;
        case LAUNCH_CONFIGURATION:
          this.templates.add(r.urn, r);
          this.templates.add(r.props.name, r);
          this.templates.add(r.props.id, r);
          if (isContainerHostUserData(r)) {
            this.containerHosts.add(r);
          }
          break;
        case INSTANCE:
          if (isContainerHostUserData(r)) {
            this.containerHosts.add(r);
          }
          break;
        case ASG:
          this.asgs.add(r.urn, r);
          this.asgs.add(r.props.arn, r);
          this.asgs.add(r.props.name, r);
          break;
        case CAPACITY_PROVIDER:
          capacityProviders.push(r);
          break;
        case EBS_ENCRYPTION_BY_DEFAULT: {
          const enabled = r.props.enabled;
          if (isUnknown(enabled)) {
            if (this.encryptionByDefault === false) {
              this.encryptionByDefault = undefined;
            }
          } else if (enabled === undefined || enabled === null || isTrue(enabled)) {
            this.encryptionByDefault = true; // `enabled` defaults to true
          }
          break;
        }
        case SUBNET:
          this.subnets.add(r.urn, r);
          this.subnets.add(r.props.id, r);
          break;
        case SECURITY_GROUP:
          this.groups.add(r.urn, r);
          this.groups.add(r.props.id, r);
          break;
        case SECURITY_GROUP_RULE:
        case SECURITY_GROUP_INGRESS_RULE:
          this.groupRules.add(r.props.securityGroupId, r);
          for (const d of deps(r, "securityGroupId")) {
            this.groupRules.add(d, r);
          }
          break;
        case ROUTE_TABLE_ASSOCIATION:
          this.assocBySubnet.add(r.props.subnetId, r);
          for (const d of deps(r, "subnetId")) {
            this.assocBySubnet.add(d, r);
          }
          break;
        case ROUTE:
          this.routesByTable.add(r.props.routeTableId, r);
          for (const d of deps(r, "routeTableId")) {
            this.routesByTable.add(d, r);
          }
          break;
        case ROUTE_TABLE:
          this.tables.add(r.urn, r);
          this.tables.add(r.props.id, r);
          break;
        case INTERNET_GATEWAY:
          this.igws.add(r.urn);
          if (isKnownString(r.props.id)) {
            this.igws.add(r.props.id);
          }
          break;
      }
    }
    // Template users (instances, auto scaling groups), after every template is indexed.
    for (const r of resources) {
      if (r.type === INSTANCE) {
        templateRefs.push({ user: r, ref: this.templateOf(r) });
      } else if (r.type === ASG) {
        for (const ref of this.asgTemplates(r)) {
          templateRefs.push({ user: r, ref });
        }
      }
    }
    for (const { user, ref } of templateRefs) {
      if (ref.template) {
        const list = this.templateUsers.get(ref.template) ?? [];
        list.push(user);
        this.templateUsers.set(ref.template, list);
      }
    }
    // ECS capacity providers mark the templates of their auto scaling groups as container hosts.
    for (const cp of capacityProviders) {
      const asgRef = cp.props.autoScalingGroupProvider?.autoScalingGroupArn;
      const found = new Set<Res>([...this.asgs.get(asgRef), ...deps(cp, "autoScalingGroupProvider").flatMap((u) => this.asgs.get(u))]);
      for (const asg of found) {
        for (const ref of this.asgTemplates(asg)) {
          if (ref.template) {
            this.containerHosts.add(ref.template);
          }
        }
      }
    }
  }

  private resolve(id: unknown, name: unknown, depUrns: string[]): TemplateRef {
    for (const u of depUrns) {
      const t = this.templates.get(u)[0];
      if (t) {
        return { template: t, unknown: false };
      }
    }
    for (const k of [id, name]) {
      const t = this.templates.get(k)[0];
      if (t) {
        return { template: t, unknown: false };
      }
    }
    if (isUnknown(id) || isUnknown(name)) {
      return { unknown: true };
    }
    const label = [id, name].find((v) => isKnownString(v) && v !== "") as string | undefined;
    return { label, unknown: false };
  }

  /** The launch template an instance launches from (none: label and template both undefined). */
  templateOf(instance: Res): TemplateRef {
    const lt = instance.props.launchTemplate;
    if (isUnknown(lt)) {
      return { unknown: true };
    }
    if (!lt || typeof lt !== "object") {
      return { unknown: false };
    }
    return this.resolve(lt.id, lt.name, deps(instance, "launchTemplate"));
  }

  private asgTemplates(asg: Res): TemplateRef[] {
    const out: TemplateRef[] = [];
    const lt = asg.props.launchTemplate;
    if (lt && typeof lt === "object") {
      out.push(this.resolve(lt.id, lt.name, deps(asg, "launchTemplate")));
    }
    const spec = asg.props.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification;
    if (spec && typeof spec === "object") {
      out.push(this.resolve(spec.launchTemplateId, spec.launchTemplateName, deps(asg, "mixedInstancesPolicy")));
    }
    if (isKnownString(asg.props.launchConfiguration)) {
      out.push(this.resolve(undefined, asg.props.launchConfiguration, deps(asg, "launchConfiguration")));
    }
    return out;
  }

  /** "instance 'a' and auto scaling group 'b'" for messages about a template. */
  usersOf(template: Res): string {
    const users = this.templateUsers.get(template) ?? [];
    return users.map((u) => `${u.type === ASG ? "auto scaling group" : "instance"} '${u.name}'`).join(", ");
  }

  /** True / false when the subnet is / is not routed to an internet gateway; undefined when that cannot be seen. */
  subnetIsPublic(instance: Res): boolean | undefined {
    const keys = [instance.props.subnetId, ...deps(instance, "subnetId")];
    const subnets = new Set<Res>(keys.flatMap((k) => this.subnets.get(k)));
    if (subnets.size === 0) {
      return undefined;
    }
    for (const s of subnets) {
      const assocs = [...this.assocBySubnet.get(s.urn), ...this.assocBySubnet.get(s.props.id)];
      for (const a of assocs) {
        const tableKeys = [a.props.routeTableId, ...deps(a, "routeTableId")];
        const tables = new Set<Res>(tableKeys.flatMap((k) => this.tables.get(k)));
        const routes = new Set<Res>(tableKeys.flatMap((k) => this.routesByTable.get(k)));
        for (const t of tables) {
          for (const k of [t.urn, t.props.id]) {
            for (const rt of this.routesByTable.get(k)) {
              routes.add(rt);
            }
          }
        }
        const defaultRoutes: Array<{ gw: unknown; gwDeps: string[] }> = [];
        for (const rt of routes) {
          if (rt.props.destinationCidrBlock === "0.0.0.0/0" || rt.props.destinationIpv6CidrBlock === "::/0") {
            defaultRoutes.push({ gw: rt.props.gatewayId, gwDeps: deps(rt, "gatewayId") });
          }
        }
        for (const t of tables) {
          for (const inline of asArray(t.props.routes ?? t.props.route)) {
            if (inline?.cidrBlock === "0.0.0.0/0" || inline?.ipv6CidrBlock === "::/0") {
              defaultRoutes.push({ gw: inline.gatewayId, gwDeps: deps(t, "routes") });
            }
          }
        }
        if (
          defaultRoutes.some(
            (d) => (isKnownString(d.gw) && (d.gw.startsWith("igw-") || this.igws.has(d.gw))) || d.gwDeps.some((u) => this.igws.has(u)),
          )
        ) {
          return true;
        }
      }
    }
    return false;
  }

  /** The instance's security groups in this stack, and whether some are not (or not yet) known. */
  groupsOf(instance: Res): { groups: Res[]; unresolved: boolean } {
    const refs = [...asArray(instance.props.vpcSecurityGroupIds), ...asArray(instance.props.securityGroups)];
    const depUrns = [...deps(instance, "vpcSecurityGroupIds"), ...deps(instance, "securityGroups")];
    const groups = new Set<Res>(depUrns.flatMap((u) => this.groups.get(u)));
    let unresolved = refs.length === 0 && depUrns.length === 0; // none given: the VPC's default group, which we cannot see
    for (const ref of refs) {
      const found = this.groups.get(ref);
      if (found.length === 0 && !depUrns.some((u) => this.groups.get(u).length > 0)) {
        unresolved = true;
      }
      for (const g of found) {
        groups.add(g);
      }
    }
    return { groups: [...groups], unresolved };
  }

  /** Every ingress rule of a security group: inline, SecurityGroupRule and SecurityGroupIngressRule. */
  ingressOf(group: Res): IngressRule[] {
    const out: IngressRule[] = [];
    const push = (protocol: unknown, from: unknown, to: unknown, cidrs: unknown[]) => {
      const proto = normProtocol(protocol);
      if (proto === undefined) {
        return;
      }
      out.push({
        protocol: proto,
        from: proto === "all" ? undefined : asInt(from),
        to: proto === "all" ? undefined : asInt(to),
        publicSource: cidrs.some((c) => isKnownString(c) && PUBLIC_CIDRS.has(c.trim())),
      });
    };
    for (const rule of asArray(group.props.ingress)) {
      if (rule && typeof rule === "object") {
        push(rule.protocol, rule.fromPort, rule.toPort, [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)]);
      }
    }
    const rules = new Set<Res>([...this.groupRules.get(group.urn), ...this.groupRules.get(group.props.id)]);
    for (const r of rules) {
      if (r.type === SECURITY_GROUP_RULE) {
        if (r.props.type === "ingress") {
          push(r.props.protocol, r.props.fromPort, r.props.toPort, [...asArray(r.props.cidrBlocks), ...asArray(r.props.ipv6CidrBlocks)]);
        }
      } else {
        push(r.props.ipProtocol, r.props.fromPort, r.props.toPort, [r.props.cidrIpv4, r.props.cidrIpv6]);
      }
    }
    return out;
  }
}

/** A rule that targets SSH: a TCP range containing 22 that is not simply "every port". */
export function opensSsh(rule: IngressRule): boolean {
  if (rule.protocol !== "tcp" || rule.from === undefined || rule.to === undefined) {
    return false;
  }
  const everyPort = rule.from <= 0 && rule.to >= 65535;
  return !everyPort && rule.from <= 22 && 22 <= rule.to;
}

const ECS_USER_DATA = /ECS_CLUSTER\s*=|\/etc\/ecs\/ecs\.config/;

/** User data that joins an ECS cluster marks an ECS container host. */
export function isContainerHostUserData(r: Res): boolean {
  for (const field of ["userData", "userDataBase64"]) {
    for (const text of userDataTexts(r.props[field])) {
      if (ECS_USER_DATA.test(text)) {
        return true;
      }
    }
  }
  return false;
}

/** httpTokens / httpEndpoint / hop limit of a metadataOptions block (object, or a one-element list in older shapes). */
export function metadataOptions(r: Res): { unknown: boolean; set: boolean; tokens?: unknown; endpoint?: unknown; hopLimit?: unknown } {
  const raw = r.props.metadataOptions;
  if (isUnknown(raw)) {
    return { unknown: true, set: false };
  }
  const mo = Array.isArray(raw) ? raw[0] : raw;
  if (!mo || typeof mo !== "object") {
    return { unknown: false, set: false };
  }
  return {
    unknown: isUnknown(mo.httpTokens) || isUnknown(mo.httpEndpoint),
    set: mo.httpTokens !== undefined && mo.httpTokens !== null,
    tokens: mo.httpTokens,
    endpoint: mo.httpEndpoint,
    hopLimit: mo.httpPutResponseHopLimit,
  };
}

/** IMDSv2 is enforced: tokens required, or the metadata endpoint switched off. */
export function requiresImdsv2(r: Res): boolean {
  const mo = metadataOptions(r);
  return mo.tokens === "required" || mo.endpoint === "disabled";
}
