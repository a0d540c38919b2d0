/**
 * `npm run diagram -- <stack> [--format mermaid|dot] [--config key=value]`
 * `npm run diagram -- prod --write-docs` regenerates docs/architecture.md (a test keeps it fresh).
 *
 * The architecture drawn from the offline plan, deterministically (same plan → same text): the
 * VPC with its subnet tiers per AZ, the ALB, the service and its tasks, RDS (and its standby when
 * Multi-AZ), NAT, endpoints, S3 buckets, KMS keys, secrets, log groups, alarms → SNS.
 */
import * as fs from "fs";
import * as path from "path";
import { runCommand, UsageError, type CommandSpec, type ParsedOptions } from "./options";
import { runPlan, listStacks, REPO_ROOT, type ExportResource, type PlanResult } from "./plan";

export interface Node {
  id: string;
  label: string;
  shape?: "box" | "round" | "db" | "circle" | "stadium";
}
export interface Group {
  id: string;
  label: string;
  nodes: Node[];
  groups: Group[];
}
export interface Edge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}
/** `invisible` edges only order the layout (Mermaid `~~~`; dot `style=invis`). */
export interface Diagram {
  root: Group;
  edges: Edge[];
  invisible?: Edge[];
}

const nameOf = (r: ExportResource) => r.urn.split("::").pop()!;
const idOf = (r: ExportResource | string) => (typeof r === "string" ? r : nameOf(r)).replace(/[^A-Za-z0-9]/g, "_");
const byName = (a: ExportResource, b: ExportResource) => nameOf(a).localeCompare(nameOf(b));

/** The architecture of a plan as groups, nodes and edges (sorted, so the output is deterministic). */
export function architecture(result: PlanResult): Diagram {
  const res = result.exportDoc.deployment.resources.filter((r) => r.custom);
  const ofType = (t: string) => res.filter((r) => r.type === t).sort(byName);
  const dependsOn = (r: ExportResource, prop: string) => new Set(r.propertyDependencies?.[prop] ?? []);
  const edges: Edge[] = [];
  const root: Group = { id: "root", label: "", nodes: [], groups: [] };
  root.nodes.push({ id: "internet", label: "Internet", shape: "circle" });

  const vpc = ofType("aws:ec2/vpc:Vpc")[0];
  const vpcGroup: Group = { id: "vpc", label: `VPC ${vpc?.inputs?.cidrBlock ?? ""}`.trim(), nodes: [], groups: [] };
  root.groups.push(vpcGroup);

  // Subnet tiers per AZ.
  const subnets = ofType("aws:ec2/subnet:Subnet");
  const azs = [...new Set(subnets.map((s) => String(s.inputs.availabilityZone)))].sort();
  const tierOf = (s: ExportResource) => String(s.inputs.tags?.tier ?? "subnet");
  const subnetGroups = new Map<string, Group>();
  // Declared last-AZ-first: Mermaid's layout places sibling clusters right to left, so the picture reads a, b, c.
  for (const az of [...azs].reverse()) {
    const azGroup: Group = { id: idOf(`az_${az}`), label: az, nodes: [], groups: [] };
    for (const tier of ["public", "private", "isolated"]) {
      for (const s of subnets.filter((x) => x.inputs.availabilityZone === az && tierOf(x) === tier)) {
        const g: Group = { id: idOf(s), label: `${tier} ${s.inputs.cidrBlock}`, nodes: [], groups: [] };
        subnetGroups.set(s.urn, g);
        azGroup.groups.push(g);
      }
    }
    vpcGroup.groups.push(azGroup);
  }
  const subnetOf = (r: ExportResource, prop: string): Group | undefined => {
    for (const u of dependsOn(r, prop)) if (subnetGroups.has(u)) return subnetGroups.get(u);
    return undefined;
  };
  const placeholder = (g: Group | undefined, n: Node) => (g ?? vpcGroup).nodes.push(n);

  // Egress: NAT gateways or the NAT instance, in their public subnet.
  const nats: string[] = [];
  for (const n of ofType("aws:ec2/natGateway:NatGateway")) {
    placeholder(subnetOf(n, "subnetId"), { id: idOf(n), label: "NAT gateway", shape: "box" });
    nats.push(idOf(n));
  }
  for (const i of ofType("aws:ec2/instance:Instance")) {
    const nat = i.inputs.sourceDestCheck === false;
    placeholder(subnetOf(i, "subnetId"), {
      id: idOf(i),
      label: nat ? `NAT instance ${i.inputs.instanceType}` : `EC2 ${i.inputs.instanceType}`,
      shape: "box",
    });
    if (nat) nats.push(idOf(i));
  }
  for (const n of nats) edges.push({ from: n, to: "internet", label: "egress" });
  /** The NAT a subnet's default route goes through (association → route table → 0.0.0.0/0 route). */
  const natOfSubnet = (subnetUrn: string): string | undefined => {
    const assoc = ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").find((a) => dependsOn(a, "subnetId").has(subnetUrn));
    if (!assoc) return undefined;
    const tables = dependsOn(assoc, "routeTableId");
    const route = ofType("aws:ec2/route:Route").find(
      (r) => r.inputs.destinationCidrBlock === "0.0.0.0/0" && [...dependsOn(r, "routeTableId")].some((t) => tables.has(t)),
    );
    if (!route) return undefined;
    const via = [...dependsOn(route, "natGatewayId"), ...dependsOn(route, "networkInterfaceId")];
    const target = res.find((x) => via.includes(x.urn));
    return target ? idOf(target) : undefined;
  };

  // Load balancer: one logical ALB with a node in each of its public subnets.
  const albs = [...ofType("aws:lb/loadBalancer:LoadBalancer"), ...ofType("aws:alb/loadBalancer:LoadBalancer")];
  for (const a of albs) {
    const albSubnets = [...dependsOn(a, "subnets")].filter((u) => subnetGroups.has(u)).sort();
    vpcGroup.nodes.push({ id: idOf(a), label: `ALB (${a.inputs.internal ? "internal" : "internet-facing"})`, shape: "stadium" });
    albSubnets.forEach((u, k) => {
      const g = subnetGroups.get(u)!;
      g.nodes.push({ id: `${idOf(a)}_node_${k}`, label: "ALB node", shape: "stadium" });
      edges.push({ from: idOf(a), to: `${idOf(a)}_node_${k}`, dashed: true });
    });
    const listeners = ofType("aws:lb/listener:Listener")
      .map((l) => `${l.inputs.protocol} ${l.inputs.port}`)
      .sort()
      .reverse();
    if (!a.inputs.internal) edges.push({ from: "internet", to: idOf(a), label: listeners.join(", ") || undefined });
  }

  // The service and its tasks: one node per private subnet it spreads over.
  const tds = ofType("aws:ecs/taskDefinition:TaskDefinition");
  const tgs = ofType("aws:lb/targetGroup:TargetGroup");
  const dbs = ofType("aws:rds/instance:Instance");
  const buckets = [...ofType("aws:s3/bucket:Bucket"), ...ofType("aws:s3/bucketV2:BucketV2")];
  const endpoints = ofType("aws:ec2/vpcEndpoint:VpcEndpoint");
  for (const s of ofType("aws:ecs/service:Service")) {
    const td = tds.find((t) => dependsOn(s, "taskDefinition").has(t.urn)) ?? tds[0];
    const size = td
      ? `${Number(td.inputs.cpu) / 1024} vCPU / ${Number(td.inputs.memory) / 1024} GB ${td.inputs.runtimePlatform?.cpuArchitecture ?? ""}`.trim()
      : "";
    const capacity = s.inputs.launchType ?? (s.inputs.capacityProviderStrategies ?? []).map((c: any) => c.capacityProvider).join("+") ?? "";
    const svcSubnets = [...dependsOn(s, "networkConfiguration")].filter((u) => subnetGroups.has(u)).sort();
    const taskIds: string[] = [];
    svcSubnets.forEach((u, k) => {
      const id = `${idOf(s)}_task_${k}`;
      subnetGroups.get(u)!.nodes.push({ id, label: `app tasks ${size}`, shape: "round" });
      taskIds.push(id);
    });
    vpcGroup.nodes.push({
      id: idOf(s),
      label: `ECS service ${s.inputs.name ?? nameOf(s)}: ${s.inputs.desiredCount} task(s)${capacity ? ` on ${capacity}` : ""}, spread over ${taskIds.length} private subnets`,
      shape: "box",
    });
    for (const t of taskIds) edges.push({ from: idOf(s), to: t, dashed: true });
    const port = tgs[0]?.inputs?.port;
    for (const a of albs) edges.push({ from: idOf(a), to: idOf(s), label: port ? `HTTP ${port}` : undefined });
    for (const d of dbs) edges.push({ from: idOf(s), to: idOf(d), label: `PostgreSQL ${d.inputs.port ?? 5432} (TLS)` });
    for (const e of endpoints) edges.push({ from: idOf(s), to: idOf(e), label: "S3" });
  }

  // Database: primary and, with Multi-AZ, its standby; RDS picks their AZs among the isolated subnets.
  const isolated = subnets.filter((s) => tierOf(s) === "isolated").map((s) => subnetGroups.get(s.urn)!);
  const dbSubnetGroups = ofType("aws:rds/subnetGroup:SubnetGroup");
  for (const sg of dbSubnetGroups) {
    [...dependsOn(sg, "subnetIds")]
      .filter((u) => subnetGroups.has(u))
      .sort()
      .forEach((u, k) => {
        subnetGroups.get(u)!.nodes.push({ id: `${idOf(sg)}_${k}`, label: "DB subnet group (no internet route)", shape: "box" });
      });
  }
  for (const d of dbs) {
    const label =
      `RDS ${d.inputs.engine} ${d.inputs.engineVersion} ${d.inputs.instanceClass}, ${d.inputs.allocatedStorage} GB ${d.inputs.storageType ?? ""}`.trim();
    if (isolated.length === 0) vpcGroup.nodes.push({ id: idOf(d), label, shape: "db" });
    const isoGroup: Group = {
      id: `${idOf(d)}_tier`,
      label: "RDS in the DB subnet group",
      nodes: [{ id: idOf(d), label: `${label}${d.inputs.multiAz === true ? " primary" : ", Single-AZ"}`, shape: "db" }],
      groups: [],
    };
    if (d.inputs.multiAz === true) {
      isoGroup.nodes.push({ id: `${idOf(d)}_standby`, label: "standby (Multi-AZ, another AZ)", shape: "db" });
      edges.push({ from: idOf(d), to: `${idOf(d)}_standby`, label: "synchronous replication", dashed: true });
    }
    if (isolated.length > 0) vpcGroup.groups.push(isoGroup);
  }

  // Endpoints.
  for (const e of endpoints) {
    vpcGroup.nodes.push({
      id: idOf(e),
      label: `${e.inputs.vpcEndpointType ?? "Gateway"} endpoint ${String(e.inputs.serviceName).split(".").pop()}`,
      shape: "box",
    });
  }

  // Regional services outside the VPC.
  const services: Group = { id: "regional", label: `AWS regional services`, nodes: [], groups: [] };
  root.groups.push(services);
  const add = (g: Group, r: ExportResource, label: string, shape: Node["shape"] = "box") => g.nodes.push({ id: idOf(r), label, shape });
  const storageGroup: Group = { id: "storage", label: "S3 and ECR", nodes: [], groups: [] };
  for (const b of buckets) {
    add(storageGroup, b, `S3 ${nameOf(b).replace(/^storage-/, "")}`);
  }
  const attachments = buckets.find((b) => /attachments/.test(nameOf(b)));
  const accessLogs = buckets.find((b) => /log/.test(nameOf(b)));
  for (const e of endpoints) if (attachments) edges.push({ from: idOf(e), to: idOf(attachments), label: "attachments" });
  for (const a of albs)
    if (accessLogs && a.inputs.accessLogs?.enabled) edges.push({ from: idOf(a), to: idOf(accessLogs), label: "access logs", dashed: true });
  for (const r of ofType("aws:ecr/repository:Repository")) {
    add(storageGroup, r, `ECR ${r.inputs.name ?? nameOf(r)}`);
    for (const s of ofType("aws:ecs/service:Service")) edges.push({ from: idOf(s), to: idOf(r), label: "pulls image", dashed: true });
  }
  services.groups.push(storageGroup);

  const keysGroup: Group = { id: "kms", label: "KMS keys", nodes: [], groups: [] };
  for (const k of ofType("aws:kms/key:Key"))
    add(keysGroup, k, `${nameOf(k).replace(/^keys-/, "key ")}: ${String(k.inputs.description ?? "").replace(/^[^:]*:\s*/, "")}`);
  services.groups.push(keysGroup);

  const secretsGroup: Group = { id: "secrets", label: "Secrets Manager", nodes: [], groups: [] };
  for (const s of ofType("aws:secretsmanager/secret:Secret")) add(secretsGroup, s, `secret ${nameOf(s).replace(/^secrets-/, "")}`);
  for (const d of dbs)
    if (d.inputs.manageMasterUserPassword)
      secretsGroup.nodes.push({ id: `${idOf(d)}_master_secret`, label: "RDS-managed master user secret", shape: "box" });
  for (const s of ofType("aws:ecs/service:Service")) edges.push({ from: idOf(s), to: "secrets", label: "reads at start", dashed: true });
  services.groups.push(secretsGroup);

  const obs: Group = { id: "observability", label: "CloudWatch", nodes: [], groups: [] };
  for (const l of ofType("aws:cloudwatch/logGroup:LogGroup"))
    add(obs, l, `logs ${l.inputs.name ?? nameOf(l)} · ${l.inputs.retentionInDays} days`);
  const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
  if (alarms.length)
    obs.nodes.push({
      id: "alarms",
      label: `${alarms.length} alarms: ${alarms.map((a) => nameOf(a).replace(/^monitoring-/, "")).join(", ")}`,
      shape: "box",
    });
  for (const d of ofType("aws:cloudwatch/dashboard:Dashboard")) add(obs, d, `dashboard ${d.inputs.dashboardName ?? nameOf(d)}`);
  for (const t of ofType("aws:sns/topic:Topic")) {
    add(obs, t, `SNS ${t.inputs.name ?? nameOf(t)}`);
    if (alarms.length) edges.push({ from: "alarms", to: idOf(t), label: "notify" });
  }
  for (const f of ofType("aws:ec2/flowLog:FlowLog")) {
    const dest = ofType("aws:cloudwatch/logGroup:LogGroup").find((l) => dependsOn(f, "logDestination").has(l.urn));
    if (dest) edges.push({ from: "vpc", to: idOf(dest), label: "flow logs", dashed: true });
  }
  services.groups.push(obs);

  // Private subnets say where their default route goes; each AZ is drawn public → private → isolated.
  const label = new Map(res.map((r) => [idOf(r), r]));
  const invisible: Edge[] = [];
  for (const s of subnets) {
    const g = subnetGroups.get(s.urn)!;
    const nat = natOfSubnet(s.urn);
    if (tierOf(s) === "private" && nat) {
      const target = label.get(nat)!;
      const route = `0.0.0.0/0 → ${target.type.endsWith("NatGateway") ? "NAT gateway" : "NAT instance"} in ${subnets.find((x) => dependsOn(target, "subnetId").has(x.urn))?.inputs.availabilityZone ?? "?"}`;
      g.nodes.push({ id: `${g.id}_route`, label: route, shape: "box" });
    }
    if (g.nodes.length === 0) g.nodes.push({ id: `${g.id}_empty`, label: "(no resources)", shape: "box" });
  }
  for (const az of vpcGroup.groups.filter((g) => g.id.startsWith("az_"))) {
    const firsts = az.groups.map((g) => g.nodes[0].id);
    for (let k = 1; k < firsts.length; k++) invisible.push({ from: firsts[k - 1], to: firsts[k] });
  }
  return { root, edges, invisible };
}

const q = (s: string) => s.replace(/"/g, "'");

/** Mermaid flowchart text. */
export function toMermaid(d: Diagram): string {
  const out = ["flowchart TB"];
  const shape = (n: Node) => {
    const l = q(n.label);
    switch (n.shape) {
      case "circle":
        return `${n.id}(("${l}"))`;
      case "db":
        return `${n.id}[("${l}")]`;
      case "round":
        return `${n.id}("${l}")`;
      case "stadium":
        return `${n.id}(["${l}"])`;
      default:
        return `${n.id}["${l}"]`;
    }
  };
  const walk = (g: Group, indent: string) => {
    for (const n of g.nodes) out.push(`${indent}${shape(n)}`);
    for (const c of g.groups) {
      out.push(`${indent}subgraph ${c.id}["${q(c.label)}"]`);
      walk(c, indent + "  ");
      out.push(`${indent}end`);
    }
  };
  walk(d.root, "  ");
  for (const e of d.invisible ?? []) out.push(`  ${e.from} ~~~ ${e.to}`);
  for (const e of d.edges)
    out.push(`  ${e.from} ${e.dashed ? "-.->" : "-->"}${e.label ? `|"${q(e.label).replace(/\|/g, "/")}"|` : ""} ${e.to}`);
  return out.join("\n") + "\n";
}

/** Graphviz dot text. */
export function toDot(d: Diagram): string {
  const out = ["digraph paved {", "  rankdir=TB;", "  compound=true;", '  node [shape=box, fontname="Helvetica"];'];
  const shapes: Record<string, string> = {
    circle: "circle",
    db: "cylinder",
    round: "box, style=rounded",
    stadium: 'box, style="rounded,bold"',
    box: "box",
  };
  const anchor = new Map<string, string>();
  const walk = (g: Group, indent: string) => {
    for (const n of g.nodes) out.push(`${indent}${n.id} [label="${q(n.label)}", shape=${shapes[n.shape ?? "box"]}];`);
    for (const c of g.groups) {
      out.push(`${indent}subgraph cluster_${c.id} {`, `${indent}  label="${q(c.label)}";`);
      walk(c, indent + "  ");
      out.push(`${indent}}`);
      const first = firstNode(c);
      if (first) anchor.set(c.id, first);
    }
  };
  walk(d.root, "  ");
  for (const e of d.invisible ?? []) out.push(`  ${e.from} -> ${e.to} [style=invis];`);
  for (const e of d.edges) {
    const attrs = [e.label ? `label="${q(e.label)}"` : "", e.dashed ? "style=dashed" : ""];
    let from = e.from;
    let to = e.to;
    if (anchor.has(from)) {
      attrs.push(`ltail=cluster_${from}`);
      from = anchor.get(from)!;
    }
    if (anchor.has(to)) {
      attrs.push(`lhead=cluster_${to}`);
      to = anchor.get(to)!;
    }
    out.push(`  ${from} -> ${to} [${attrs.filter(Boolean).join(", ")}];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}

function firstNode(g: Group): string | undefined {
  if (g.nodes.length) return g.nodes[0].id;
  for (const c of g.groups) {
    const f = firstNode(c);
    if (f) return f;
  }
  return undefined;
}

export const ARCHITECTURE_DOC = path.join(REPO_ROOT, "docs", "architecture.md");
export const DOCS_STACK = "prod";

/** docs/architecture.md: the prod diagram, generated (never edited by hand). */
export function architectureDoc(mermaid: string): string {
  return [
    "# Architecture",
    "",
    "<!-- Generated by `npm run docs:diagram` from the offline plan of the prod stack; do not edit by hand. A test keeps it equal to `npm run diagram -- prod`. -->",
    "",
    "What `pulumi up` builds for the prod stack, drawn from the offline plan (`npm run diagram -- prod`;",
    "`--format dot` for Graphviz). Staging has the same shape with 2 AZs and its cost levers (see docs/cost.md):",
    "one NAT instance instead of the NAT gateways, a single-AZ database, two KMS keys.",
    "",
    "```mermaid",
    mermaid.trimEnd(),
    "```",
    "",
  ].join("\n");
}

export const DIAGRAM_COMMAND: CommandSpec = {
  command: "npm run diagram --",
  summary:
    "Draws the architecture of a stack from the offline plan (nothing is deployed), as Mermaid (default) or Graphviz dot. Deterministic: the same plan gives the same text.",
  standard: ["stack", "config"],
  options: {
    format: { type: "string", placeholder: "mermaid|dot", description: "Output format (default mermaid)." },
    "write-docs": { type: "boolean", description: "Write docs/architecture.md from the prod diagram (what `npm run docs:diagram` runs)." },
  },
  examples: ["npm run diagram -- prod", "npm run diagram -- staging --format dot | dot -Tsvg > staging.svg", "npm run docs:diagram"],
};

export async function main(argv: string[]): Promise<number> {
  return runCommand(DIAGRAM_COMMAND, argv, (o) => diagram(o));
}

async function diagram(o: ParsedOptions): Promise<number> {
  const format = (o.values.format as string | undefined) ?? "mermaid";
  if (!["mermaid", "dot"].includes(format)) throw new UsageError(`--format must be mermaid or dot, got "${format}".`);
  const writeDocs = o.values["write-docs"] === true;
  const stack = o.stack ?? (writeDocs ? DOCS_STACK : undefined);
  if (!stack) throw new UsageError(`missing stack. Stacks: ${listStacks().join(", ")}.`);
  if (writeDocs && (stack !== DOCS_STACK || format !== "mermaid" || Object.keys(o.config).length))
    throw new UsageError(`--write-docs draws the ${DOCS_STACK} stack as committed, in mermaid; drop the other options.`);
  let result: PlanResult;
  try {
    result = await runPlan(stack, { config: o.config });
  } catch (e: any) {
    console.error(`diagram: ${e?.message ?? e}`);
    return 2;
  }
  const d = architecture(result);
  const text = format === "dot" ? toDot(d) : toMermaid(d);
  if (writeDocs) {
    fs.mkdirSync(path.dirname(ARCHITECTURE_DOC), { recursive: true });
    fs.writeFileSync(ARCHITECTURE_DOC, architectureDoc(text));
    console.log(`Wrote ${path.relative(REPO_ROOT, ARCHITECTURE_DOC)}`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`diagram failed: ${e?.stack ?? e}`);
      process.exit(2);
    },
  );
}
