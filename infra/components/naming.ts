/**
 * The one naming helper: AWS physical names are `<project>-<stack>[-<suffix>]`, from the Pulumi
 * project and stack names (never a literal), and each is checked against the AWS limit of the
 * name it becomes, so a name AWS would refuse half-way through `pulumi up` fails the plan instead.
 */
import * as pulumi from "@pulumi/pulumi";

/** AWS name-length limits (characters) of the names the program sets. */
export const AWS_NAME_LIMITS = {
  /** Application Load Balancer and target group names. */
  alb: 32,
  targetGroup: 32,
  /** RDS instance identifiers, DB subnet and parameter group names. */
  rdsIdentifier: 63,
  rdsParameterGroup: 255,
  /** S3 `bucketPrefix` (the provider appends 26 characters to reach S3's 63). */
  s3BucketPrefix: 37,
  /** ECR repository names. */
  ecrRepository: 256,
  /** ECS cluster, service and task definition family names. */
  ecs: 255,
  /** IAM role names and name prefixes (38 for a prefix). */
  iamRole: 64,
  iamRolePrefix: 38,
  /** CloudWatch alarm and dashboard names. */
  alarm: 255,
  dashboard: 255,
  /** CloudWatch log group names. */
  logGroup: 512,
  /** KMS alias names (`alias/...`). */
  kmsAlias: 256,
  /** Secrets Manager secret name prefixes. */
  secret: 512,
  /** SNS topic names. */
  snsTopic: 256,
  /** Auto Scaling group and launch template names. */
  autoScalingGroup: 255,
  launchTemplate: 128,
  /** Application Auto Scaling policy names. */
  scalingPolicy: 256,
} as const;

export type NameKind = keyof typeof AWS_NAME_LIMITS;

/** Thrown for a name AWS would refuse; the message names it, its length and the limit. */
export class NameTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NameTooLongError";
  }
}

export class Naming {
  /** `<project>-<stack>`: the prefix every physical name starts with. */
  public readonly prefix: string;

  constructor(
    public readonly project: string = pulumi.getProject(),
    public readonly stack: string = pulumi.getStack(),
  ) {
    this.prefix = `${project}-${stack}`;
  }

  /**
   * `<prefix>[-<suffix>]`, refused when longer than AWS allows for `kind`
   * (e.g. `naming.name("alb", "alb")` → `paved-staging-alb`, at most 32 characters).
   */
  name(kind: NameKind, suffix?: string): string {
    return checkName(kind, suffix ? `${this.prefix}-${suffix}` : this.prefix);
  }
}

/** `name` unchanged when it fits AWS's limit for `kind`; a NameTooLongError otherwise. */
export function checkName(kind: NameKind, name: string): string {
  const limit = AWS_NAME_LIMITS[kind];
  if (name.length > limit) {
    throw new NameTooLongError(
      `AWS name too long: ${JSON.stringify(name)} is ${name.length} characters; AWS allows at most ${limit} for this name (${kind}). Use a shorter stack name (pulumi stack init <shorter>) or project name.`,
    );
  }
  return name;
}
