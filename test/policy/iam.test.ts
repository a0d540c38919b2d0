import { passes, res, UNKNOWN, violates } from "./helpers";

const doc = (...Statement: any[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const admin = { Effect: "Allow", Action: "*", Resource: "*" };
const scoped = { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" };

describe("policy: IAM, ECR, KMS", () => {
  it("no Action * on Resource * in any policy document type", async () => {
    const P = "paved-iam-no-wildcard-admin";
    for (const t of [
      "aws:iam/policy:Policy",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:iam/userPolicy:UserPolicy",
      "aws:iam/groupPolicy:GroupPolicy",
    ]) {
      await violates(P, res(t, "p", { policy: doc(admin) }), /Action "\*" on Resource "\*"/);
      await violates(P, res(t, "p", { policy: doc(scoped, { Effect: "Allow", Action: ["*:*"], Resource: ["*"] }) }));
      await passes(P, res(t, "p", { policy: doc(scoped, { Effect: "Deny", Action: "*", Resource: "*" }) }));
      await passes(P, res(t, "p", { policy: UNKNOWN }));
    }
    await violates(P, res("aws:iam/role:Role", "r", { inlinePolicies: [{ name: "x", policy: doc(admin) }] }), /inlinePolicies\[0\]/);
    await passes(P, res("aws:iam/role:Role", "r", { inlinePolicies: [{ name: "x", policy: doc(scoped) }] }));
  });

  it("no AdministratorAccess attachment (any attachment type or managedPolicyArns)", async () => {
    const P = "paved-iam-no-admin-attachment";
    const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
    for (const t of [
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:iam/userPolicyAttachment:UserPolicyAttachment",
      "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
      "aws:iam/policyAttachment:PolicyAttachment",
    ]) {
      await violates(P, res(t, "a", { policyArn: ADMIN }), /AdministratorAccess/);
      await passes(P, res(t, "a", { policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }));
    }
    await violates(P, res("aws:iam/role:Role", "r", { managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/AdministratorAccess"] }));
    await violates(
      P,
      res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", { policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" }),
      /IAMFullAccess/,
      { [P]: { forbiddenPolicyNames: ["AdministratorAccess", "IAMFullAccess"] } },
    );
  });

  it("ECR: scan on push and immutable tags", async () => {
    const E = "aws:ecr/repository:Repository";
    const ok = { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" };
    await passes("paved-ecr-scan-on-push", res(E, "repo", ok));
    await passes("paved-ecr-immutable-tags", res(E, "repo", ok));
    await violates("paved-ecr-scan-on-push", res(E, "repo", { ...ok, imageScanningConfiguration: undefined }));
    await violates("paved-ecr-immutable-tags", res(E, "repo", { ...ok, imageTagMutability: "MUTABLE" }), /MUTABLE/);
    await violates("paved-ecr-immutable-tags", res(E, "repo", { imageScanningConfiguration: { scanOnPush: true } }), /not set/);
  });

  it("KMS: rotation on symmetric keys; asymmetric keys are out of scope", async () => {
    const K = "aws:kms/key:Key";
    await violates("paved-kms-key-rotation", res(K, "k", {}));
    await passes("paved-kms-key-rotation", res(K, "k", { enableKeyRotation: true }));
    await passes("paved-kms-key-rotation", res(K, "k", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }));
  });
});
