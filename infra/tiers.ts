/**
 * The tier profile: every difference between a staging and a prod stack, and every named
 * relaxation a tier allows, in one place. `paved:environment` selects the tier; infra/config.ts
 * holds the stack's config to the tier's floors and requirements (a prod requirement is a
 * refusal naming the key), and infra/index.ts reads the tier's own settings (protect, deletion
 * windows) from here.
 *
 * The policy pack stays standalone (it imports nothing from infra/), so policy/config/<stack>.json
 * repeats the pack-side numbers; test/infra/tiers.test.ts holds them equal to `floors` and `pack`
 * below (a pack that allows 7-day backups while the program refuses anything under 30 fails it).
 */
import type { ConfigKey } from "./config";

export type TierName = "staging" | "prod";

/** A config value the tier refuses to relax: the key must have `value`. */
export interface TierRequirement {
  key: ConfigKey;
  value: boolean | string;
  /** Why, in the refusal's words. */
  why: string;
  /** Checked only when this other key has this value (e.g. compute=ec2 for the EC2 hosts' settings). */
  onlyWith?: { key: ConfigKey; value: string };
}

export interface TierProfile {
  name: TierName;
  /**
   * Pulumi `protect` on the stateful resources (KMS keys, the database, the attachments bucket,
   * the EC2 hosts' volume key): `pulumi destroy` and a replacement stop at them.
   */
  protect: boolean;
  /** KMS key deletion window (days, 7-30): how long a scheduled key deletion can still be cancelled. */
  kmsDeletionWindowDays: number;
  /** Secrets Manager recovery window (days, 7-30) of the app's own secrets. */
  secretRecoveryWindowDays: number;
  /** Lowest values config may set (a lower value is refused, naming the key and the floor). */
  floors: {
    /** RDS automated backups (days). */
    dbBackupRetentionDays: number;
    /** CloudWatch log groups (days). */
    logRetentionDays: number;
    /** HSTS max-age the HTTPS listener sends (s). */
    hstsMaxAgeSeconds: number;
    /** Autoscaling minimum (tasks): at least one per AZ in prod. */
    minCapacity: number;
    /** compute=ec2: hosts in the Auto Scaling group, whatever the tasks need. */
    ec2MinInstances: number;
  };
  /** Defaults of this tier for keys the stack file leaves unset (otherwise CONFIG_KEYS' defaults). */
  defaults: Partial<Record<ConfigKey, boolean | number | string>>;
  /** Relaxations this tier refuses: each key must keep the secure value. */
  requires: TierRequirement[];
  /** The alarm topic must have a subscriber (paved:alarmEmail or paved:alarmHttpsEndpoint). */
  alarmSubscriberRequired: boolean;
  /** What the policy pack's config for a stack of this tier holds (policy/config/<stack>.json). */
  pack: {
    /** Every policy mandatory unless listed in `advisory`. */
    allMandatory: boolean;
    /** Policies that only warn: each the pack-side face of a relaxation this tier allows. */
    advisory: string[];
    /** paved-monthly-estimate's budget (USD/month). */
    monthlyBudgetUsd: number;
    /** paved-exemptions-not-expired: the longest an exemption may run (days). */
    maxExemptionDays: number;
  };
}

const ENV = "paved:environment=prod";

export const TIERS: Record<TierName, TierProfile> = {
  staging: {
    name: "staging",
    // Throw-away stacks: destroy and replace without unprotecting first.
    protect: false,
    // AWS's shortest windows: a torn-down staging stack frees its keys and secret names within a week.
    kmsDeletionWindowDays: 7,
    secretRecoveryWindowDays: 7,
    floors: { dbBackupRetentionDays: 30, logRetentionDays: 30, hstsMaxAgeSeconds: 31536000, minCapacity: 1, ec2MinInstances: 1 },
    // Named relaxations staging may take (each a paved: key with its own comment in Pulumi.staging.yaml):
    // dbMultiAz=false, dbDeletionProtection=false, dbSkipFinalSnapshot=true, destroyWithContents=true,
    // albDeletionProtection=false, natMode=instance, ec2TerminationProtection=false, minCapacity=1.
    defaults: {},
    requires: [],
    alarmSubscriberRequired: false,
    pack: {
      allMandatory: false,
      // The pack-side faces of the relaxations above: reported, not blocking.
      advisory: [
        "paved-rds-multi-az",
        "paved-rds-cluster-multi-az",
        "paved-rds-deletion-protection",
        "paved-rds-final-snapshot",
        "paved-alb-deletion-protection",
        "paved-alb-access-logs",
      ],
      monthlyBudgetUsd: 75,
      maxExemptionDays: 180,
    },
  },
  prod: {
    name: "prod",
    protect: true,
    // AWS's longest windows: a key or secret deleted by mistake can be restored for a month.
    kmsDeletionWindowDays: 30,
    secretRecoveryWindowDays: 30,
    floors: { dbBackupRetentionDays: 30, logRetentionDays: 365, hstsMaxAgeSeconds: 31536000, minCapacity: 2, ec2MinInstances: 2 },
    // A prod stack file that leaves these out gets the secure value, not the refusal.
    defaults: { dbMultiAz: true, dbDeletionProtection: true, albDeletionProtection: true, logRetentionDays: 365 },
    requires: [
      { key: "dbMultiAz", value: true, why: `must be true when ${ENV}.` },
      { key: "dbDeletionProtection", value: true, why: `must be true when ${ENV}.` },
      { key: "dbSkipFinalSnapshot", value: false, why: `prod always keeps a final snapshot (${ENV}); allowed: false.` },
      {
        key: "destroyWithContents",
        value: false,
        why: `prod never deletes bucket contents or images on destroy (${ENV}); allowed: false.`,
      },
      { key: "albDeletionProtection", value: true, why: `must be true when ${ENV}.` },
      {
        key: "natMode",
        value: "gateway",
        why: `prod keeps managed NAT gateways (a NAT instance is a single point of failure for egress; ${ENV}); allowed: gateway.`,
      },
      {
        key: "ec2TerminationProtection",
        value: true,
        why: `must be true when ${ENV} (hosts running tasks must never be scaled in).`,
        onlyWith: { key: "compute", value: "ec2" },
      },
    ],
    // Without a subscriber the alarm topic publishes into the void: nobody hears about an outage.
    alarmSubscriberRequired: true,
    pack: {
      allMandatory: true,
      // The report lists exemptions (it never blocks); the estimate is a figure to read, not a gate.
      advisory: ["paved-exemptions-report", "paved-monthly-estimate"],
      monthlyBudgetUsd: 650,
      maxExemptionDays: 90,
    },
  },
};

export const TIER_NAMES = Object.keys(TIERS) as TierName[];

/** The tier of a `paved:environment` value (validated by infra/config.ts to be one of TIER_NAMES). */
export function tierOf(environment: string): TierProfile {
  const t = TIERS[environment as TierName];
  if (!t) throw new Error(`Unknown tier ${JSON.stringify(environment)}: paved:environment must be one of: ${TIER_NAMES.join(", ")}.`);
  return t;
}

/** The lowest floor of a key over every tier: the key's own range starts there. */
export function lowestFloor(key: keyof TierProfile["floors"]): number {
  return Math.min(...TIER_NAMES.map((t) => TIERS[t].floors[key]));
}
