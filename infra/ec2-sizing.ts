/**
 * EC2 capacity sizing for `paved:compute=ec2`, checked offline against the dated instance-type
 * table (infra/reference/ec2-instance-types.json) before any resource is built.
 *
 * With awsvpc networking every task takes an elastic network interface (ENI) of its host, so an
 * instance holds at most as many tasks as it has spare ENIs (its primary ENI belongs to the host):
 * a t3.small (3 ENIs) runs 2 tasks, however small they are. ENI trunking (the account setting
 * `awsvpcTrunking`, paved:ec2EniTrunking) raises that to the instance type's branch-ENI limit on the
 * families that support it. The tasks an instance holds is the smallest of its CPU, memory and ENI
 * limits; the Auto Scaling group must be able to grow to twice paved:maxCapacity tasks, because a
 * rolling deploy (deploymentMaximumPercent 200) starts every new task before it stops an old one.
 */
import { loadReference } from "./reference";

export type Architecture = "x86_64" | "arm64";

/** One row of infra/reference/ec2-instance-types.json. */
export interface InstanceType {
  name: string;
  architecture: Architecture;
  vcpu: number;
  /** Nominal memory (MiB). */
  memoryMib: number;
  /** Network interfaces the instance can attach, its own primary ENI included. */
  maxEnis: number;
  /** Whether ECS ENI trunking supports the type. */
  trunking: boolean;
  /** ECS task limit with trunking on (0 without support). */
  trunkBranchEnis: number;
}

export const INSTANCE_TYPES_TABLE = "ec2-instance-types";

let cached: InstanceType[] | undefined;
/** The instance types of the dated table (read once per process). */
export function instanceTypes(): InstanceType[] {
  if (!cached) cached = loadReference<InstanceType>(INSTANCE_TYPES_TABLE).rows;
  return cached;
}

/** The type used when paved:ec2InstanceType is empty, per image architecture. */
export const DEFAULT_INSTANCE_TYPE: Record<Architecture, string> = { x86_64: "m6i.large", arm64: "m7g.large" };

/**
 * Memory the ECS agent keeps back on every host (ECS_RESERVED_MEMORY in the agent config): the
 * Docker daemon, the ECS agent and the SSM agent run outside any task.
 */
export const ECS_RESERVED_MEMORY_MIB = 256;
/**
 * The kernel and firmware take a share of nominal memory before the agent registers what is left
 * (an 8 GiB m6i.large registers about 7.6 GiB); 6 % is the conservative figure used here.
 */
export const KERNEL_RESERVED_PERCENT = 6;
/** Service deploymentMaximumPercent (infra/components/service.ts): a rolling deploy runs up to twice the tasks. */
export const DEPLOYMENT_MAXIMUM_PERCENT = 200;

export interface Ec2SizingInput {
  /** paved:ec2InstanceType ("" = DEFAULT_INSTANCE_TYPE for the architecture). */
  instanceType: string;
  /** paved:imagePlatform. */
  imagePlatform: string;
  taskCpu: number;
  taskMemoryMib: number;
  minCapacity: number;
  maxCapacity: number;
  /** paved:ec2MinInstances (0 = derived). */
  minInstances: number;
  /** paved:ec2MaxInstances (0 = derived). */
  maxInstances: number;
  /** paved:ec2EniTrunking. */
  eniTrunking: boolean;
  /** The tier (infra/tiers.ts), for messages. */
  tier: string;
  /** The tier's floor of hosts (infra/tiers.ts floors.ec2MinInstances): at least 2 in prod, one per AZ. */
  minInstancesFloor: number;
}

export interface Ec2Sizing {
  instanceType: InstanceType;
  /** CPU units the agent registers (1024 per vCPU). */
  allocatableCpu: number;
  /** Memory the agent registers and tasks may reserve (MiB). */
  allocatableMemoryMib: number;
  /** ENIs available to tasks (branch ENIs with trunking, maxEnis - 1 without). */
  taskEnis: number;
  /** Tasks one instance holds. */
  tasksPerInstance: number;
  /** What limits tasksPerInstance. */
  limitedBy: "CPU" | "memory" | "network interfaces";
  /** Auto Scaling group minimum and maximum size. */
  minInstances: number;
  maxInstances: number;
}

/** Thrown for sizing that cannot work; the message names the paved: keys to change. */
export class Ec2SizingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Ec2SizingError";
  }
}

export function architectureOf(imagePlatform: string): Architecture {
  return imagePlatform === "linux/arm64" ? "arm64" : "x86_64";
}

/** Known instance type names, grouped for messages ("t3.micro, t3.small, …"). */
export function instanceTypeNames(arch?: Architecture): string[] {
  return instanceTypes()
    .filter((t) => !arch || t.architecture === arch)
    .map((t) => t.name);
}

/** Check for the paved:ec2InstanceType key alone ("" or a row of the table). */
export function checkInstanceTypeName(v: string): string | undefined {
  if (v === "" || instanceTypes().some((t) => t.name === v)) return undefined;
  return `must be empty (${DEFAULT_INSTANCE_TYPE.x86_64} for linux/amd64, ${DEFAULT_INSTANCE_TYPE.arm64} for linux/arm64) or one of the instance types in infra/reference/${INSTANCE_TYPES_TABLE}.json: ${instanceTypeNames().join(", ")}`;
}

/** Resolves and checks the EC2 capacity for a task size and scaling range. */
export function ec2Sizing(i: Ec2SizingInput): Ec2Sizing {
  const arch = architectureOf(i.imagePlatform);
  const name = i.instanceType || DEFAULT_INSTANCE_TYPE[arch];
  const type = instanceTypes().find((t) => t.name === name);
  const fail = (msg: string): never => {
    throw new Ec2SizingError(msg);
  };
  if (!type) return fail(`Invalid config paved:ec2InstanceType=${JSON.stringify(name)}: ${checkInstanceTypeName(name)}.`);
  const typeKey = i.instanceType ? `paved:ec2InstanceType=${name}` : `paved:ec2InstanceType (empty: ${name})`;

  if (type.architecture !== arch) {
    fail(
      `${typeKey} is an ${type.architecture} instance type but paved:imagePlatform=${i.imagePlatform} builds an ${arch} image, which it cannot run. Choose an ${arch} type (${instanceTypeNames(arch).join(", ")}) or change paved:imagePlatform.`,
    );
  }
  if (i.eniTrunking && !type.trunking) {
    fail(
      `paved:ec2EniTrunking=true, but ${typeKey} does not support ECS ENI trunking (burstable t3/t4g types never do). Choose a type that does (${instanceTypes()
        .filter((t) => t.trunking && t.architecture === arch)
        .map((t) => t.name)
        .join(", ")}) or set paved:ec2EniTrunking=false.`,
    );
  }

  const allocatableCpu = type.vcpu * 1024;
  const allocatableMemoryMib = Math.floor((type.memoryMib * (100 - KERNEL_RESERVED_PERCENT)) / 100) - ECS_RESERVED_MEMORY_MIB;
  const taskEnis = i.eniTrunking ? type.trunkBranchEnis : type.maxEnis - 1;
  const byCpu = Math.floor(allocatableCpu / i.taskCpu);
  const byMemory = Math.floor(allocatableMemoryMib / i.taskMemoryMib);
  const tasksPerInstance = Math.min(byCpu, byMemory, taskEnis);
  const limitedBy = tasksPerInstance === taskEnis ? "network interfaces" : tasksPerInstance === byMemory ? "memory" : "CPU";
  const capacityText = `${allocatableCpu} CPU units and ${allocatableMemoryMib} MiB for tasks (${type.memoryMib} MiB less ${KERNEL_RESERVED_PERCENT}% for the kernel and the ${ECS_RESERVED_MEMORY_MIB} MiB ECS_RESERVED_MEMORY for the agents)`;
  if (byCpu < 1 || byMemory < 1) {
    const bigger = instanceTypes()
      .filter(
        (t) =>
          t.architecture === arch &&
          t.vcpu * 1024 >= i.taskCpu &&
          Math.floor((t.memoryMib * (100 - KERNEL_RESERVED_PERCENT)) / 100) - ECS_RESERVED_MEMORY_MIB >= i.taskMemoryMib,
      )
      .map((t) => t.name);
    fail(
      `${typeKey} cannot hold one task of paved:taskCpu=${i.taskCpu} and paved:taskMemoryMib=${i.taskMemoryMib}: it offers ${capacityText}. Choose a larger paved:ec2InstanceType (${bigger.slice(0, 6).join(", ") || "none in the table"}) or a smaller task.`,
    );
  }

  const eniText = i.eniTrunking
    ? `${type.trunkBranchEnis} trunk branch ENIs (paved:ec2EniTrunking=true)`
    : `${type.maxEnis} network interfaces, one of them the host's own (paved:ec2EniTrunking=false)`;
  const perInstanceText = `${tasksPerInstance} task(s) per ${name} (limited by ${limitedBy}: ${limitedBy === "network interfaces" ? eniText : capacityText})`;
  const peak = Math.ceil((i.maxCapacity * DEPLOYMENT_MAXIMUM_PERCENT) / 100);
  const neededMax = Math.ceil(peak / tasksPerInstance);
  const floorMin = i.minInstancesFloor;
  const minInstances = i.minInstances || Math.max(Math.ceil(i.minCapacity / tasksPerInstance), floorMin);
  const maxInstances = i.maxInstances || Math.max(neededMax, minInstances);

  if (i.maxInstances && i.maxInstances < neededMax) {
    fail(
      `Invalid config paved:ec2MaxInstances=${i.maxInstances}: paved:maxCapacity=${i.maxCapacity} tasks can double to ${peak} during a rolling deploy (deploymentMaximumPercent ${DEPLOYMENT_MAXIMUM_PERCENT}), and at ${perInstanceText} that takes ${neededMax} instances. Set paved:ec2MaxInstances to at least ${neededMax} (or 0 to derive it), choose a larger paved:ec2InstanceType${type.trunking && !i.eniTrunking ? ", turn on paved:ec2EniTrunking" : ""}, or lower paved:maxCapacity.`,
    );
  }
  if (i.minInstances && i.minInstances < floorMin) {
    fail(
      `Invalid config paved:ec2MinInstances=${i.minInstances}: ${i.tier} keeps at least ${floorMin} instances (in different AZs), so one lost host never stops every task. Set it to ${floorMin} or more (or 0 to derive it).`,
    );
  }
  if (minInstances > maxInstances) {
    fail(`Invalid config paved:ec2MinInstances=${minInstances}: must be <= paved:ec2MaxInstances (${maxInstances}).`);
  }
  return { instanceType: type, allocatableCpu, allocatableMemoryMib, taskEnis, tasksPerInstance, limitedBy, minInstances, maxInstances };
}
