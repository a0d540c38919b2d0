/**
 * Customer-managed KMS keys, one per data domain, so each IAM role can be granted
 * exactly the key of the data it needs (the task role gets the attachments key and
 * nothing else; the execution role gets the secrets key and nothing else).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, withDefaults, type Transform } from "./transform";
import { Naming } from "./naming";
import { accountInfo, policyJson } from "../tags";

export const KEY_PURPOSES = ["logs", "database", "secrets", "storage", "image"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export interface KeysArgs {
  /**
   * Prefix of the keys' descriptions and aliases (`alias/<name>/<purpose>`).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the logs key's policy names CloudWatch Logs' regional service principal (`logs.<region>.amazonaws.com`). */
  region: string;
  /**
   * Days before a scheduled key deletion completes (7-30): a key deleted by mistake can be restored for a month.
   * @default 30
   */
  deletionWindowDays?: number;
  /**
   * Tags applied to every key.
   * @default {}
   */
  tags?: Record<string, string>;
  /**
   * `perPurpose`: one key per purpose (least privilege per role, five keys). `perDataClass`: two keys,
   * `logs` (logs and the alarm topic) and `data` (database, secrets, attachments, images) — $3/month
   * less, but a role granted one data key can decrypt every data class's ciphertext it can read.
   * Switching an existing stack replaces the resources whose key cannot change in place (RDS
   * instance, ECR repository). @default "perPurpose"
   */
  layout?: "perPurpose" | "perDataClass";
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    key?: Transform<aws.kms.KeyArgs>;
    alias?: Transform<aws.kms.AliasArgs>;
  };
}

/** Which key each purpose uses in the perDataClass layout. */
export const DATA_CLASS_OF: Record<KeyPurpose, "logs" | "data"> = {
  logs: "logs",
  database: "data",
  secrets: "data",
  storage: "data",
  image: "data",
};

export class Keys extends pulumi.ComponentResource {
  /** Every purpose's key (in the perDataClass layout several purposes share one). */
  public readonly keys: Record<KeyPurpose, aws.kms.Key>;
  /** CloudWatch Logs groups and the alarm topic. */
  public readonly logs!: aws.kms.Key;
  /** RDS storage and Performance Insights. */
  public readonly database!: aws.kms.Key;
  /** Secrets Manager secrets (RDS master user, app secrets). */
  public readonly secrets!: aws.kms.Key;
  /** The S3 attachments bucket. */
  public readonly storage!: aws.kms.Key;
  /** The ECR repository. */
  public readonly image!: aws.kms.Key;

  constructor(name: string, input: KeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Keys", name, {}, opts);
    const args = withDefaults(input, { name: input.name ?? new Naming().prefix, deletionWindowDays: 30, tags: {} });
    const t = args.transform ?? {};
    const { accountId, partition } = accountInfo(this);
    const root = {
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    };
    const description: Record<KeyPurpose, string> = {
      logs: "CloudWatch Logs groups and the alarm SNS topic",
      database: "RDS storage and Performance Insights",
      secrets: "Secrets Manager secrets (RDS master user, app secrets)",
      storage: "S3 attachments bucket",
      image: "ECR repository",
    };
    const extra: Partial<Record<KeyPurpose, any[]>> = {
      logs: [
        {
          Sid: "CloudWatchLogsUseTheKey",
          Effect: "Allow",
          Principal: { Service: `logs.${args.region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition}:logs:${args.region}:${accountId}:log-group:*`,
            },
          },
        },
        {
          // CloudWatch alarms publish to the KMS-encrypted SNS topic.
          Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
        },
      ],
    };
    const keys = {} as Record<KeyPurpose, aws.kms.Key>;
    if (args.layout === "perDataClass") {
      // Same resource name and policy for the logs key as in perPurpose, so switching keeps it.
      const classes: Record<"logs" | "data", KeyPurpose[]> = { logs: ["logs"], data: ["database", "secrets", "storage", "image"] };
      for (const [cls, purposes] of Object.entries(classes) as ["logs" | "data", KeyPurpose[]][]) {
        const key = child(
          t.key,
          aws.kms.Key,
          `${name}-${cls}`,
          {
            description: `${args.name}: ${purposes.map((x) => description[x]).join("; ")}`,
            enableKeyRotation: true,
            deletionWindowInDays: args.deletionWindowDays,
            policy: policyJson({ Version: "2012-10-17", Statement: [root, ...purposes.flatMap((x) => extra[x] ?? [])] }),
            tags: { ...args.tags, purpose: cls === "logs" ? "logs" : "data" },
          },
          { parent: this },
        );
        child(t.alias, aws.kms.Alias, `${name}-${cls}`, { name: `alias/${args.name}/${cls}`, targetKeyId: key.keyId }, { parent: this });
        for (const x of purposes) keys[x] = key;
      }
      this.keys = keys;
      Object.assign(this, keys);
      this.registerOutputs({});
      return;
    }
    for (const purpose of KEY_PURPOSES) {
      const key = child(
        t.key,
        aws.kms.Key,
        `${name}-${purpose}`,
        {
          description: `${args.name}: ${description[purpose]}`,
          enableKeyRotation: true,
          deletionWindowInDays: args.deletionWindowDays,
          policy: policyJson({ Version: "2012-10-17", Statement: [root, ...(extra[purpose] ?? [])] }),
          tags: { ...args.tags, purpose },
        },
        { parent: this },
      );
      child(
        t.alias,
        aws.kms.Alias,
        `${name}-${purpose}`,
        { name: `alias/${args.name}/${purpose}`, targetKeyId: key.keyId },
        { parent: this },
      );
      keys[purpose] = key;
    }
    this.keys = keys;
    Object.assign(this, keys);
    this.registerOutputs({});
  }
}
