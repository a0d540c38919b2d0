import * as assert from "assert";
import { loadReference } from "../../infra/reference";
import { ConfigError, loadConfig } from "../../infra/config";
import {
  DEFAULT_INSTANCE_TYPE,
  DEPLOYMENT_MAXIMUM_PERCENT,
  ec2Sizing,
  Ec2SizingError,
  Ec2SizingInput,
  INSTANCE_TYPES_TABLE,
  InstanceType,
  instanceTypes,
} from "../../infra/ec2-sizing";

const base: Ec2SizingInput = {
  instanceType: "",
  imagePlatform: "linux/amd64",
  taskCpu: 512,
  taskMemoryMib: 1024,
  minCapacity: 1,
  maxCapacity: 3,
  minInstances: 0,
  maxInstances: 0,
  eniTrunking: false,
  tier: "staging",
  minInstancesFloor: 1,
};
const size = (over: Partial<Ec2SizingInput>) => ec2Sizing({ ...base, ...over });

const valid: Record<string, string> = { environment: "staging", domain: "app.example.com", hostedZoneId: "Z0123456789ABC", compute: "ec2" };
const load = (over: Record<string, string | undefined>, stack = "staging") => {
  const m = { ...valid, ...over };
  return loadConfig((k) => m[k], "us-east-1", stack);
};

describe("infra/ec2-sizing", () => {
  describe("the instance-type table", () => {
    it("is dated and sourced, with unique names and plausible rows", () => {
      const t = loadReference<InstanceType>(INSTANCE_TYPES_TABLE);
      assert.match(t.asOf, /^\d{4}-\d{2}-\d{2}$/);
      assert.match(t.source, /describe-instance-types/);
      const names = t.rows.map((r) => r.name);
      assert.strictEqual(new Set(names).size, names.length, "unique names");
      for (const r of t.rows) {
        assert.match(r.name, /^[a-z][a-z0-9]*\.[a-z0-9]+$/, r.name);
        assert.ok(["x86_64", "arm64"].includes(r.architecture), r.name);
        assert.ok(r.vcpu >= 2 && r.memoryMib >= 1024 && r.maxEnis >= 2, r.name);
        assert.strictEqual(r.trunking, r.trunkBranchEnis > 0, `${r.name}: trunkBranchEnis > 0 exactly when trunking is supported`);
        if (r.trunking) assert.ok(r.trunkBranchEnis > r.maxEnis - 1, `${r.name}: trunking raises the task limit`);
      }
      for (const family of ["t3", "t4g", "m6i", "m7g", "c6i", "c7g", "r6i"]) {
        assert.ok(
          names.some((n) => n.startsWith(`${family}.`)),
          family,
        );
      }
      assert.ok(!t.rows.some((r) => /^t(3|4g)\./.test(r.name) && r.trunking), "burstable types do not support ENI trunking");
    });

    it("holds the defaults for both architectures", () => {
      for (const [arch, name] of Object.entries(DEFAULT_INSTANCE_TYPE)) {
        assert.strictEqual(instanceTypes().find((t) => t.name === name)?.architecture, arch);
      }
    });
  });

  describe("tasks per instance", () => {
    it("without trunking, awsvpc ENIs limit a t3.small to 2 tasks however small they are", () => {
      const s = size({ instanceType: "t3.small", taskCpu: 256, taskMemoryMib: 512 });
      assert.strictEqual(s.taskEnis, 2);
      assert.strictEqual(s.tasksPerInstance, 2);
      assert.strictEqual(s.limitedBy, "network interfaces");
    });

    it("with trunking, the branch-ENI limit applies and CPU/memory limit instead", () => {
      const off = size({ instanceType: "m6i.xlarge", taskCpu: 256, taskMemoryMib: 512 });
      const on = size({ instanceType: "m6i.xlarge", taskCpu: 256, taskMemoryMib: 512, eniTrunking: true });
      assert.strictEqual(off.tasksPerInstance, 3);
      assert.strictEqual(on.taskEnis, 20);
      assert.strictEqual(on.tasksPerInstance, 16);
      assert.strictEqual(on.limitedBy, "CPU");
    });

    it("counts memory after the kernel's share and ECS_RESERVED_MEMORY", () => {
      const s = size({ instanceType: "t3.small", taskCpu: 512, taskMemoryMib: 1024 });
      assert.strictEqual(s.allocatableMemoryMib, Math.floor(2048 * 0.94) - 256);
      assert.strictEqual(s.tasksPerInstance, 1);
      assert.strictEqual(s.limitedBy, "memory");
    });

    it("refuses a type that cannot hold one task, naming the keys and bigger types", () => {
      assert.throws(
        () => size({ instanceType: "t3.micro", taskCpu: 512, taskMemoryMib: 1024 }),
        (e: any) =>
          e instanceof Ec2SizingError &&
          /paved:ec2InstanceType=t3\.micro cannot hold one task of paved:taskCpu=512 and paved:taskMemoryMib=1024/.test(e.message) &&
          /Choose a larger paved:ec2InstanceType \(t3\.small/.test(e.message),
      );
      assert.throws(
        () => size({ instanceType: "c6i.large", taskCpu: 4096, taskMemoryMib: 8192 }),
        /c6i\.large cannot hold one task.*2048 CPU units/,
      );
    });

    it("refuses an instance architecture the image cannot run", () => {
      assert.throws(
        () => size({ instanceType: "m6i.large", imagePlatform: "linux/arm64" }),
        /paved:ec2InstanceType=m6i\.large is an x86_64 instance type but paved:imagePlatform=linux\/arm64 builds an arm64 image.*t4g\.micro/,
      );
      assert.strictEqual(size({ imagePlatform: "linux/arm64" }).instanceType.name, "m7g.large");
      assert.strictEqual(size({}).instanceType.name, "m6i.large");
    });

    it("refuses trunking on a type without support", () => {
      assert.throws(
        () => size({ instanceType: "t3.large", eniTrunking: true }),
        /paved:ec2EniTrunking=true, but paved:ec2InstanceType=t3\.large does not support ECS ENI trunking/,
      );
    });
  });

  describe("group size", () => {
    it("derives min from minCapacity and max from twice maxCapacity (a rolling deploy at full scale)", () => {
      assert.strictEqual(DEPLOYMENT_MAXIMUM_PERCENT, 200);
      const s = size({ instanceType: "m6i.large", taskCpu: 1024, taskMemoryMib: 2048, minCapacity: 3, maxCapacity: 12 });
      assert.strictEqual(s.tasksPerInstance, 2);
      assert.strictEqual(s.minInstances, 2);
      assert.strictEqual(s.maxInstances, 12);
      assert.strictEqual(size({ minCapacity: 1 }).minInstances, 1, "staging may run one host");
      assert.strictEqual(size({ minCapacity: 1, tier: "prod", minInstancesFloor: 2 }).minInstances, 2, "prod keeps two");
    });

    it("refuses a maximum with no room for a rolling deploy, naming the keys and the figure", () => {
      assert.throws(
        () => size({ instanceType: "m6i.large", taskCpu: 1024, taskMemoryMib: 2048, maxCapacity: 12, maxInstances: 6 }),
        (e: any) =>
          /Invalid config paved:ec2MaxInstances=6: paved:maxCapacity=12 tasks can double to 24 during a rolling deploy/.test(e.message) &&
          /2 task\(s\) per m6i\.large \(limited by network interfaces: 3 network interfaces, one of them the host's own \(paved:ec2EniTrunking=false\)\)/.test(
            e.message,
          ) &&
          /takes 12 instances/.test(e.message) &&
          /turn on paved:ec2EniTrunking/.test(e.message),
      );
      assert.strictEqual(
        size({ instanceType: "m6i.large", taskCpu: 1024, taskMemoryMib: 2048, maxCapacity: 12, maxInstances: 12 }).maxInstances,
        12,
      );
    });

    it("refuses min above max and a single prod host", () => {
      assert.throws(() => size({ minInstances: 5, maxInstances: 4 }), /paved:ec2MinInstances=5: must be <= paved:ec2MaxInstances \(4\)/);
      assert.throws(
        () => size({ minInstances: 1, tier: "prod", minInstancesFloor: 2 }),
        /paved:ec2MinInstances=1: prod keeps at least 2 instances/,
      );
    });
  });

  describe("paved: keys in loadConfig", () => {
    it("compute defaults to fargate and accepts only fargate or ec2", () => {
      assert.strictEqual(load({ compute: undefined }).compute, "fargate");
      assert.throws(() => load({ compute: "lambda" }), /paved:compute="lambda".*one of: fargate, ec2/);
    });

    it("refuses an instance type outside the table, listing the table", () => {
      assert.throws(
        () => load({ ec2InstanceType: "x1.huge" }),
        (e: any) =>
          e instanceof ConfigError &&
          /paved:ec2InstanceType="x1\.huge"/.test(e.message) &&
          /ec2-instance-types\.json: t3\.micro, t3\.small/.test(e.message),
      );
    });

    it("checks sizing only in ec2 mode, as a ConfigError naming the stack file", () => {
      assert.strictEqual(load({ compute: "fargate", ec2InstanceType: "t3.micro" }).compute, "fargate");
      assert.throws(
        () => load({ ec2InstanceType: "t3.micro" }, "qa"),
        (e: any) => e instanceof ConfigError && /cannot hold one task/.test(e.message) && /Pulumi\.qa\.yaml/.test(e.message),
      );
    });

    it("prod refuses ec2TerminationProtection=false; staging may turn it off", () => {
      const prod = {
        environment: "prod",
        dbMultiAz: "true",
        dbDeletionProtection: "true",
        albDeletionProtection: "true",
        minCapacity: "2",
        alarmEmail: "oncall@acme.io",
      };
      assert.strictEqual(load(prod, "prod").ec2TerminationProtection, true);
      assert.throws(
        () => load({ ...prod, ec2TerminationProtection: "false" }, "prod"),
        /paved:ec2TerminationProtection=false: must be true when paved:environment=prod/,
      );
      assert.strictEqual(load({ ec2TerminationProtection: "false" }).ec2TerminationProtection, false);
      assert.doesNotThrow(
        () => load({ ...prod, compute: "fargate", ec2TerminationProtection: "false" }, "prod"),
        "only checked in ec2 mode",
      );
    });
  });
});
