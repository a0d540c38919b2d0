// The one pricing core: a monthly estimate from a stack's resources (their inputs, as the
// policies see them) and a dated price table.
//
// It lives with the pack so the pack stays standalone: the budget policy
// (paved-monthly-estimate) and the program's tooling (`npm run cost`, `npm run summary`) run this
// same code. The price tables themselves are data in infra/reference/ (prices-<region>.json, one
// folder for every reference table); `loadPriceTable` reads them from there.
//
// Every custom resource type is either priced here (PRICED_TYPES) or on the table's explicit
// `free` list; anything else is reported as `unpriced` so a new resource never silently costs $0.
import * as fs from "fs";
import * as path from "path";
import { isUnknown } from "./values";

export interface PriceRow {
  key: string;
  usd: number;
  unit: string;
  source: string;
  /** RDS classes: vCPUs (Performance Insights is billed per vCPU). */
  vcpu?: number;
}

export interface UsageRow {
  key: string;
  value: number;
  unit: string;
  description: string;
}

export interface FreeRow {
  type: string;
  why: string;
}

export interface PriceTable {
  asOf: string;
  source: string;
  notes?: string;
  region: string;
  hoursPerMonth: number;
  rows: PriceRow[];
  usage: UsageRow[];
  free: FreeRow[];
}

/** A resource as the pricing core reads it: its inputs, plus which resources each input came from. */
export interface PricedResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
  propertyDependencies?: Record<string, string[]>;
  /** false for components (skipped); providers and `pulumi:` types are skipped too. */
  custom?: boolean;
}

export interface CostLine {
  urn: string;
  resource: string;
  type: string;
  /** What is billed, e.g. "NAT gateway hours". */
  item: string;
  quantity: number;
  unit: string;
  unitUsd: number;
  monthlyUsd: number;
  /** Price row used. */
  priceKey: string;
}

export interface UsageValue extends UsageRow {
  /** Set by an override (not the table's default). */
  overridden: boolean;
}

export interface Estimate {
  /** The stack's region. */
  region: string;
  /** The region whose prices were used. */
  priceRegion: string;
  /** Set when the stack's region has no table: says plainly which prices were used. */
  regionNote?: string;
  asOf: string;
  source: string;
  notes?: string;
  usage: UsageValue[];
  lines: CostLine[];
  totalUsd: number;
  /** Custom resources neither priced nor on the free list. */
  unpriced: { urn: string; type: string; name: string; why: string }[];
  /** Custom resources on the free list, by type. */
  free: Record<string, number>;
}

/** The region every other region is estimated with when it has no table of its own. */
export const DEFAULT_PRICE_REGION = "us-east-1";

/** Where the price tables live (infra/reference/, the one folder for reference tables). */
export const PRICE_TABLE_DIR = path.resolve(__dirname, "..", "..", "infra", "reference");

/** Loads prices-<region>.json, falling back to us-east-1 (the estimate then says so). */
export function loadPriceTable(region: string, dir: string = PRICE_TABLE_DIR): PriceTable {
  const file = (r: string) => path.join(dir, `prices-${r}.json`);
  const f = fs.existsSync(file(region)) ? file(region) : file(DEFAULT_PRICE_REGION);
  return checkPriceTable(JSON.parse(fs.readFileSync(f, "utf8")), path.basename(f));
}

/** Checks a table's shape: dated, sourced, every row priced and sourced. */
export function checkPriceTable(t: any, label = "price table"): PriceTable {
  const fail = (m: string) => {
    throw new Error(`${label}: ${m}`);
  };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t?.asOf ?? "")) fail(`"asOf" must be the date the prices were read (YYYY-MM-DD).`);
  if (typeof t.source !== "string" || !t.source.trim()) fail(`"source" must say where the prices were read.`);
  if (typeof t.region !== "string") fail(`"region" is missing.`);
  if (!(t.hoursPerMonth > 0)) fail(`"hoursPerMonth" must be a positive number.`);
  for (const k of ["rows", "usage", "free"]) if (!Array.isArray(t[k])) fail(`"${k}" must be an array.`);
  const seen = new Set<string>();
  for (const r of t.rows) {
    if (typeof r.key !== "string" || typeof r.usd !== "number" || !(r.usd >= 0))
      fail(`row ${JSON.stringify(r.key)} needs a key and a non-negative usd.`);
    if (typeof r.source !== "string" || !r.source.trim()) fail(`row ${r.key} has no source.`);
    if (seen.has(r.key)) fail(`row ${r.key} appears twice.`);
    seen.add(r.key);
  }
  for (const u of t.usage)
    if (typeof u.key !== "string" || typeof u.value !== "number" || !u.description)
      fail(`usage ${JSON.stringify(u.key)} needs a key, a numeric value and a description.`);
  return t as PriceTable;
}

/** Resource types the core prices (everything else must be on the table's free list). */
export const PRICED_TYPES = [
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/eip:Eip",
  "aws:ec2/instance:Instance",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/flowLog:FlowLog",
  "aws:ebs/volume:Volume",
  "aws:autoscaling/group:Group",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:alb/loadBalancer:LoadBalancer",
  "aws:ecs/service:Service",
  "aws:ecs/cluster:Cluster",
  "aws:rds/instance:Instance",
  "aws:kms/key:Key",
  "aws:secretsmanager/secret:Secret",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:ecr/repository:Repository",
] as const;

/** Usage defaults from the table with overrides applied; an unknown key is an error naming the known ones. */
export function resolveUsage(table: PriceTable, overrides: Record<string, number | string> = {}): UsageValue[] {
  const known = new Map(table.usage.map((u) => [u.key, u]));
  for (const [k, v] of Object.entries(overrides)) {
    if (!known.has(k)) throw new Error(`unknown usage assumption "${k}": known ones are ${[...known.keys()].join(", ")}.`);
    const n = typeof v === "number" ? v : Number(v);
    if ((typeof v === "string" && v.trim() === "") || !Number.isFinite(n) || n < 0)
      throw new Error(`usage assumption ${k}=${JSON.stringify(v)} must be a number >= 0, e.g. ${k}=${known.get(k)!.value}.`);
  }
  return table.usage.map((u) =>
    ((k) => (k === undefined ? { ...u, overridden: false } : { ...u, value: Number(k), overridden: true }))(overrides[u.key]),
  );
}

const round2 = (n: number) => Math.round(n * 100) / 100;

const known = (v: unknown): boolean => v !== undefined && v !== null && !isUnknown(v);
const num = (v: unknown, fallback: number): number => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
};
const isTrue = (v: unknown) => v === true || v === "true";
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Region of the stack from its resources (subnet AZs), when nobody says. */
export function inferRegion(resources: PricedResource[]): string | undefined {
  for (const r of resources) {
    const az = r.props?.availabilityZone;
    if (typeof az === "string" && /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/.test(az)) return az.slice(0, -1);
  }
  return undefined;
}

export interface EstimateOptions {
  /** The stack's region (default: inferred from the resources, else us-east-1). */
  region?: string;
  /** Usage overrides by key. */
  usage?: Record<string, number | string>;
  /** Price table (default: loadPriceTable(region)). */
  table?: PriceTable;
}

/** The monthly estimate of a stack. Only custom resources are considered (components and providers are skipped). */
export function estimate(resources: PricedResource[], opts: EstimateOptions = {}): Estimate {
  const region = opts.region ?? inferRegion(resources) ?? DEFAULT_PRICE_REGION;
  const table = opts.table ?? loadPriceTable(region);
  const usageList = resolveUsage(table, opts.usage);
  const usage = Object.fromEntries(usageList.map((u) => [u.key, u.value]));
  const prices = new Map(table.rows.map((r) => [r.key, r]));
  const H = table.hoursPerMonth;
  const lines: CostLine[] = [];
  const unpriced: Estimate["unpriced"] = [];
  const free: Record<string, number> = {};
  const freeTypes = new Set(table.free.map((f) => f.type));
  const custom = resources.filter((r) => r.custom !== false && !r.type.startsWith("pulumi:") && !r.type.startsWith("paved:"));
  const byUrn = new Map(resources.map((r) => [r.urn, r]));

  const price = (key: string): PriceRow | undefined => prices.get(key);
  const add = (r: PricedResource, item: string, quantity: number, key: string, unitLabel?: string) => {
    const p = price(key);
    if (!p) throw new Error(`price row ${key} is missing from the price table`);
    lines.push({
      urn: r.urn,
      resource: r.name,
      type: r.type,
      item,
      quantity: round2(quantity * 1000) / 1000,
      unit: unitLabel ?? p.unit,
      unitUsd: p.usd,
      monthlyUsd: quantity * p.usd,
      priceKey: key,
    });
  };
  const noPrice = (r: PricedResource, why: string) => unpriced.push({ urn: r.urn, type: r.type, name: r.name, why });
  /** The resource an input came from (via property dependencies), else the only one of `type`. */
  const source = (r: PricedResource, prop: string, type: string): PricedResource | undefined => {
    for (const u of r.propertyDependencies?.[prop] ?? []) {
      const d = byUrn.get(u);
      if (d && d.type === type) return d;
    }
    const all = custom.filter((x) => x.type === type);
    return all.length === 1 ? all[0] : undefined;
  };
  const ebs = (r: PricedResource, label: string, gb: number, volumeType: string, count = 1) => {
    const key = volumeType === "gp2" ? "ebs.gp2.gbMonth" : "ebs.gp3.gbMonth";
    add(r, `${label} (${volumeType === "gp2" ? "gp2" : "gp3"}, ${gb} GB${count !== 1 ? ` x ${count}` : ""})`, gb * count, key, "GB-month");
  };
  const ec2Hours = (r: PricedResource, instanceType: unknown, count: number, label: string): boolean => {
    const key = `ec2.${instanceType}.hour`;
    if (!known(instanceType) || !price(key)) {
      noPrice(r, `no price for EC2 instance type ${JSON.stringify(instanceType)}: add an ec2.<type>.hour row to the price table`);
      return false;
    }
    add(r, `${label} (${instanceType}${count !== 1 ? ` x ${count}` : ""})`, H * count, key, "instance-hours");
    return true;
  };

  const natGateways = custom.filter((r) => r.type === "aws:ec2/natGateway:NatGateway" && r.props.connectivityType !== "private");
  const flowLogs = custom.filter((r) => r.type === "aws:ec2/flowLog:FlowLog");
  const flowLogGroups = new Set(flowLogs.map((f) => source(f, "logDestination", "aws:cloudwatch/logGroup:LogGroup")?.urn).filter(Boolean));
  const appLogGroups = custom.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && !flowLogGroups.has(r.urn));

  for (const r of custom) {
    const p = r.props ?? {};
    switch (r.type) {
      case "aws:ec2/natGateway:NatGateway":
        if (p.connectivityType === "private") {
          add(r, "private NAT gateway hours", H, "natGateway.hour", "hours");
          break;
        }
        add(r, "NAT gateway hours", H, "natGateway.hour", "hours");
        add(
          r,
          `data processed (natGb ${usage.natGb} GB / ${natGateways.length} gateway${natGateways.length > 1 ? "s" : ""})`,
          usage.natGb / natGateways.length,
          "natGateway.gb",
          "GB",
        );
        break;
      case "aws:ec2/eip:Eip":
        add(r, "public IPv4 address", H, "publicIpv4.hour", "hours");
        break;
      case "aws:ec2/instance:Instance": {
        const isNat = p.sourceDestCheck === false || p.sourceDestCheck === "false";
        ec2Hours(r, p.instanceType, 1, isNat ? "NAT instance hours" : "instance hours");
        const root = p.rootBlockDevice ?? {};
        ebs(r, "root volume", num(root.volumeSize, usage.ec2RootGbDefault), root.volumeType ?? "gp3");
        for (const d of arr(p.ebsBlockDevices)) ebs(r, `volume ${d.deviceName ?? ""}`.trim(), num(d.volumeSize, 0), d.volumeType ?? "gp3");
        if (isTrue(p.associatePublicIpAddress)) add(r, "public IPv4 address", H, "publicIpv4.hour", "hours");
        break;
      }
      case "aws:ebs/volume:Volume":
        ebs(r, "EBS volume", num(p.size, 0), p.type ?? "gp3");
        break;
      case "aws:autoscaling/group:Group": {
        const count = num(p.desiredCapacity, num(p.minSize, 0));
        const lt = source(r, "launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate");
        if (!lt) {
          noPrice(r, "its launch template is not in the stack, so its instance type is unknown");
          break;
        }
        const lp = lt.props ?? {};
        if (!ec2Hours(r, lp.instanceType, count, "container instance hours")) break;
        const devices = arr(lp.blockDeviceMappings).filter((d) => d?.ebs);
        if (devices.length === 0) ebs(r, "root volume", usage.ec2RootGbDefault, "gp3", count);
        for (const d of devices)
          ebs(r, `volume ${d.deviceName ?? ""}`.trim(), num(d.ebs.volumeSize, usage.ec2RootGbDefault), d.ebs.volumeType ?? "gp3", count);
        const ni = arr(lp.networkInterfaces);
        if (ni.some((n) => isTrue(n?.associatePublicIpAddress)))
          add(r, `public IPv4 addresses (x ${count})`, H * count, "publicIpv4.hour", "hours");
        break;
      }
      case "aws:ec2/vpcEndpoint:VpcEndpoint": {
        if ((p.vpcEndpointType ?? "Gateway") === "Gateway") {
          free[r.type] = (free[r.type] ?? 0) + 1; // gateway endpoints (S3, DynamoDB) cost nothing
          break;
        }
        const azs = Math.max(1, arr(p.subnetIds).length);
        add(r, `interface endpoint hours (${azs} AZ${azs > 1 ? "s" : ""})`, H * azs, "vpcEndpoint.interface.azHour", "AZ-hours");
        add(r, "data processed (interfaceEndpointGb)", usage.interfaceEndpointGb, "vpcEndpoint.interface.gb", "GB");
        break;
      }
      case "aws:ec2/flowLog:FlowLog":
        add(r, "flow-log delivery to CloudWatch Logs (flowLogsGb)", usage.flowLogsGb, "logs.vendedGb", "GB");
        break;
      case "aws:lb/loadBalancer:LoadBalancer":
      case "aws:alb/loadBalancer:LoadBalancer": {
        if ((p.loadBalancerType ?? "application") !== "application") {
          noPrice(r, `load balancer type ${p.loadBalancerType} has no price rows (only application load balancers are priced)`);
          break;
        }
        add(r, "ALB hours", H, "alb.hour", "hours");
        add(r, `LCU hours (albLcu ${usage.albLcu} on average)`, H * usage.albLcu, "alb.lcuHour", "LCU-hours");
        if (!isTrue(p.internal)) {
          const azs = Math.max(arr(p.subnets).length, arr(p.subnetMappings).length, 1);
          add(r, `public IPv4 addresses (one per AZ, ${azs})`, H * azs, "publicIpv4.hour", "hours");
        }
        break;
      }
      case "aws:ecs/service:Service": {
        const strategies = arr(p.capacityProviderStrategies).map((s) => s?.capacityProvider);
        const fargate =
          p.launchType === "FARGATE" ||
          (p.launchType === undefined &&
            (strategies.length === 0 || strategies.some((s) => typeof s === "string" && s.startsWith("FARGATE"))));
        if (!fargate) {
          free[r.type] = (free[r.type] ?? 0) + 1; // tasks run on EC2 capacity priced on its Auto Scaling group
          break;
        }
        const td = source(r, "taskDefinition", "aws:ecs/taskDefinition:TaskDefinition");
        if (!td) {
          noPrice(r, "its task definition is not in the stack, so its size is unknown");
          break;
        }
        const tasks = num(p.desiredCount, 1);
        const arch = td.props.runtimePlatform?.cpuArchitecture === "ARM64" ? "ARM64" : "X86_64";
        const vcpu = num(td.props.cpu, 256) / 1024;
        const gb = num(td.props.memory, 512) / 1024;
        const archLabel = arch === "ARM64" ? "arm64 (Graviton)" : "x86_64";
        add(
          r,
          `Fargate vCPU hours (${tasks} task${tasks > 1 ? "s" : ""} x ${vcpu} vCPU, ${archLabel})`,
          H * tasks * vcpu,
          `fargate.${arch}.vcpuHour`,
          "vCPU-hours",
        );
        add(
          r,
          `Fargate memory hours (${tasks} task${tasks > 1 ? "s" : ""} x ${gb} GB, ${archLabel})`,
          H * tasks * gb,
          `fargate.${arch}.gbHour`,
          "GB-hours",
        );
        break;
      }
      case "aws:ecs/cluster:Cluster": {
        const ci = arr(p.settings).find((s) => s?.name === "containerInsights")?.value;
        if (ci === "enabled" || ci === "enhanced") {
          add(
            r,
            `Container Insights metrics (containerInsightsMetrics)`,
            usage.containerInsightsMetrics,
            "cloudwatch.metricMonth",
            "metric-months",
          );
          add(r, `Container Insights performance logs (containerInsightsLogsGb)`, usage.containerInsightsLogsGb, "logs.ingestGb", "GB");
        } else {
          free[r.type] = (free[r.type] ?? 0) + 1;
        }
        break;
      }
      case "aws:rds/instance:Instance": {
        const cls = p.instanceClass;
        const row = price(`rds.postgres.${cls}.hour`);
        if (!row) {
          noPrice(r, `no price for RDS class ${JSON.stringify(cls)}: add an rds.postgres.<class>.hour row to the price table`);
          break;
        }
        const multi = isTrue(p.multiAz);
        const factor = multi ? price("rds.multiAz.factor")!.usd : 1;
        add(
          r,
          `instance hours (${cls}${multi ? ", Multi-AZ: primary + standby" : ", Single-AZ"})`,
          H * factor,
          `rds.postgres.${cls}.hour`,
          "instance-hours",
        );
        const gb = num(p.allocatedStorage, 20);
        const st = p.storageType === "gp2" ? "gp2" : "gp3";
        add(r, `${st} storage (${gb} GB${multi ? " x 2 for the standby" : ""})`, gb * factor, `rds.${st}.gbMonth`, "GB-months");
        add(
          r,
          "backup storage beyond the free amount (rdsBackupGbBeyondFree)",
          usage.rdsBackupGbBeyondFree,
          "rds.backup.gbMonth",
          "GB-months",
        );
        const retention = num(p.performanceInsightsRetentionPeriod, 7);
        if (isTrue(p.performanceInsightsEnabled) && retention > 7) {
          const months = retention >= 731 ? 24 : Math.round(retention / 31);
          const vcpus = (row.vcpu ?? 2) * factor;
          add(
            r,
            `Performance Insights retention, first month (${vcpus} vCPU${multi ? " incl. standby" : ""})`,
            vcpus,
            "rds.performanceInsights.firstMonth.vcpuMonth",
            "vCPU-months",
          );
          if (months > 1)
            add(
              r,
              `Performance Insights retention, ${months - 1} more months (${vcpus} vCPU)`,
              vcpus * (months - 1),
              "rds.performanceInsights.additionalMonth.vcpuMonth",
              "vCPU-months",
            );
        }
        const interval = num(p.monitoringInterval, 0);
        if (interval > 0) {
          const gbEm = (((H * 3600) / interval) * usage.enhancedMonitoringKbPerSample) / 1e6;
          add(r, `enhanced monitoring every ${interval}s (CloudWatch Logs, enhancedMonitoringKbPerSample)`, gbEm, "logs.ingestGb", "GB");
        }
        if (isTrue(p.manageMasterUserPassword))
          add(r, "master user secret managed by RDS (Secrets Manager)", 1, "secretsManager.secretMonth", "secret-months");
        break;
      }
      case "aws:kms/key:Key":
        add(r, "customer managed key", 1, "kms.keyMonth", "key-months");
        break;
      case "aws:secretsmanager/secret:Secret":
        add(r, "secret", 1, "secretsManager.secretMonth", "secret-months");
        break;
      case "aws:cloudwatch/logGroup:LogGroup": {
        const retentionDays = num(p.retentionInDays, 0);
        const months = retentionDays > 0 ? retentionDays / 30 : 12;
        let ingested: number;
        if (flowLogGroups.has(r.urn)) {
          ingested = usage.flowLogsGb * flowLogs.filter((f) => source(f, "logDestination", r.type)?.urn === r.urn).length;
        } else {
          ingested = usage.logsGb / appLogGroups.length;
          add(
            r,
            `ingestion (logsGb ${usage.logsGb} GB / ${appLogGroups.length} group${appLogGroups.length > 1 ? "s" : ""})`,
            ingested,
            "logs.ingestGb",
            "GB",
          );
        }
        add(
          r,
          `storage (${round2(ingested)} GB/month kept ${retentionDays > 0 ? `${retentionDays} days` : "forever, counted as 12 months"})`,
          ingested * months,
          "logs.storedGbMonth",
          "GB-months",
        );
        break;
      }
      case "aws:cloudwatch/metricAlarm:MetricAlarm": {
        const queries = arr(p.metricQueries);
        const metrics = queries.length > 0 ? queries.filter((q) => q?.metric).length : 1;
        add(r, `alarm (${metrics} metric${metrics > 1 ? "s" : ""})`, metrics, "cloudwatch.alarmMetricMonth", "alarm metric-months");
        break;
      }
      case "aws:cloudwatch/dashboard:Dashboard":
        add(r, "dashboard", 1, "cloudwatch.dashboardMonth", "dashboard-months");
        break;
      case "aws:s3/bucket:Bucket":
      case "aws:s3/bucketV2:BucketV2":
        add(r, "S3 Standard storage (s3Gb)", usage.s3Gb, "s3.standard.gbMonth", "GB-months");
        break;
      case "aws:ecr/repository:Repository":
        add(r, "image storage (ecrGb)", usage.ecrGb, "ecr.gbMonth", "GB-months");
        break;
      default:
        if (freeTypes.has(r.type)) free[r.type] = (free[r.type] ?? 0) + 1;
        else noPrice(r, "this resource type is neither priced nor on the price table's free list");
    }
  }
  for (const l of lines) l.monthlyUsd = round2(l.monthlyUsd);
  // Deterministic order whatever the registration order: by resource name (stable: items keep their order).
  lines.sort((a, b) => a.resource.localeCompare(b.resource) || a.urn.localeCompare(b.urn));
  unpriced.sort((a, b) => a.urn.localeCompare(b.urn));
  const totalUsd = round2(lines.reduce((s, l) => s + l.monthlyUsd, 0));
  const priceRegion = table.region;
  return {
    region,
    priceRegion,
    regionNote: priceRegion !== region ? `There is no price table for ${region}: this estimate uses ${priceRegion} prices.` : undefined,
    asOf: table.asOf,
    source: table.source,
    notes: table.notes,
    usage: usageList,
    lines,
    totalUsd,
    unpriced,
    free,
  };
}

/** Lines merged per resource, most expensive first (ties by name) — the "top lines". */
export function topResources(e: Estimate, n = 5): { resource: string; type: string; urn: string; monthlyUsd: number }[] {
  const by = new Map<string, { resource: string; type: string; urn: string; monthlyUsd: number }>();
  for (const l of e.lines) {
    const x = by.get(l.urn) ?? { resource: l.resource, type: l.type, urn: l.urn, monthlyUsd: 0 };
    x.monthlyUsd = round2(x.monthlyUsd + l.monthlyUsd);
    by.set(l.urn, x);
  }
  return [...by.values()].sort((a, b) => b.monthlyUsd - a.monthlyUsd || a.resource.localeCompare(b.resource)).slice(0, n);
}

/** "$1,234.56" */
export function usd(n: number): string {
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
