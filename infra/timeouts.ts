/**
 * Custom timeouts sized from the failure path, not the happy path.
 *
 * The provider's defaults (ECS service 20 min; RDS instance 40/80/60 min create/update/delete)
 * are shorter than what a slow failure really takes, and a Pulumi timeout in the middle of an
 * ECS rollback or an RDS modification leaves the stack's state behind AWS's. Each figure below is
 * arithmetic over the stack's own settings; a test checks the arithmetic and that the program
 * passes it on.
 */
import { HEALTH_CHECK } from "./components/loadbalancer";

/** Seconds ECS takes to place a Fargate task, pull the image and start the containers (generous). */
export const TASK_START_SECONDS = 120;
/** Seconds a stopping task takes: target deregistration delay (30) + container stopTimeout (30). */
export const TASK_STOP_SECONDS = 60;
/** Safety margin over each estimate. */
const MARGIN = 1.1;

/** ECS's circuit-breaker failure threshold for a desired count: 0.5 × desired, clamped to 3..200. */
export function circuitBreakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desired)));
}

export interface EcsTimeoutInputs {
  /** The range autoscaling may leave desiredCount in when a deployment starts. */
  minCapacity: number;
  maxCapacity: number;
  /** The service's health-check grace period (s), migrate step included. */
  gracePeriodSeconds: number;
  /** deploymentMaximumPercent (200: up to desired new tasks start per wave). */
  maximumPercent: number;
}

export interface EcsTimeoutBreakdown {
  desired: number;
  threshold: number;
  tasksPerWave: number;
  waves: number;
  waveSeconds: number;
  rollbackSeconds: number;
  totalSeconds: number;
  minutes: number;
}

/**
 * The slowest failing rollout, worst case over the desired counts autoscaling allows:
 *
 *   one wave      = task start (120 s) + grace period + ALB unhealthy detection
 *                   (unhealthyThreshold 3 × interval 30 s = 90 s) + task stop (60 s)
 *   tasks / wave  = desired × (maximumPercent − 100) / 100, at least 1
 *   waves         = ceil(failure threshold / tasks per wave),  threshold = clamp(0.5 × desired, 3, 200)
 *   rollback      = task start (120 s) + ALB healthy detection (healthyThreshold 2 × 30 s) + task stop (60 s)
 *   timeout       = (waves × one wave + rollback) × 1.1, in whole minutes, never below the 20-minute default
 *
 * Staging (1-3 tasks, grace 60 + 300 s migrate): desired 1 → 3 waves of 120+360+90+60 = 630 s,
 * + 240 s rollback = 2130 s × 1.1 = 2343 s → 40 min (the provider's 20 min default would give up
 * half-way and report a failure while ECS is still rolling back).
 */
export function ecsDeploymentTimeout(i: EcsTimeoutInputs): EcsTimeoutBreakdown {
  let worst: EcsTimeoutBreakdown | undefined;
  for (let desired = Math.max(1, i.minCapacity); desired <= Math.max(i.minCapacity, i.maxCapacity); desired++) {
    const threshold = circuitBreakerThreshold(desired);
    const tasksPerWave = Math.max(1, Math.floor((desired * (i.maximumPercent - 100)) / 100));
    const waves = Math.ceil(threshold / tasksPerWave);
    const waveSeconds =
      TASK_START_SECONDS + i.gracePeriodSeconds + HEALTH_CHECK.unhealthyThreshold * HEALTH_CHECK.interval + TASK_STOP_SECONDS;
    const rollbackSeconds = TASK_START_SECONDS + HEALTH_CHECK.healthyThreshold * HEALTH_CHECK.interval + TASK_STOP_SECONDS;
    const totalSeconds = waves * waveSeconds + rollbackSeconds;
    const minutes = Math.max(20, Math.ceil((totalSeconds * MARGIN) / 60));
    if (!worst || minutes > worst.minutes)
      worst = { desired, threshold, tasksPerWave, waves, waveSeconds, rollbackSeconds, totalSeconds, minutes };
  }
  return worst!;
}

export interface RdsTimeoutInputs {
  multiAz: boolean;
  /** Storage autoscaling ceiling (GiB): the most a final snapshot may have to copy. */
  maxAllocatedStorageGb: number;
}

/**
 * RDS instance timeouts (minutes), never below the provider's defaults (40/80/60):
 *
 *   instances = 2 with Multi-AZ (the standby is built, or modified, after the primary), else 1
 *   create    = 40 min per instance                         → single-AZ 40, Multi-AZ 80
 *   update    = 40 min per instance + 5 min failover        → single-AZ 80 (default), Multi-AZ 85
 *   delete    = 30 min + 5 min per started 100 GiB of the storage ceiling (the final snapshot's
 *               first full copy)                            → 100 GiB: 60 (default), 1000 GiB: 80
 */
export function rdsTimeouts(i: RdsTimeoutInputs): { create: string; update: string; delete: string } {
  const instances = i.multiAz ? 2 : 1;
  const create = Math.max(40, 40 * instances);
  const update = Math.max(80, 40 * instances + 5);
  const del = Math.max(60, 30 + 5 * Math.ceil(i.maxAllocatedStorageGb / 100));
  return { create: `${create}m`, update: `${update}m`, delete: `${del}m` };
}
