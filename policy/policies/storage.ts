// S3 and CloudWatch Logs. With @pulumi/aws v7 a bucket's public access block,
// encryption and policy are separate resources, so the bucket-level checks are
// stack policies that correlate each bucket with its companions (by bucket
// name, or by a property dependency on the bucket when the name is unknown).
import { Config, Res, resourcePolicy, stackPolicy } from "../lib/core";
import { asArray, asInt, isKnownString, isUnknown, parseJsonInput, isKnownNotTrue } from "../lib/values";

export const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const SSE_CONFIGS = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const BUCKET_ACLS = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

interface Companions {
    /** Companions that certainly belong to the bucket. */
    matched: Res[];
    /** True when some companion's bucket is unknown, so absence cannot be concluded. */
    uncertain: boolean;
}

/**
 * Indexes companion resources (public access blocks, encryption configs,
 * policies) by the bucket they name and by the bucket they depend on, so
 * correlation stays linear in the number of resources.
 */
function companionIndex(candidates: Res[]): (bucket: Res) => Companions {
    const byName = new Map<string, Res[]>();
    const byDep = new Map<string, Res[]>();
    let unlinkedUnknown = false;
    const add = (m: Map<string, Res[]>, k: string, r: Res) => {
        const list = m.get(k);
        if (list) {
            list.push(r);
        } else {
            m.set(k, [r]);
        }
    };
    for (const c of candidates) {
        const deps = c.propertyDependencies?.bucket ?? [];
        for (const d of deps) {
            add(byDep, d, c);
        }
        const ref = c.props.bucket;
        if (isKnownString(ref)) {
            add(byName, ref, c);
        } else if (deps.length === 0) {
            unlinkedUnknown = true; // could belong to any bucket
        }
    }
    return (bucket: Res) => {
        const matched = new Set<Res>(byDep.get(bucket.urn) ?? []);
        let known = 0;
        for (const v of [bucket.props.bucket, bucket.props.id]) {
            if (isKnownString(v) && v !== "") {
                known++;
                for (const c of byName.get(v) ?? []) {
                    matched.add(c);
                }
            }
        }
        return { matched: [...matched], uncertain: known === 0 || unlinkedUnknown };
    };
}

function byType(resources: Res[], types: string[]): Res[] {
    const set = new Set(types);
    return resources.filter(r => set.has(r.type));
}

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3PublicAccessBlock = stackPolicy({
    name: "paved-s3-public-access-block",
    description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Add aws.s3.BucketPublicAccessBlock { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }.",
    validate(resources, _config, report) {
        const companionsOf = companionIndex(byType(resources, [PUBLIC_ACCESS_BLOCK]));
        for (const b of byType(resources, BUCKETS)) {
            const { matched, uncertain } = companionsOf(b);
            if (matched.length === 0) {
                if (!uncertain) {
                    report(`bucket '${b.name}' has no BucketPublicAccessBlock.`, b.urn);
                }
                continue;
            }
            for (const pab of matched) {
                const off = PAB_FLAGS.filter(f => isKnownNotTrue(pab.props[f]));
                if (off.length > 0) {
                    report(`bucket '${b.name}' public access block leaves ${off.join(", ")} off.`, b.urn);
                }
            }
        }
    },
});

const SSE_ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"];

function sseAlgorithms(container: any): unknown[] {
    return asArray(container?.rules ?? container?.rule).map(rule => {
        const d = Array.isArray(rule?.applyServerSideEncryptionByDefault)
            ? rule.applyServerSideEncryptionByDefault[0]
            : rule?.applyServerSideEncryptionByDefault;
        return d?.sseAlgorithm;
    });
}

export const s3Encryption = stackPolicy({
    name: "paved-s3-encryption",
    description: "Every S3 bucket has default server-side encryption configured (optionally KMS).",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Add aws.s3.BucketServerSideEncryptionConfiguration { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: \"aws:kms\", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] }.",
    config: {
        requireKms: {
            type: "boolean",
            default: false,
            description: "Require aws:kms / aws:kms:dsse instead of accepting SSE-S3 (AES256).",
        },
    },
    validate(resources, config: Config, report) {
        const allowed = config.requireKms ? ["aws:kms", "aws:kms:dsse"] : SSE_ALGORITHMS;
        const companionsOf = companionIndex(byType(resources, SSE_CONFIGS));
        for (const b of byType(resources, BUCKETS)) {
            const { matched, uncertain } = companionsOf(b);
            const algs = [
                ...matched.flatMap(m => sseAlgorithms(m.props)),
                ...sseAlgorithms(b.props.serverSideEncryptionConfiguration),
            ];
            if (algs.some(isUnknown)) {
                continue;
            }
            if (algs.length === 0) {
                if (!uncertain) {
                    report(`bucket '${b.name}' has no server-side encryption configuration.`, b.urn);
                }
            } else if (!algs.some(a => allowed.includes(String(a)))) {
                report(`bucket '${b.name}' encrypts with ${algs.join(", ")}; allowed: ${allowed.join(", ")}.`, b.urn);
            }
        }
    },
});

function statements(doc: any): any[] {
    if (!doc || typeof doc !== "object") {
        return [];
    }
    const st = doc.Statement ?? doc.statement ?? doc.statements;
    return Array.isArray(st) ? st : st ? [st] : [];
}

function lowerKeys(o: any): Record<string, any> {
    const out: Record<string, any> = {};
    if (o && typeof o === "object") {
        for (const [k, v] of Object.entries(o)) {
            out[k.toLowerCase()] = v;
        }
    }
    return out;
}

function deniesInsecureTransport(st: any): boolean {
    if ((st?.Effect ?? st?.effect) !== "Deny") {
        return false;
    }
    const bool = lowerKeys(lowerKeys(st.Condition ?? st.condition)["bool"]);
    const v = bool["aws:securetransport"];
    return v === false || v === "false" || (Array.isArray(v) && v.some(x => x === false || x === "false"));
}

export const s3TlsOnly = stackPolicy({
    name: "paved-s3-tls-only",
    description: "Every S3 bucket's policy denies requests without TLS (aws:SecureTransport = false).",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Add a BucketPolicy statement { Effect: \"Deny\", Principal: \"*\", Action: \"s3:*\", Resource: [bucketArn, bucketArn + \"/*\"], Condition: { Bool: { \"aws:SecureTransport\": \"false\" } } }.",
    validate(resources, _config, report) {
        const companionsOf = companionIndex(byType(resources, [BUCKET_POLICY]));
        for (const b of byType(resources, BUCKETS)) {
            const { matched, uncertain } = companionsOf(b);
            const docs = [...matched.map(m => parseJsonInput(m.props.policy)), parseJsonInput(b.props.policy)];
            if (docs.some(d => !d.known)) {
                continue;
            }
            const ok = docs.some(d => statements(d.value).some(deniesInsecureTransport));
            if (!ok && !(uncertain && matched.length === 0)) {
                report(`bucket '${b.name}' allows plain-HTTP requests: no policy statement denies aws:SecureTransport=false.`, b.urn);
            }
        }
    },
});

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GRANTEES = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

export const s3NoPublicAcl = resourcePolicy({
    name: "paved-s3-no-public-acl",
    description: "No bucket ACL grants access to everyone or to all authenticated AWS users.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Use acl \"private\" (better: objectOwnership BucketOwnerEnforced, which disables ACLs) and serve public content through CloudFront with origin access control.",
    types: [...BUCKETS, ...BUCKET_ACLS],
    validate(r, _config, report) {
        const acl = r.props.acl;
        if (isKnownString(acl) && PUBLIC_ACLS.has(acl)) {
            report(`canned ACL '${acl}' makes the bucket public.`);
        }
        const grants = [
            ...asArray(r.props.accessControlPolicy?.grants),
            ...asArray(r.props.grants),
        ];
        for (const g of grants) {
            const uri = g?.grantee?.uri ?? g?.uri;
            if (isKnownString(uri) && PUBLIC_GRANTEES.includes(uri)) {
                report(`ACL grant ${g?.permission ?? (g?.permissions ?? []).join?.(",") ?? ""} to ${uri.split("/").pop()} makes the bucket public.`);
            }
        }
    },
});

// Conditions that pin a "*" principal to our own network/org/account.
const RESTRICTING_CONDITION_KEYS = [
    "aws:sourcevpce", "aws:sourcevpc", "aws:principalorgid", "aws:sourcearn", "aws:sourceaccount", "aws:principalaccount", "aws:principalarn",
];

function isStarPrincipal(p: any): boolean {
    if (p === "*") {
        return true;
    }
    if (p && typeof p === "object") {
        const aws = p.AWS ?? p.aws;
        return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
    }
    return false;
}

function isRestricted(st: any): boolean {
    const cond = lowerKeys(st.Condition ?? st.condition);
    for (const op of Object.values(cond)) {
        const keys = Object.keys(lowerKeys(op));
        if (keys.some(k => RESTRICTING_CONDITION_KEYS.includes(k))) {
            return true;
        }
    }
    return false;
}

export const s3PolicyNoPublicPrincipal = resourcePolicy({
    name: "paved-s3-policy-no-public-principal",
    description: "Bucket policies do not Allow Principal \"*\" unless a condition pins it to our VPC endpoint, organisation or account.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Name the principals (role ARNs, service principals) instead of \"*\", or add a condition on aws:SourceVpce / aws:PrincipalOrgID / aws:SourceAccount.",
    types: [BUCKET_POLICY, ...BUCKETS],
    validate(r, _config, report) {
        const doc = parseJsonInput(r.props.policy);
        if (!doc.known) {
            return;
        }
        statements(doc.value).forEach((st, i) => {
            if ((st?.Effect ?? st?.effect) === "Allow" && isStarPrincipal(st.Principal ?? st.principal) && !isRestricted(st)) {
                report(`statement ${st.Sid ?? i} allows Principal "*" (anyone on the internet).`);
            }
        });
    },
});

export const logGroupRetention = resourcePolicy({
    name: "paved-log-group-retention",
    description: "CloudWatch log groups keep logs for an explicit period of at least minRetentionDays.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Set retentionInDays to a supported value ≥ the minimum (e.g. 90, 365); an unset retention keeps logs (and any personal data in them) forever.",
    types: [LOG_GROUP],
    config: {
        minRetentionDays: {
            type: "integer",
            minimum: 1,
            default: 90,
            description: "Minimum retentionInDays.",
        },
    },
    validate(r, config: Config, report) {
        const v = r.props.retentionInDays;
        if (isUnknown(v)) {
            return;
        }
        const days = asInt(v);
        const min: number = config.minRetentionDays;
        if (days === undefined || days === 0) {
            report(`retentionInDays is not set (logs are kept forever); set it to at least ${min}.`);
        } else if (days < min) {
            report(`retentionInDays is ${days}; the minimum is ${min}.`);
        }
    },
});

export const logGroupKms = resourcePolicy({
    name: "paved-log-group-kms",
    description: "CloudWatch log groups are encrypted with a customer-managed KMS key.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Create an aws.kms.Key (enableKeyRotation: true) whose key policy allows logs.<region>.amazonaws.com, and set kmsKeyId: key.arn.",
    types: [LOG_GROUP],
    validate(r, _config, report) {
        const v = r.props.kmsKeyId;
        if (!isUnknown(v) && (!isKnownString(v) || v === "")) {
            report("kmsKeyId is not set.");
        }
    },
});

export const storagePolicies = [s3NoPublicAcl, s3PolicyNoPublicPrincipal, logGroupRetention, logGroupKms];
export const storageStackPolicies = [s3PublicAccessBlock, s3Encryption, s3TlsOnly];
