/**
 * S3 buckets. With @pulumi/aws v7 every bucket setting is its own resource, so one
 * helper (SecureBucket) creates a bucket together with all of them — public access
 * fully blocked, default encryption, versioning, object ownership enforced (ACLs
 * disabled), a TLS-only policy and lifecycle rules — and no bucket can be created
 * without them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { child, type Transform } from "./transform";
import { checkName, Naming } from "./naming";
import { accountInfo, policyJson } from "../tags";

export interface SecureBucketArgs {
  /** Bucket name prefix (AWS appends a unique suffix). */
  bucketPrefix: string;
  /** KMS key for SSE-KMS; omit for SSE-S3 (required by ALB access-log delivery). @default undefined (SSE-S3) */
  kmsKey?: aws.kms.Key;
  /** Days after which noncurrent object versions are deleted. */
  noncurrentVersionDays: number;
  /** Days after which current objects expire (logs); omit to keep objects. @default undefined (kept) */
  expireDays?: number;
  /** Extra bucket-policy statements (e.g. log delivery); built with the bucket ARN. @default none (TLS-only deny alone) */
  extraStatements?: (bucketArn: pulumi.Output<string>) => any[];
  /** Refuse `pulumi destroy` of the bucket (prod data). */
  protect: boolean;
  /** Let `pulumi destroy` delete the bucket with all its object versions (throw-away stacks). */
  forceDestroy: boolean;
  /** Tags applied to the bucket. */
  tags: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    bucket?: Transform<aws.s3.BucketArgs>;
    publicAccessBlock?: Transform<aws.s3.BucketPublicAccessBlockArgs>;
    encryption?: Transform<aws.s3.BucketServerSideEncryptionConfigurationArgs>;
    versioning?: Transform<aws.s3.BucketVersioningArgs>;
    lifecycle?: Transform<aws.s3.BucketLifecycleConfigurationArgs>;
    policy?: Transform<aws.s3.BucketPolicyArgs>;
  };
}

export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  /** The bucket policy; resources that need it in place depend on it. */
  public readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:SecureBucket", name, {}, opts);
    const t = args.transform ?? {};
    const p = { parent: this };
    this.bucket = child(
      t.bucket,
      aws.s3.Bucket,
      name,
      { bucketPrefix: args.bucketPrefix, forceDestroy: args.forceDestroy, tags: args.tags },
      { parent: this, protect: args.protect },
    );
    const bucket = this.bucket.id;
    const pab = child(
      t.publicAccessBlock,
      aws.s3.BucketPublicAccessBlock,
      name,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      p,
    );
    new aws.s3.BucketOwnershipControls(name, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, p);
    child(
      t.encryption,
      aws.s3.BucketServerSideEncryptionConfiguration,
      name,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: args.kmsKey
              ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKey.arn }
              : { sseAlgorithm: "AES256" },
            bucketKeyEnabled: !!args.kmsKey,
          },
        ],
      },
      p,
    );
    const versioning = child(t.versioning, aws.s3.BucketVersioning, name, { bucket, versioningConfiguration: { status: "Enabled" } }, p);
    child(
      t.lifecycle,
      aws.s3.BucketLifecycleConfiguration,
      name,
      {
        bucket,
        rules: [
          {
            id: "noncurrent-and-incomplete",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            ...(args.expireDays ? { expiration: { days: args.expireDays } } : {}),
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );
    const arn = this.bucket.arn;
    this.policy = child(
      t.policy,
      aws.s3.BucketPolicy,
      name,
      {
        bucket,
        policy: policyJson({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, pulumi.interpolate`${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            ...(args.extraStatements?.(arn) ?? []),
          ],
        }),
      },
      { parent: this, dependsOn: [pab] },
    );
    this.registerOutputs({ bucket: this.bucket.bucket });
  }
}

/**
 * Regions with a regional Elastic Load Balancing log-delivery account (those available before
 * August 2022, per the ALB access-log documentation).
 */
export const ELB_ACCOUNT_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-west-1",
  "us-gov-east-1",
  "cn-north-1",
  "cn-northwest-1",
]);

export interface StorageArgs {
  /**
   * Prefix of the bucket names (`<name>-attachments-…`, `<name>-alb-logs-…`).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** AWS region: decides how ALB access logs are delivered (regional ELB account or service principal). */
  region: string;
  /** KMS key for the attachments bucket (the task role gets only this key). */
  kmsKey: aws.kms.Key;
  /**
   * Days before noncurrent attachment versions expire: a month to undo an overwrite or delete.
   * @default 30
   */
  noncurrentVersionDays?: number;
  /**
   * Days ALB access logs are kept: a quarter of request history for incident review.
   * @default 90
   */
  accessLogRetentionDays?: number;
  /**
   * Prefix under which the ALB writes access logs (the bucket policy allows only that prefix).
   * @default "alb"
   */
  accessLogPrefix?: string;
  /**
   * Pulumi `protect` on the attachments bucket: user data is never deleted by a stray destroy.
   * @default true
   */
  protect?: boolean;
  /**
   * Let `pulumi destroy` delete both buckets with their contents (throw-away stacks only).
   * @default false
   */
  forceDestroy?: boolean;
  /**
   * Tags applied to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch for each bucket's children (infra/components/transform.ts). */
  transform?: {
    attachments?: SecureBucketArgs["transform"];
    accessLogs?: SecureBucketArgs["transform"];
  };
}

export class Storage extends pulumi.ComponentResource {
  public readonly attachments: SecureBucket;
  public readonly accessLogs: SecureBucket;
  /** The attachments bucket's name and ARN (the app's only bucket). */
  public readonly attachmentsBucketName: pulumi.Output<string>;
  public readonly attachmentsBucketArn: pulumi.Output<string>;
  /** The ALB access-log bucket's name. */
  public readonly accessLogBucketName: pulumi.Output<string>;
  /** What log delivery needs before an ALB can write there (the bucket policy). */
  public readonly accessLogDelivery: pulumi.Resource[];

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Storage", name, {}, opts);
    const { accountId } = accountInfo(this);
    const prefix = args.name ?? new Naming().prefix;
    const tags = args.tags ?? {};
    const accessLogPrefix = args.accessLogPrefix ?? "alb";
    const forceDestroy = args.forceDestroy ?? false;
    // Regions launched before August 2022 deliver ALB access logs from a regional ELB account;
    // later ones only through the log-delivery service principal, and for those regions the
    // aws.elb.getServiceAccount data source has no account and fails the whole preview. So the
    // data source is asked only where an ELB account exists; the service principal is always allowed.
    const principal: Record<string, pulumi.Input<string>> = { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
    if (ELB_ACCOUNT_REGIONS.has(args.region)) principal.AWS = aws.elb.getServiceAccountOutput({}, { parent: this }).arn;
    this.attachments = new SecureBucket(
      `${name}-attachments`,
      {
        bucketPrefix: checkName("s3BucketPrefix", `${prefix}-attachments-`),
        kmsKey: args.kmsKey,
        noncurrentVersionDays: args.noncurrentVersionDays ?? 30,
        protect: args.protect ?? true,
        forceDestroy,
        tags: { ...tags, purpose: "attachments" },
        transform: args.transform?.attachments,
      },
      { parent: this },
    );
    // ALB access-log delivery supports SSE-S3 only, hence no kmsKey here.
    this.accessLogs = new SecureBucket(
      `${name}-alb-logs`,
      {
        bucketPrefix: checkName("s3BucketPrefix", `${prefix}-alb-logs-`),
        noncurrentVersionDays: 7,
        expireDays: args.accessLogRetentionDays ?? 90,
        protect: false,
        forceDestroy,
        transform: args.transform?.accessLogs,
        tags: { ...tags, purpose: "alb-access-logs" },
        extraStatements: (arn) => [
          {
            Sid: "AllowAlbLogDelivery",
            Effect: "Allow",
            Principal: principal,
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${arn}/${accessLogPrefix}/AWSLogs/${accountId}/*`,
          },
        ],
      },
      { parent: this },
    );
    this.attachmentsBucketName = this.attachments.bucket.bucket;
    this.attachmentsBucketArn = this.attachments.bucket.arn;
    this.accessLogBucketName = this.accessLogs.bucket.bucket;
    this.accessLogDelivery = [this.accessLogs.policy];
    this.registerOutputs({ attachmentsBucket: this.attachments.bucket.bucket });
  }
}
