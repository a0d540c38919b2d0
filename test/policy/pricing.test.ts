import assert from "node:assert/strict";
import { estimate, loadPriceTable, resolveUsage, PRICED_TYPES, topResources, type PricedResource } from "../../policy/lib/pricing";

const URN = "urn:pulumi:test::paved::";
const r = (type: string, name: string, props: Record<string, any>, propertyDependencies?: Record<string, string[]>): PricedResource => ({
  type,
  name,
  urn: `${URN}${type}::${name}`,
  props,
  propertyDependencies,
});
const total = (rs: PricedResource[], usage = {}) => estimate(rs, { region: "us-east-1", usage }).totalUsd;
const table = loadPriceTable("us-east-1");

describe("policy/lib/pricing: the one pricing core", () => {
  it("the price table is dated and sourced, every row has a source, priced types are never on the free list", () => {
    assert.match(table.asOf, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(table.rows.every((x) => x.source.startsWith("https://aws.amazon.com/")));
    const free = new Set(table.free.map((f) => f.type));
    assert.deepEqual(
      PRICED_TYPES.filter((t) => free.has(t)),
      [],
    );
    assert.ok(
      table.free.every((f) => f.why.length > 5),
      "every free entry says why",
    );
  });

  it("default usage assumptions live in the price table: 10 GB through NAT, 1 ALB LCU, 5 GB of logs", () => {
    const u = Object.fromEntries(resolveUsage(table).map((x) => [x.key, x.value]));
    assert.equal(u.natGb, 10);
    assert.equal(u.albLcu, 1);
    assert.equal(u.logsGb, 5);
  });

  it("usage overrides change the estimate; an unknown or negative one is refused naming the known keys", () => {
    const nat = [r("aws:ec2/natGateway:NatGateway", "nat", { connectivityType: "public" })];
    assert.equal(total(nat), 33.3); // 730 h x $0.045 + 10 GB x $0.045
    assert.equal(total(nat, { natGb: 110 }), 37.8);
    assert.throws(() => total(nat, { natGB: 1 }), /unknown usage assumption "natGB": known ones are natGb, albLcu/);
    assert.throws(() => total(nat, { natGb: -1 }), /natGb=-1 must be a number >= 0/);
  });

  it("Fargate: vCPU and GB hours per architecture x running tasks", () => {
    const td = (arch: string) =>
      r("aws:ecs/taskDefinition:TaskDefinition", "td", { cpu: "1024", memory: "2048", runtimePlatform: { cpuArchitecture: arch } });
    const svc = r(
      "aws:ecs/service:Service",
      "svc",
      { desiredCount: 3, launchType: "FARGATE" },
      { taskDefinition: [`${URN}aws:ecs/taskDefinition:TaskDefinition::td`] },
    );
    assert.equal(total([td("X86_64"), svc]), 108.12); // 3 x (0.04048 + 2 x 0.004445) x 730
    assert.equal(total([td("ARM64"), svc]), 86.5); // 3 x (0.03238 + 2 x 0.00356) x 730
  });

  it("EC2 capacity: the launch template's instance type x the group's desired capacity, plus gp3 root volumes", () => {
    const lt = r("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
      instanceType: "t4g.small",
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 30, volumeType: "gp3", encrypted: "true" } }],
    });
    const asg = r("aws:autoscaling/group:Group", "asg", { desiredCapacity: 2, minSize: 1, maxSize: 4 }, { launchTemplate: [lt.urn] });
    const e = estimate([lt, asg], { region: "us-east-1" });
    assert.deepEqual(
      e.lines.map((l) => [l.item, l.monthlyUsd]),
      [
        ["container instance hours (t4g.small x 2)", 24.53], // 2 x 730 x 0.0168
        ["volume /dev/xvda (gp3, 30 GB x 2)", 4.8], // 60 GB x 0.08
      ],
    );
    // Without desiredCapacity the minimum runs.
    assert.equal(total([lt, r("aws:autoscaling/group:Group", "asg", { minSize: 1 }, { launchTemplate: [lt.urn] })]), 14.66);
    // An ECS service on that capacity is not billed again.
    assert.equal(
      estimate([r("aws:ecs/service:Service", "svc", { desiredCount: 2, capacityProviderStrategies: [{ capacityProvider: "ec2" }] })], {
        region: "us-east-1",
      }).lines.length,
      0,
    );
  });

  it("a NAT instance: instance hours, encrypted gp3 root and its public IPv4; no per-GB processing charge", () => {
    const nat = r("aws:ec2/instance:Instance", "nat", {
      instanceType: "t4g.nano",
      sourceDestCheck: false,
      associatePublicIpAddress: true,
      rootBlockDevice: { volumeSize: 8, volumeType: "gp3", encrypted: true },
    });
    const e = estimate([nat], { region: "us-east-1", usage: { natGb: 1000 } });
    assert.deepEqual(
      e.lines.map((l) => [l.item, l.monthlyUsd]),
      [
        ["NAT instance hours (t4g.nano)", 3.07],
        ["root volume (gp3, 8 GB)", 0.64],
        ["public IPv4 address", 3.65],
      ],
    );
  });

  it("RDS: class x Multi-AZ, gp3 storage x Multi-AZ, Performance Insights retention per vCPU, the RDS-managed secret", () => {
    const db = (multiAz: boolean, pi: number) =>
      r("aws:rds/instance:Instance", "db", {
        instanceClass: "db.m7g.large",
        multiAz,
        allocatedStorage: 100,
        storageType: "gp3",
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: pi,
        manageMasterUserPassword: true,
      });
    const lines = (d: PricedResource) =>
      Object.fromEntries(estimate([d], { region: "us-east-1" }).lines.map((l) => [l.item.split(" (")[0], l.monthlyUsd]));
    const single = lines(db(false, 7));
    assert.equal(single["instance hours"], 122.64);
    assert.equal(single["gp3 storage"], 11.5);
    assert.equal(single["Performance Insights retention, first month"], undefined, "7 days are free");
    const multi = lines(db(true, 731));
    assert.equal(multi["instance hours"], 245.28);
    assert.equal(multi["gp3 storage"], 23);
    assert.equal(multi["Performance Insights retention, first month"], 6.25); // 4 vCPU (primary + standby)
    assert.equal(multi["Performance Insights retention, 23 more months"], 6.05);
    assert.equal(multi["master user secret managed by RDS"], 0.4);
  });

  it("an unknown instance type, RDS class or resource type is reported as unpriced, never $0", () => {
    const e = estimate(
      [
        r("aws:ec2/instance:Instance", "big", { instanceType: "u-24tb1.metal" }),
        r("aws:rds/instance:Instance", "db", { instanceClass: "db.x2iedn.32xlarge" }),
        r("aws:elasticache/cluster:Cluster", "cache", {}),
        r("aws:ec2/vpc:Vpc", "vpc", {}),
      ],
      { region: "us-east-1" },
    );
    assert.deepEqual(e.unpriced.map((u) => u.name).sort(), ["big", "cache", "db"]);
    assert.match(e.unpriced.find((u) => u.name === "cache")!.why, /neither priced nor on the price table's free list/);
    assert.deepEqual(e.free, { "aws:ec2/vpc:Vpc": 1 });
  });

  it("a region without a table is estimated with us-east-1 prices and says so", () => {
    const e = estimate([r("aws:kms/key:Key", "k", {})], { region: "ap-southeast-2" });
    assert.equal(e.priceRegion, "us-east-1");
    assert.equal(e.regionNote, "There is no price table for ap-southeast-2: this estimate uses us-east-1 prices.");
    assert.equal(estimate([r("aws:kms/key:Key", "k", {})], { region: "us-east-1" }).regionNote, undefined);
  });

  it("top lines merge a resource's items, most expensive first", () => {
    const e = estimate([r("aws:ec2/natGateway:NatGateway", "nat", {}), r("aws:kms/key:Key", "k", {}), r("aws:ec2/eip:Eip", "ip", {})], {
      region: "us-east-1",
    });
    assert.deepEqual(
      topResources(e, 2).map((t) => [t.resource, t.monthlyUsd]),
      [
        ["nat", 33.3],
        ["ip", 3.65],
      ],
    );
  });
});
