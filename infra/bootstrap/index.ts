/**
 * paved-bootstrap: what the delivery pipeline needs in AWS, run once per account by hand
 * (`npm run up -- <stack> --project bootstrap`, with administrator credentials):
 *
 *   - GitHub's OIDC provider (or an existing one), so workflows get short-lived credentials
 *     and no long-lived AWS key exists anywhere;
 *   - the state bucket for `pulumi login s3://…` (versioned, KMS-encrypted, TLS-only, public
 *     access blocked, protected) and a KMS key for Pulumi's secrets provider;
 *   - the permissions boundary every role of the app program carries (`paved:permissionsBoundaryArn`);
 *   - a read-only preview role (pull requests of this repository and the nightly drift check);
 *   - one deploy role per app stack, assumable from the deploy branch — or, for protected stacks
 *     (prod), only from the GitHub environment with required reviewers. A deploy role is not an
 *     administrator: it creates and passes only roles that carry the boundary.
 *
 * The outputs are the repository variables the workflows read (docs/ci-cd.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { requirePolicyPack } from "../guard";
import { SecureBucket } from "../components/storage";
import { accountInfo, policyJson } from "../tags";
import { loadBootstrapConfig } from "./config";
import {
  GITHUB_OIDC_HOST,
  boundaryPolicy,
  deployPolicy,
  githubTrustPolicy,
  previewPolicy,
  subjectForBranch,
  subjectForEnvironment,
  subjectForPullRequest,
} from "./iam";

requirePolicyPack({ upCommand: `npm run up -- ${pulumi.getStack()} --project bootstrap` });
const cfg = loadBootstrapConfig();
const tags = { project: "paved-bootstrap", stack: cfg.stack, "managed-by": "pulumi" };
const repo = cfg.githubRepository;

/** Anchors the account lookups (the program's components are built at the top level). */
class Pipeline extends pulumi.ComponentResource {
  constructor() {
    super("paved:bootstrap:Pipeline", "pipeline", {});
    this.registerOutputs({});
  }
}
const pipeline = new Pipeline();
const p = { parent: pipeline };
const { accountId, partition } = accountInfo(pipeline);

const oidcProviderArn: pulumi.Output<string> =
  cfg.existingOidcProviderArn !== ""
    ? pulumi.output(cfg.existingOidcProviderArn)
    : new aws.iam.OpenIdConnectProvider(
        "github",
        {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIdLists: ["sts.amazonaws.com"],
          tags,
        },
        { ...p, protect: true },
      ).arn;

const keyPolicy = policyJson({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});
const newKey = (purpose: string, description: string) => {
  const key = new aws.kms.Key(
    `state-${purpose}`,
    {
      description,
      enableKeyRotation: true,
      deletionWindowInDays: cfg.keyDeletionWindowDays,
      policy: keyPolicy,
      tags: { ...tags, purpose },
    },
    { ...p, protect: true },
  );
  const alias = new aws.kms.Alias(`state-${purpose}`, { name: `alias/paved-pulumi/${purpose}`, targetKeyId: key.keyId }, p);
  return { key, alias };
};
const stateKey = newKey("bucket", "paved: Pulumi state bucket (SSE-KMS)");
const secretsKey = newKey("secrets", "paved: Pulumi secrets provider (awskms://) for every stack");

// Pulumi state: every version kept 90 days, so a bad update's checkpoint can be restored.
const state = new SecureBucket(
  "state",
  {
    bucketPrefix: "paved-pulumi-state-",
    kmsKey: stateKey.key,
    noncurrentVersionDays: 90,
    protect: true,
    forceDestroy: false,
    tags,
  },
  p,
);

const boundary = new aws.iam.Policy(
  "boundary",
  {
    namePrefix: "paved-permissions-boundary-",
    description: "paved: permissions boundary of every IAM role the app program creates",
    policy: JSON.stringify(boundaryPolicy()),
    tags,
  },
  { ...p, protect: true },
);

const stateArgs = {
  accountId,
  partition,
  stateBucketArn: state.bucket.arn,
  stateKeyArn: stateKey.key.arn,
  secretsKeyArn: secretsKey.key.arn,
};

const preview = new aws.iam.Role(
  "preview",
  {
    description: `paved: read-only previews of ${repo} (pull requests from this repository, nightly drift on ${cfg.deployBranch})`,
    assumeRolePolicy: policyJson(
      githubTrustPolicy(oidcProviderArn, [subjectForPullRequest(repo), subjectForBranch(repo, cfg.deployBranch)]),
    ),
    maxSessionDuration: 3600,
    tags: { ...tags, purpose: "preview" },
  },
  p,
);
new aws.iam.RolePolicyAttachment(
  "preview-readonly",
  {
    role: preview.name,
    policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/ReadOnlyAccess`,
  },
  p,
);
new aws.iam.RolePolicy("preview", { role: preview.id, policy: policyJson(previewPolicy(stateArgs)) }, p);

const deployRoles: Record<string, pulumi.Output<string>> = {};
for (const stack of cfg.deployStacks) {
  const isProtected = cfg.protectedStacks.includes(stack);
  const subject = isProtected ? subjectForEnvironment(repo, cfg.productionEnvironment) : subjectForBranch(repo, cfg.deployBranch);
  const role = new aws.iam.Role(
    `deploy-${stack}`,
    {
      description: `paved: deploys stack ${stack} from ${repo} (${isProtected ? `GitHub environment ${cfg.productionEnvironment}` : `branch ${cfg.deployBranch}`})`,
      assumeRolePolicy: policyJson(githubTrustPolicy(oidcProviderArn, [subject])),
      maxSessionDuration: 3600,
      tags: { ...tags, purpose: `deploy-${stack}` },
    },
    p,
  );
  new aws.iam.RolePolicy(
    `deploy-${stack}`,
    {
      role: role.id,
      policy: policyJson(deployPolicy({ stack, boundaryArn: boundary.arn, ...stateArgs })),
    },
    p,
  );
  deployRoles[stack] = role.arn;
}

const varName = (stack: string) => `AWS_DEPLOY_ROLE_ARN_${stack.toUpperCase().replace(/-/g, "_")}`;

export const stateBucket = state.bucket.bucket;
export const backendUrl = pulumi.interpolate`s3://${state.bucket.bucket}?region=${cfg.region}`;
export const secretsProvider = pulumi.interpolate`awskms://${secretsKey.alias.name}?region=${cfg.region}`;
export const permissionsBoundaryArn = boundary.arn;
export const githubOidcProviderArn = oidcProviderArn;
export const previewRoleArn = preview.arn;
export const deployRoleArns = deployRoles;
/** Set these as GitHub repository variables (Settings → Secrets and variables → Actions → Variables). */
export const repositoryVariables = pulumi.all({
  AWS_REGION: pulumi.output(cfg.region),
  PULUMI_BACKEND_URL: backendUrl,
  AWS_PREVIEW_ROLE_ARN: preview.arn,
  ...Object.fromEntries(Object.entries(deployRoles).map(([stack, arn]) => [varName(stack), arn])),
});
/** Run once per app stack so every role the app program creates carries the boundary. */
export const appStackConfig = boundary.arn.apply((arn) =>
  cfg.deployStacks.map((s) => `pulumi config set paved:permissionsBoundaryArn ${arn} --stack ${s}`),
);
