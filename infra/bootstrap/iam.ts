/**
 * The IAM documents of the delivery pipeline, as plain functions of the ARNs they name (so tests
 * read exactly what the program deploys).
 *
 *   trust      GitHub's OIDC tokens of ONE repository: pull requests and the deploy branch for
 *              the preview role; the deploy branch (or, for protected stacks, only the GitHub
 *              environment with required reviewers) for a stack's deploy role.
 *   boundary   the ceiling of every role the app program creates: what ECS tasks, RDS monitoring,
 *              flow-log delivery and (compute=ec2) the hosts' ECS and SSM agents need; no IAM at all.
 *   deploy     the services the app program manages, but IAM only for roles that carry the
 *              boundary (the `iam:PermissionsBoundary` condition) and are tagged with the stack;
 *              never removing or changing the boundary.
 *   preview    read-only (the AWS-managed ReadOnlyAccess policy, attached separately) plus the
 *              state bucket, the two keys and ECR pull for build-on-preview, minus object and
 *              parameter reads outside the state bucket.
 */
import * as pulumi from "@pulumi/pulumi";
import { EC2_MESSAGES_ACTIONS, SSM_CHANNEL_ACTIONS } from "../iam-actions";

type S = pulumi.Input<string>;

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

export interface GithubSubjects {
  repository: string;
  /** `sub` values allowed (exact; GitHub's default claim format). */
  subjects: string[];
}

/** `sub` of a job on a branch, of a pull request, and of a job in an environment (GitHub's default claim format). */
export const subjectForBranch = (repo: string, branch: string) => `repo:${repo}:ref:refs/heads/${branch}`;
export const subjectForPullRequest = (repo: string) => `repo:${repo}:pull_request`;
export const subjectForEnvironment = (repo: string, environment: string) => `repo:${repo}:environment:${environment}`;

/** Trust policy: web identity from GitHub's OIDC provider, audience STS, exactly these subjects. */
export function githubTrustPolicy(providerArn: S, subjects: string[]) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
            [`${GITHUB_OIDC_HOST}:sub`]: subjects,
          },
        },
      },
    ],
  };
}

/** Services whose roles the app program creates, and the principals it passes them to. */
export const PASSED_TO_SERVICES = [
  "ecs-tasks.amazonaws.com",
  "monitoring.rds.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
  "ec2.amazonaws.com",
];
/** Service-linked roles the app's services create on first use. */
export const SERVICE_LINKED_ROLES = [
  "ecs.amazonaws.com",
  "rds.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "ecs.application-autoscaling.amazonaws.com",
  "autoscaling.amazonaws.com",
];

/**
 * The permissions boundary: the most any role of the app program may ever do. The roles'
 * own policies stay least-privilege; the boundary caps them should one be widened by mistake.
 */
export function boundaryPolicy() {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:PutRetentionPolicy",
          "logs:DescribeLogGroups",
          "logs:DescribeLogStreams",
          "logs:GetLogEvents",
        ],
        Resource: "*",
      },
      {
        Sid: "ImagePull",
        Effect: "Allow",
        Action: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: "*",
      },
      { Sid: "Secrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "ssm:GetParameters"], Resource: "*" },
      { Sid: "Keys", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: "*" },
      {
        Sid: "Objects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:AbortMultipartUpload"],
        Resource: "*",
      },
      {
        Sid: "EcsExec",
        Effect: "Allow",
        Action: SSM_CHANNEL_ACTIONS,
        Resource: "*",
      },
      { Sid: "Metrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*" },
      // compute=ec2 hosts: the ECS agent and the SSM agent (Session Manager).
      {
        Sid: "EcsAgent",
        Effect: "Allow",
        Action: [
          "ecs:RegisterContainerInstance",
          "ecs:DeregisterContainerInstance",
          "ecs:SubmitContainerStateChange",
          "ecs:SubmitTaskStateChange",
          "ecs:SubmitAttachmentStateChanges",
          "ecs:Poll",
          "ecs:StartTelemetrySession",
          "ecs:DiscoverPollEndpoint",
        ],
        Resource: "*",
      },
      {
        Sid: "SsmAgent",
        Effect: "Allow",
        Action: ["ssm:UpdateInstanceInformation", ...EC2_MESSAGES_ACTIONS],
        Resource: "*",
      },
    ],
  };
}

export interface DeployPolicyArgs {
  stack: string;
  accountId: S;
  partition: S;
  boundaryArn: S;
  stateBucketArn: S;
  stateKeyArn: S;
  secretsKeyArn: S;
}

/** What the deploy role of one stack may do. */
export function deployPolicy(a: DeployPolicyArgs) {
  const role = pulumi.interpolate`arn:${a.partition}:iam::${a.accountId}:role/*`;
  const ownRole = { StringEquals: { "aws:ResourceTag/project": "paved", "aws:ResourceTag/stack": a.stack } };
  const withBoundary = { StringEquals: { "iam:PermissionsBoundary": a.boundaryArn } };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        // The services the app program manages. Service-wide, because the program names and
        // replaces resources freely; IAM is NOT in this list (see below).
        Sid: "ManageAppServices",
        Effect: "Allow",
        Action: [
          "acm:*",
          "application-autoscaling:*",
          "autoscaling:*",
          "cloudwatch:*",
          "ec2:*",
          "ecr:*",
          "ecs:*",
          "elasticloadbalancing:*",
          "kms:*",
          "logs:*",
          "rds:*",
          "route53:*",
          "s3:*",
          "secretsmanager:*",
          "sns:*",
          "ssm:GetParameter",
          "ssm:GetParameters",
          "sts:GetCallerIdentity",
          "pi:*",
        ],
        Resource: "*",
      },
      {
        Sid: "ReadIam",
        Effect: "Allow",
        Action: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:ListRoleTags",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
        ],
        Resource: "*",
      },
      // Roles: created, and given policies, only with the boundary attached.
      {
        Sid: "RolesOnlyWithBoundary",
        Effect: "Allow",
        Action: [
          "iam:CreateRole",
          "iam:PutRolePermissionsBoundary",
          "iam:AttachRolePolicy",
          "iam:DetachRolePolicy",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
        ],
        Resource: role,
        Condition: withBoundary,
      },
      {
        Sid: "ChangeOwnRoles",
        Effect: "Allow",
        Action: [
          "iam:DeleteRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
        ],
        Resource: role,
        Condition: ownRole,
      },
      {
        Sid: "PassOwnRolesToAppServices",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: role,
        Condition: { StringEquals: { ...ownRole.StringEquals, "iam:PassedToService": PASSED_TO_SERVICES } },
      },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLES } },
      },
      // The program's own service-linked role (compute=ec2: Auto Scaling with a custom suffix per stack).
      {
        Sid: "OwnServiceLinkedRoles",
        Effect: "Allow",
        Action: ["iam:DeleteServiceLinkedRole", "iam:GetServiceLinkedRoleDeletionStatus", "iam:UpdateRoleDescription", "iam:TagRole"],
        Resource: pulumi.interpolate`arn:${a.partition}:iam::${a.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_paved-${a.stack}`,
      },
      // compute=ec2: the hosts' instance profile. Adding a role to it needs iam:PassRole on that role (above).
      {
        Sid: "InstanceProfiles",
        Effect: "Allow",
        Action: [
          "iam:CreateInstanceProfile",
          "iam:DeleteInstanceProfile",
          "iam:GetInstanceProfile",
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:TagInstanceProfile",
          "iam:UntagInstanceProfile",
        ],
        Resource: pulumi.interpolate`arn:${a.partition}:iam::${a.accountId}:instance-profile/*`,
      },
      // The boundary itself is not the deploy role's to weaken or remove.
      { Sid: "KeepBoundaries", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
      {
        Sid: "KeepTheBoundaryPolicy",
        Effect: "Deny",
        Action: ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"],
        Resource: a.boundaryArn,
      },
      // Nor is the pipeline's own state: the service-wide s3/kms grants stop at its bucket and keys.
      {
        Sid: "KeepTheStateBucket",
        Effect: "Deny",
        Action: [
          "s3:DeleteBucket",
          "s3:PutBucketPolicy",
          "s3:DeleteBucketPolicy",
          "s3:PutBucketVersioning",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
          "s3:PutBucketPublicAccessBlock",
          "s3:DeleteObjectVersion",
        ],
        Resource: [a.stateBucketArn, pulumi.interpolate`${a.stateBucketArn}/*`],
      },
      {
        Sid: "KeepThePipelineKeys",
        Effect: "Deny",
        Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation", "kms:CreateGrant"],
        Resource: [a.stateKeyArn, a.secretsKeyArn],
      },
      ...stateAccess(a, true),
    ],
  };
}

/** State bucket and the two keys: read/write for deploys; for previews read plus Pulumi's lock files. */
function stateAccess(a: { stateBucketArn: S; stateKeyArn: S; secretsKeyArn: S }, write: boolean) {
  return [
    {
      Sid: "StateList",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
      Resource: a.stateBucketArn,
    },
    write
      ? {
          Sid: "StateReadWrite",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: pulumi.interpolate`${a.stateBucketArn}/*`,
        }
      : { Sid: "StateRead", Effect: "Allow", Action: ["s3:GetObject"], Resource: pulumi.interpolate`${a.stateBucketArn}/*` },
    ...(write
      ? []
      : [
          {
            Sid: "StateLocks",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: pulumi.interpolate`${a.stateBucketArn}/.pulumi/locks/*`,
          },
        ]),
    {
      Sid: "StateAndSecretsKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", ...(write ? ["kms:Encrypt", "kms:GenerateDataKey"] : ["kms:GenerateDataKey"])],
      Resource: [a.stateKeyArn, a.secretsKeyArn],
    },
  ];
}

export interface PreviewPolicyArgs {
  accountId: S;
  partition: S;
  stateBucketArn: S;
  stateKeyArn: S;
  secretsKeyArn: S;
}

/**
 * The preview role's own policy, on top of ReadOnlyAccess. Build-on-preview needs to pull from
 * ECR (base and cache layers) but never to push: a pull request must not put an image into the
 * registry that deploys pull from. The app's secrets are readable because a refresh reads its
 * SecretVersion — whose value the stack state (decryptable by previews) already holds.
 */
export function previewPolicy(a: PreviewPolicyArgs) {
  return {
    Version: "2012-10-17",
    Statement: [
      ...stateAccess(a, false),
      // The image look-up that lets a revert reuse an already-pushed tag (infra/components/image.ts
      // IMAGE_LOOKUP_ACTIONS), stated here rather than left to ReadOnlyAccess.
      { Sid: "EcrImageLookup", Effect: "Allow", Action: ["ecr:DescribeRepositories", "ecr:ListImages"], Resource: "*" },
      {
        Sid: "EcrPullForBuildOnPreview",
        Effect: "Allow",
        Action: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: "*",
      },
      {
        Sid: "AppSecretsForRefresh",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: pulumi.interpolate`arn:${a.partition}:secretsmanager:*:${a.accountId}:secret:paved-*`,
      },
      // ReadOnlyAccess reads every object and parameter in the account; previews need none but the state.
      {
        Sid: "NoDataReadsOutsideState",
        Effect: "Deny",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        NotResource: pulumi.interpolate`${a.stateBucketArn}/*`,
      },
      {
        Sid: "NoParameterReads",
        Effect: "Deny",
        Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
        Resource: "*",
      },
    ],
  };
}
