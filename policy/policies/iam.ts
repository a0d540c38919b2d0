// IAM, ECR and KMS hygiene.
import { resourcePolicy } from "../lib/core";
import { containsUnknown, matchesEveryAction, matchesEveryResource, Statement, statementLabel, statementsOf } from "../lib/iamdoc";
import { asArray, isKnownString, isUnknown, parseJsonInput, isKnownNotTrue } from "../lib/values";

const POLICY_DOC_TYPES = [
  "aws:iam/policy:Policy",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
];
const ROLE = "aws:iam/role:Role";

/** Statements that allow every action on every resource: full admin, whatever wildcard spelling or NotAction/NotResource form. */
function adminStatements(doc: any): Statement[] {
  return statementsOf(doc).filter((s) => {
    if (s.effect !== "Allow" || containsUnknown(s.action) || containsUnknown(s.resource)) {
      return false;
    }
    // NotAction/NotResource with Allow grant everything except what they list.
    const everyAction = s.notAction !== undefined ? s.notAction.length === 0 : s.action.some(matchesEveryAction);
    const everyResource = s.notResource !== undefined ? s.notResource.length === 0 : s.resource.some(matchesEveryResource);
    // A condition does not make admin less admin (peers flag it regardless, and so do we).
    return everyAction && everyResource;
  });
}

function describePatterns(s: Statement): string {
  const actions =
    s.notAction !== undefined
      ? "every action"
      : `Action ${s.action
          .filter(matchesEveryAction)
          .map((a) => `"${a}"`)
          .join(", ")}`;
  const resources =
    s.notResource !== undefined
      ? "every resource"
      : `Resource ${s.resource
          .filter(matchesEveryResource)
          .map((r) => `"${r}"`)
          .join(", ")}`;
  return `${actions} on ${resources}`;
}

export const noWildcardAdmin = resourcePolicy({
  name: "paved-iam-no-wildcard-admin",
  description:
    'No IAM policy statement allows every action on every resource (full admin): Action "*" / "*:*" on Resource "*" or any pattern that matches every ARN ("arn:*", "arn:aws:*:*:*:*", ...).',
  rationale: "Full admin for a workload turns any bug into account takeover.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "List the specific actions and resource ARNs the workload needs (least privilege); use IAM Access Analyzer policy generation from CloudTrail.",
  types: [...POLICY_DOC_TYPES, ROLE],
  validate(r, _config, report) {
    const docs: Array<{ where: string; doc: unknown }> = [];
    if (r.type === ROLE) {
      asArray(r.props.inlinePolicies).forEach((p, i) =>
        docs.push({
          where: `Role '${r.name}' inline policy ${isKnownString(p?.name) ? `'${p.name}' ` : ""}(inlinePolicies[${i}])`,
          doc: p?.policy,
        }),
      );
    } else {
      docs.push({ where: `Policy '${r.name}'`, doc: r.props.policy });
    }
    for (const { where, doc } of docs) {
      const parsed = parseJsonInput(doc);
      if (!parsed.known) {
        continue;
      }
      for (const st of adminStatements(parsed.value)) {
        report(`${where}: ${statementLabel(st)} allows ${describePatterns(st)}, which is full admin (Action "*" on Resource "*").`);
      }
    }
  },
});

export const noAdminAttachment = resourcePolicy({
  name: "paved-iam-no-admin-attachment",
  description: "The AdministratorAccess managed policy (or another configured forbidden policy) is never attached.",
  rationale: "AdministratorAccess gives the workload full admin: any bug or stolen credential becomes an account takeover.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Attach a least-privilege customer-managed policy instead; humans get admin through SSO permission sets, not program-managed attachments.",
  types: [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    ROLE,
  ],
  config: {
    forbiddenPolicyNames: {
      type: "array",
      items: { type: "string" },
      default: ["AdministratorAccess"],
      description: "AWS-managed policy names (arn:<partition>:iam::aws:policy/<name>) that must not be attached.",
    },
  },
  validate(r, config, report) {
    const forbidden = new Set<string>(config.forbiddenPolicyNames);
    const arns = r.type === ROLE ? asArray(r.props.managedPolicyArns) : [r.props.policyArn];
    for (const arn of arns) {
      if (!isKnownString(arn)) {
        continue;
      }
      const m = /^arn:[a-z-]+:iam::aws:policy\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
      if (m && forbidden.has(m[1])) {
        report(
          `${r.type === ROLE ? `Role '${r.name}' lists` : `Attachment '${r.name}' attaches`} the managed policy ${arn}, which is on the forbidden list (${m[1]}).`,
        );
      }
    }
  },
});

const ECR = "aws:ecr/repository:Repository";

export const ecrScanOnPush = resourcePolicy({
  name: "paved-ecr-scan-on-push",
  description: "ECR repositories scan images on push.",
  rationale: "Known CVEs are caught before deployment.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set imageScanningConfiguration: { scanOnPush: true } (or enable registry-level enhanced scanning).",
  types: [ECR],
  validate(r, _config, report) {
    const v = r.props.imageScanningConfiguration?.scanOnPush;
    if (isKnownNotTrue(v)) {
      report(
        `ECR repository '${r.name}' does not scan images on push (imageScanningConfiguration.scanOnPush is ${v === undefined ? "not set" : String(v)}).`,
      );
    }
  },
});

export const ecrImmutableTags = resourcePolicy({
  name: "paved-ecr-immutable-tags",
  description: "ECR repositories have immutable tags, so a deployed tag always means the same image.",
  rationale: "A tag must always mean the same image (rollbacks, audits).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set imageTagMutability: "IMMUTABLE" and tag images with the git SHA or image digest.',
  types: [ECR],
  validate(r, _config, report) {
    const v = r.props.imageTagMutability;
    if (!isUnknown(v) && v !== "IMMUTABLE" && v !== "IMMUTABLE_WITH_EXCLUSION") {
      report(`ECR repository '${r.name}' has mutable tags: imageTagMutability is ${v === undefined ? "not set (MUTABLE)" : `'${v}'`}.`);
    }
  },
});

export const kmsRotation = resourcePolicy({
  name: "paved-kms-key-rotation",
  description: "Symmetric KMS keys have automatic rotation enabled.",
  rationale: "Limits the value of a leaked key version.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set enableKeyRotation: true (optionally rotationPeriodInDays).",
  types: ["aws:kms/key:Key"],
  validate(r, _config, report) {
    const spec = r.props.customerMasterKeySpec ?? r.props.keySpec;
    if (isUnknown(spec) || (isKnownString(spec) && spec !== "SYMMETRIC_DEFAULT")) {
      return; // rotation is only supported for symmetric encryption keys
    }
    if (isKnownString(r.props.keyUsage) && r.props.keyUsage !== "ENCRYPT_DECRYPT") {
      return;
    }
    const v = r.props.enableKeyRotation;
    if (isKnownNotTrue(v)) {
      report(`KMS key '${r.name}' does not rotate automatically (enableKeyRotation is ${v === undefined ? "not set" : String(v)}).`);
    }
  },
});

export const iamPolicies = [noWildcardAdmin, noAdminAttachment, ecrScanOnPush, ecrImmutableTags, kmsRotation];
