/**
 * Customer-managed KMS keys, one per data domain, so each IAM role can be granted
 * exactly the key of the data it needs (the task role gets the attachments key and
 * nothing else; the execution role gets the secrets key and nothing else).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accountInfo, policyJson } from "./tags";

export const KEY_PURPOSES = ["logs", "database", "secrets", "storage", "image"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export interface KeysArgs {
    /** Resource name prefix, e.g. `paved-staging`. */
    name: string;
    /** AWS region; the CloudWatch Logs service principal is regional. */
    region: string;
    /** Days before a scheduled key deletion completes (7-30). */
    deletionWindowDays: number;
    /** Tags applied to every key. */
    tags: Record<string, string>;
}

export class Keys extends pulumi.ComponentResource {
    public readonly keys: Record<KeyPurpose, aws.kms.Key>;

    constructor(name: string, args: KeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("paved:aws:Keys", name, {}, opts);
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
                    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition}:logs:${args.region}:${accountId}:log-group:*` } },
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
        for (const purpose of KEY_PURPOSES) {
            const key = new aws.kms.Key(`${name}-${purpose}`, {
                description: `${args.name}: ${description[purpose]}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.deletionWindowDays,
                policy: policyJson({ Version: "2012-10-17", Statement: [root, ...(extra[purpose] ?? [])] }),
                tags: { ...args.tags, purpose },
            }, { parent: this });
            new aws.kms.Alias(`${name}-${purpose}`, { name: `alias/${args.name}/${purpose}`, targetKeyId: key.keyId }, { parent: this });
            keys[purpose] = key;
        }
        this.keys = keys;
        this.registerOutputs({});
    }
}
