// IAM, ECR and KMS hygiene.
import { resourcePolicy } from "../lib/core";
import { asArray, isKnownString, isUnknown, parseJsonInput, isKnownNotTrue } from "../lib/values";

const POLICY_DOC_TYPES = [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
];
const ROLE = "aws:iam/role:Role";

function asList(v: any): any[] {
    return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function adminStatements(doc: any): string[] {
    const out: string[] = [];
    const st = doc && typeof doc === "object" ? asList(doc.Statement ?? doc.statement ?? doc.statements) : [];
    st.forEach((s, i) => {
        if (!s || (s.Effect ?? s.effect) !== "Allow") {
            return;
        }
        const actions = asList(s.Action ?? s.action ?? s.actions);
        const resources = asList(s.Resource ?? s.resource ?? s.resources);
        if (actions.some(a => a === "*" || a === "*:*") && resources.some(r => r === "*")) {
            out.push(String(s.Sid ?? i));
        }
    });
    return out;
}

export const noWildcardAdmin = resourcePolicy({
    name: "paved-iam-no-wildcard-admin",
    description: "No IAM policy statement allows Action \"*\" on Resource \"*\" (full admin).",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "List the specific actions and resource ARNs the workload needs (least privilege); use IAM Access Analyzer policy generation from CloudTrail.",
    types: [...POLICY_DOC_TYPES, ROLE],
    validate(r, _config, report) {
        const docs: Array<{ where: string; doc: unknown }> = [];
        if (r.type === ROLE) {
            asArray(r.props.inlinePolicies).forEach((p, i) => docs.push({ where: `inlinePolicies[${i}]`, doc: p?.policy }));
        } else {
            docs.push({ where: "policy", doc: r.props.policy });
        }
        for (const { where, doc } of docs) {
            const parsed = parseJsonInput(doc);
            if (!parsed.known) {
                continue;
            }
            for (const sid of adminStatements(parsed.value)) {
                report(`${where} statement ${sid} allows Action "*" on Resource "*".`);
            }
        }
    },
});

export const noAdminAttachment = resourcePolicy({
    name: "paved-iam-no-admin-attachment",
    description: "The AdministratorAccess managed policy (or another configured forbidden policy) is never attached.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Attach a least-privilege customer-managed policy instead; humans get admin through SSO permission sets, not program-managed attachments.",
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
                report(`attaches ${arn}.`);
            }
        }
    },
});

const ECR = "aws:ecr/repository:Repository";

export const ecrScanOnPush = resourcePolicy({
    name: "paved-ecr-scan-on-push",
    description: "ECR repositories scan images on push.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Set imageScanningConfiguration: { scanOnPush: true } (or enable registry-level enhanced scanning).",
    types: [ECR],
    validate(r, _config, report) {
        const v = r.props.imageScanningConfiguration?.scanOnPush;
        if (isKnownNotTrue(v)) {
            report("imageScanningConfiguration.scanOnPush is not true.");
        }
    },
});

export const ecrImmutableTags = resourcePolicy({
    name: "paved-ecr-immutable-tags",
    description: "ECR repositories have immutable tags, so a deployed tag always means the same image.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Set imageTagMutability: \"IMMUTABLE\" and tag images with the git SHA or image digest.",
    types: [ECR],
    validate(r, _config, report) {
        const v = r.props.imageTagMutability;
        if (!isUnknown(v) && v !== "IMMUTABLE" && v !== "IMMUTABLE_WITH_EXCLUSION") {
            report(`imageTagMutability is ${v === undefined ? "not set (MUTABLE)" : `'${v}'`}.`);
        }
    },
});

export const kmsRotation = resourcePolicy({
    name: "paved-kms-key-rotation",
    description: "Symmetric KMS keys have automatic rotation enabled.",
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
            report("enableKeyRotation is not true.");
        }
    },
});

export const iamPolicies = [noWildcardAdmin, noAdminAttachment, ecrScanOnPush, ecrImmutableTags, kmsRotation];
