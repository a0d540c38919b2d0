import assert from "node:assert/strict";
import * as fs from "fs";
import { IMAGE_LOOKUP_ACTIONS } from "../../infra/components/image";
import * as path from "path";
import * as yaml from "js-yaml";
import { listStacks, loadStackConfig, REPO_ROOT, runPlan, type PlanResult } from "../../infra/offline/plan";
import { evaluateResources, loadPolicyConfig } from "../../policy/evaluator";
import { loadBootstrapConfig } from "../../infra/bootstrap/config";
import { permissionsBoundary } from "../../infra/boundary";
import { main as planCli } from "../../infra/offline/cli";

const BOOTSTRAP_DIR = path.join(REPO_ROOT, "infra", "bootstrap");
const STACK = "shared";
const REPO = "example-org/paved";
const SUB = "token.actions.githubusercontent.com:sub";

const byName = (plan: PlanResult, type: string, name: string) => {
  const r = plan.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `${type} ${name}`);
  return r as typeof r & { inputs: Record<string, any>; outputs: Record<string, any> };
};
const doc = (v: any) => (typeof v === "string" ? JSON.parse(v) : v);
const statement = (d: any, sid: string) => {
  const s = doc(d).Statement.find((x: any) => x.Sid === sid);
  assert.ok(s, `statement ${sid}`);
  return s;
};

describe("infra/bootstrap: what the pipeline needs in AWS", function () {
  this.timeout(180_000);
  let plan: PlanResult;
  before(async () => {
    plan = await runPlan(STACK, { project: "bootstrap" });
  });

  it("has its own project and stack files, which the app's stack lookups never see", () => {
    const project: any = yaml.load(fs.readFileSync(path.join(BOOTSTRAP_DIR, "Pulumi.yaml"), "utf8"));
    assert.equal(project.name, "paved-bootstrap");
    assert.deepEqual(listStacks(BOOTSTRAP_DIR), [STACK]);
    assert.ok(!listStacks().includes(STACK));
    assert.ok(fs.existsSync(path.join(REPO_ROOT, "policy", "config", "bootstrap", `${STACK}.json`)));
    // Every key the stack file sets is declared in the project.
    for (const k of Object.keys(loadStackConfig(STACK, BOOTSTRAP_DIR, "paved-bootstrap"))) {
      if (k.startsWith("paved-bootstrap:")) assert.ok(k.slice("paved-bootstrap:".length) in project.config, k);
    }
  });

  it("passes the policy pack with 0 mandatory findings", async () => {
    const findings = await evaluateResources(plan.resources, {
      config: loadPolicyConfig(path.join(REPO_ROOT, "policy", "config", "bootstrap", `${STACK}.json`)),
    });
    assert.deepEqual(
      findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.message}`),
      [],
    );
  });

  it("trusts GitHub's OIDC tokens of this repository only: previews from pull requests and main, staging from main, prod only from the production environment", () => {
    const oidc = byName(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github");
    assert.equal(oidc.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
    const trust = (role: string) => {
      const s = doc(byName(plan, "aws:iam/role:Role", role).inputs.assumeRolePolicy).Statement;
      assert.equal(s.length, 1);
      assert.equal(s[0].Action, "sts:AssumeRoleWithWebIdentity");
      assert.equal(s[0].Principal.Federated, oidc.outputs.arn);
      assert.equal(s[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
      assert.equal(s[0].Condition.StringLike, undefined, "no wildcards in the subject");
      return s[0].Condition.StringEquals[SUB];
    };
    assert.deepEqual(trust("preview"), [`repo:${REPO}:pull_request`, `repo:${REPO}:ref:refs/heads/main`]);
    assert.deepEqual(trust("deploy-staging"), [`repo:${REPO}:ref:refs/heads/main`]);
    assert.deepEqual(trust("deploy-prod"), [`repo:${REPO}:environment:production`]);
  });

  it("the deploy role is no administrator: roles only with the boundary, passed only to the app's services, the boundary kept", () => {
    const boundaryArn = byName(plan, "aws:iam/policy:Policy", "boundary").outputs.arn;
    assert.match(boundaryArn, /^arn:aws:iam::\d{12}:policy\/paved-permissions-boundary-/);
    for (const stack of ["staging", "prod"]) {
      const policy = byName(plan, "aws:iam/rolePolicy:RolePolicy", `deploy-${stack}`).inputs.policy;
      const all = doc(policy).Statement;
      const allows = all.filter((s: any) => s.Effect === "Allow");
      const actions = allows.flatMap((s: any) => [].concat(s.Action));
      assert.ok(!actions.some((a: string) => a === "*" || a === "iam:*"), "no * or iam:*");
      // Every IAM write on any role, or on everything, is conditioned; the rest name their resources.
      for (const s of allows) {
        const iamWrites = [].concat(s.Action).filter((a: string) => a.startsWith("iam:") && !/^iam:(Get|List)/.test(a));
        if (!iamWrites.length) continue;
        if (s.Resource === "*" || /:role\/\*$/.test(String(s.Resource))) assert.ok(s.Condition, `${s.Sid} has a condition`);
        else
          assert.match(
            String(s.Resource),
            /:(instance-profile\/\*|role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling_paved-)/,
            s.Sid,
          );
      }
      const create = statement(policy, "RolesOnlyWithBoundary");
      assert.ok(
        create.Action.includes("iam:CreateRole") &&
          create.Action.includes("iam:PutRolePolicy") &&
          create.Action.includes("iam:AttachRolePolicy"),
      );
      assert.deepEqual(create.Condition, { StringEquals: { "iam:PermissionsBoundary": boundaryArn } });
      const pass = statement(policy, "PassOwnRolesToAppServices");
      assert.equal(pass.Action, "iam:PassRole");
      assert.equal(pass.Condition.StringEquals["aws:ResourceTag/stack"], stack);
      assert.deepEqual(pass.Condition.StringEquals["iam:PassedToService"], [
        "ecs-tasks.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
        "ec2.amazonaws.com",
      ]);
      assert.equal(statement(policy, "KeepBoundaries").Effect, "Deny");
      assert.deepEqual(statement(policy, "KeepTheBoundaryPolicy").Resource, boundaryArn);
      assert.equal(statement(policy, "KeepTheStateBucket").Effect, "Deny");
      assert.equal(statement(policy, "KeepThePipelineKeys").Effect, "Deny");
    }
    // The boundary itself grants no IAM at all.
    const boundary = doc(byName(plan, "aws:iam/policy:Policy", "boundary").inputs.policy).Statement;
    assert.ok(!boundary.flatMap((s: any) => [].concat(s.Action)).some((a: string) => a.startsWith("iam:") || a === "*"));
  });

  it("the preview role reads, pulls images for build-on-preview, but never pushes, writes state or reads other data", () => {
    const attach = byName(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "preview-readonly");
    assert.equal(attach.inputs.policyArn, "arn:aws:iam::aws:policy/ReadOnlyAccess");
    const policy = byName(plan, "aws:iam/rolePolicy:RolePolicy", "preview").inputs.policy;
    const actions = doc(policy)
      .Statement.filter((s: any) => s.Effect === "Allow")
      .flatMap((s: any) => [].concat(s.Action));
    assert.ok(
      !actions.some((a: string) => /^ecr:(PutImage|InitiateLayerUpload|UploadLayerPart|CompleteLayerUpload)$/.test(a)),
      "no ECR push",
    );
    assert.ok(actions.includes("ecr:BatchGetImage"));
    // Exactly the read calls the image look-up makes (a revert reuses a pushed tag on preview too).
    assert.deepEqual(statement(policy, "EcrImageLookup").Action, [...IMAGE_LOOKUP_ACTIONS]);
    const locks = statement(policy, "StateLocks");
    assert.match(locks.Resource, /\/\.pulumi\/locks\/\*$/, "writes only Pulumi's lock files");
    assert.equal(statement(policy, "NoDataReadsOutsideState").Effect, "Deny");
  });

  it("the state bucket is versioned, KMS-encrypted, TLS-only, public access blocked and protected; the keys rotate", () => {
    const bucket = byName(plan, "aws:s3/bucket:Bucket", "state");
    const exported = plan.exportDoc.deployment.resources.find((r) => r.urn === bucket.urn)!;
    assert.equal(exported.protect, true);
    assert.equal(byName(plan, "aws:s3/bucketVersioning:BucketVersioning", "state").inputs.versioningConfiguration.status, "Enabled");
    const sse = byName(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "state").inputs
      .rules[0].applyServerSideEncryptionByDefault;
    assert.equal(sse.sseAlgorithm, "aws:kms");
    assert.equal(sse.kmsMasterKeyId, byName(plan, "aws:kms/key:Key", "state-bucket").outputs.arn);
    const pab = byName(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state").inputs;
    assert.ok(pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets);
    assert.equal(
      statement(byName(plan, "aws:s3/bucketPolicy:BucketPolicy", "state").inputs.policy, "DenyInsecureTransport").Condition.Bool[
        "aws:SecureTransport"
      ],
      "false",
    );
    for (const k of ["state-bucket", "state-secrets"]) {
      const key = byName(plan, "aws:kms/key:Key", k);
      assert.equal(key.inputs.enableKeyRotation, true);
      assert.equal(plan.exportDoc.deployment.resources.find((r) => r.urn === key.urn)!.protect, true);
    }
  });

  it("outputs the repository variables and the backend and secrets-provider URLs", () => {
    const o = plan.outputs;
    assert.deepEqual(Object.keys(o.repositoryVariables).sort(), [
      "AWS_DEPLOY_ROLE_ARN_PROD",
      "AWS_DEPLOY_ROLE_ARN_STAGING",
      "AWS_PREVIEW_ROLE_ARN",
      "AWS_REGION",
      "PULUMI_BACKEND_URL",
    ]);
    assert.match(o.backendUrl, /^s3:\/\/paved-pulumi-state-[a-z0-9-]+\?region=us-east-1$/);
    assert.equal(o.secretsProvider, "awskms://alias/paved-pulumi/secrets?region=us-east-1");
    assert.equal(o.appStackConfig.length, 2);
  });

  it("`npm run plan -- shared --project bootstrap` plans it with its own policy config; without the selector the stack is unknown", async () => {
    const lines: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: any[]) => {
      lines.push(a.join(" "));
    };
    console.error = (...a: any[]) => {
      lines.push(a.join(" "));
    };
    const stderrWrite = process.stderr.write;
    process.stderr.write = ((s: string) => {
      lines.push(String(s).replace(/\n$/, ""));
      return true;
    }) as never;
    let withProject: number;
    let without: number;
    try {
      withProject = await planCli(["shared", "--project", "bootstrap"]);
      without = await planCli(["shared"]);
    } finally {
      console.log = log;
      console.error = error;
      process.stderr.write = stderrWrite;
    }
    const out = lines.join("\n");
    assert.equal(withProject, 0, out);
    assert.match(out, /pulumi:pulumi:Stack paved-bootstrap-shared/);
    assert.match(out, /Policy pack \(policy\/config\/bootstrap\/shared.json\):\npolicy: no violations/);
    assert.equal(without, 2);
    assert.match(out, /Unknown stack "shared": no Pulumi.shared.yaml. Available stacks: prod, staging/);
  });

  it("uses an existing OIDC provider instead of creating a second one", async () => {
    const arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    const p = await runPlan(STACK, { project: "bootstrap", config: { "paved-bootstrap:existingOidcProviderArn": arn } });
    assert.ok(!p.resources.some((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"));
    assert.equal(doc(byName(p, "aws:iam/role:Role", "preview").inputs.assumeRolePolicy).Statement[0].Principal.Federated, arn);
  });

  describe("config", () => {
    const valid: Record<string, string> = { githubRepository: "acme/shop" };
    const load = (over: Record<string, string | undefined>) =>
      loadBootstrapConfig((k) => (({ ...valid, ...over }) as Record<string, string | undefined>)[k], "us-east-1", "shared");

    it("defaults: staging and prod, prod protected by the production environment, deploys from main", () => {
      const c = load({});
      assert.deepEqual(
        [c.deployStacks, c.protectedStacks, c.productionEnvironment, c.deployBranch],
        [["staging", "prod"], ["prod"], "production", "main"],
      );
    });

    it("refuses bad values with the key, the value and the fix", () => {
      assert.throws(
        () => load({ githubRepository: undefined }),
        /paved-bootstrap:githubRepository="": must be the GitHub repository as owner\/name.*infra\/bootstrap\/Pulumi.shared.yaml/,
      );
      assert.throws(() => load({ githubRepository: "acme/*" }), /githubRepository="acme\/\*"/);
      assert.throws(
        () => load({ protectedStacks: '["production"]' }),
        /protectedStacks.*names production, which is not in deployStacks \(staging, prod\)/,
      );
      assert.throws(() => load({ deployStacks: '["Prod!"]' }), /deployStacks.*list of stack names/);
      assert.throws(() => load({ deployBranch: "release/*" }), /deployBranch.*without wildcards/);
      assert.throws(
        () => load({ existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/example.com" }),
        /existingOidcProviderArn/,
      );
      assert.throws(() => load({ keyDeletionWindowDays: "3" }), /keyDeletionWindowDays="3": must be an integer from 7 to 30/);
    });
  });
});

describe("infra: every IAM role of the app program carries the permissions boundary", function () {
  this.timeout(180_000);
  const boundary = "arn:aws:iam::123456789012:policy/paved-permissions-boundary-X";

  it("applies paved:permissionsBoundaryArn to every aws.iam.Role of both stacks", async () => {
    for (const [stack, compute, natMode] of <Array<[string, string, string | undefined]>>[
      ["staging", "fargate", undefined],
      ["prod", "fargate", undefined],
      ["staging", "ec2", "instance"],
    ]) {
      const plan = await runPlan(stack, {
        config: { "paved:permissionsBoundaryArn": boundary, "paved:compute": compute, "paved:natMode": natMode },
      });
      const roles = plan.resources.filter((r) => r.type === "aws:iam/role:Role");
      assert.ok(roles.length >= 4, `${stack}: ${roles.length} roles`);
      assert.deepEqual(
        roles.filter((r) => r.inputs.permissionsBoundary !== boundary).map((r) => r.name),
        [],
        `${stack} ${compute}`,
      );
      if (compute === "ec2")
        assert.ok(
          roles.some((r) => (r.name ?? "").endsWith("-hosts")),
          "the EC2 hosts' role",
        );
      if (natMode)
        assert.ok(
          roles.some((r) => /nat/.test(r.name ?? "")),
          "the NAT instance's role",
        );
    }
  });

  it("every `new aws.iam.Role` in the app program sets the boundary (the source, so a new role cannot forget it)", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory() && !["bootstrap", "offline"].includes(e.name)) walk(p);
        else if (e.isFile() && p.endsWith(".ts")) files.push(p);
      }
    };
    walk(path.join(REPO_ROOT, "infra"));
    let count = 0;
    for (const f of files) {
      const src = fs.readFileSync(f, "utf8");
      // `new aws.iam.Role(`, or a component's `child(<hook>, aws.iam.Role, ` (infra/components/transform.ts).
      for (const m of src.matchAll(/new aws\.iam\.Role\(|child\(\s*[\w.?]+,\s*aws\.iam\.Role,/g)) {
        count++;
        // The role's arguments: up to the options argument that closes the call.
        const rest = src.slice(m.index!);
        const end = rest.search(/\},\s*(p|\{|opts)\b/);
        const args = rest.slice(0, end === -1 ? undefined : end);
        assert.match(
          args,
          /permissionsBoundary: permissionsBoundary\(\)/,
          `${path.relative(REPO_ROOT, f)}: ${src.slice(m.index!, m.index! + 80)}`,
        );
      }
    }
    assert.ok(count >= 6, `found ${count} roles`);
  });

  it("validates the ARN", () => {
    assert.equal(
      permissionsBoundary(() => undefined),
      undefined,
    );
    assert.equal(
      permissionsBoundary(() => ""),
      undefined,
    );
    assert.equal(
      permissionsBoundary(() => boundary),
      boundary,
    );
    assert.throws(
      () => permissionsBoundary(() => "paved-boundary"),
      /Invalid config paved:permissionsBoundaryArn="paved-boundary": must be an IAM policy ARN/,
    );
    assert.throws(() => permissionsBoundary(() => "arn:aws:iam::123456789012:role/x"), /must be an IAM policy ARN/);
  });
});
