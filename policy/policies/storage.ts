// S3 and CloudWatch Logs. With @pulumi/aws v7 a bucket's public access block,
// encryption and policy are separate resources, so the bucket-level checks are
// stack policies that correlate each bucket with its companions (by bucket
// name, or by a property dependency on the bucket when the name is unknown).
import { Config, Res, resourcePolicy, stackPolicy } from "../lib/core";
import {
  asList,
  conditionRestrictsPrincipal,
  containsUnknown,
  globMatch,
  isPublicPrincipal,
  matchesAnyS3Action,
  matchesEveryS3Action,
  parseOperator,
  PARTITIONS,
  Statement,
  statementLabel,
  statementsOf,
} from "../lib/iamdoc";
import { asArray, asInt, isKnownString, isUnknown, joinWords, parseJsonInput, isKnownNotTrue } from "../lib/values";

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
  return resources.filter((r) => set.has(r.type));
}

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3PublicAccessBlock = stackPolicy({
  name: "paved-s3-public-access-block",
  types: [...BUCKETS, PUBLIC_ACCESS_BLOCK],
  description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true.",
  rationale: "The bucket-level safety net against public buckets: a later ACL or policy mistake cannot make the bucket public.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add aws.s3.BucketPublicAccessBlock { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }.",
  validate(resources, _config, report) {
    const companionsOf = companionIndex(byType(resources, [PUBLIC_ACCESS_BLOCK]));
    for (const b of byType(resources, BUCKETS)) {
      const { matched, uncertain } = companionsOf(b);
      if (matched.length === 0) {
        if (!uncertain) {
          report(`Bucket '${b.name}' has no BucketPublicAccessBlock, so an ACL or bucket policy can make it public.`, b.urn);
        }
        continue;
      }
      for (const pab of matched) {
        const off = PAB_FLAGS.filter((f) => isKnownNotTrue(pab.props[f]));
        if (off.length > 0) {
          report(`BucketPublicAccessBlock '${pab.name}' of bucket '${b.name}' leaves ${joinWords(off)} off.`, pab.urn);
        }
      }
    }
  },
});

const SSE_ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"];

/** sseAlgorithm of every rule: `rules` (list) on the separate resource, `rule` (an object in v7, a list in older shapes) inline on the bucket. */
function sseAlgorithms(container: any): unknown[] {
  if (!container || typeof container !== "object") {
    return [];
  }
  return asList(container.rules ?? container.rule).flatMap((rule) =>
    asList(rule?.applyServerSideEncryptionByDefault).map((d) => d?.sseAlgorithm),
  );
}

function describeAlgorithm(a: unknown): string {
  return isKnownString(a) && a !== "" ? `'${a}'` : "no sseAlgorithm";
}

export const s3Encryption = stackPolicy({
  name: "paved-s3-encryption",
  types: [...BUCKETS, ...SSE_CONFIGS],
  description:
    "Every S3 bucket has default server-side encryption configured (optionally KMS), as a BucketServerSideEncryptionConfiguration or the bucket's inline serverSideEncryptionConfiguration.",
  rationale:
    "Explicit default encryption, with a key the stack controls when requireKms is on; objects written by any client are encrypted.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Add aws.s3.BucketServerSideEncryptionConfiguration { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] }.',
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
      const sources = [
        ...matched.map((m) => ({ holder: m, algs: sseAlgorithms(m.props) })),
        { holder: b, algs: sseAlgorithms(b.props.serverSideEncryptionConfiguration) },
      ].filter((s) => s.algs.length > 0);
      if (sources.some((s) => s.algs.some(isUnknown)) || isUnknown(b.props.serverSideEncryptionConfiguration)) {
        continue;
      }
      if (sources.length === 0) {
        if (!uncertain) {
          report(`Bucket '${b.name}' has no server-side encryption configuration.`, b.urn);
        }
        continue;
      }
      if (sources.some((s) => s.algs.some((a) => allowed.includes(String(a))))) {
        continue;
      }
      for (const s of sources) {
        const what =
          s.holder === b
            ? `Bucket '${b.name}' (inline serverSideEncryptionConfiguration)`
            : `Encryption configuration '${s.holder.name}' of bucket '${b.name}'`;
        report(`${what} encrypts with ${s.algs.map(describeAlgorithm).join(", ")}; allowed: ${allowed.join(", ")}.`, s.holder.urn);
      }
    }
  },
});

// ---------------------------------------------------------------------------
// TLS-only bucket policies

interface DocSource {
  /** The resource that holds the policy document (a BucketPolicy, or the bucket's inline policy). */
  holder: Res;
  doc: unknown;
}

interface BucketGroup {
  bucket?: Res;
  /** Known bucket name (for building the ARNs a Deny must cover). */
  name?: string;
  sources: DocSource[];
}

function isSecureTransportFalse(values: unknown): boolean {
  return asList(values).some((v) => v === false || v === "false");
}

interface TlsStatementShape {
  label: string;
  allPrincipals: boolean;
  allActions: boolean;
  coversBucket: boolean;
  coversObjects: boolean;
  /** Other condition keys ANDed with aws:SecureTransport narrow the Deny. */
  narrowedBy: string[];
}

function bucketProbes(name: string): { bucket: string[]; objects: string[][] } {
  // One ARN per partition for the bucket itself; for objects, a pattern must match every key.
  const bucket = PARTITIONS.map((p) => `arn:${p}:s3:::${name}`);
  const objects = PARTITIONS.map((p) => [`arn:${p}:s3:::${name}/x`, `arn:${p}:s3:::${name}/a/b/c.txt`, `arn:${p}:s3:::${name}/Z~ ?`]);
  return { bucket, objects };
}

function covers(patterns: unknown[], notPatterns: unknown[] | undefined, targets: string[]): boolean {
  const match = (pats: unknown[], t: string) => pats.some((p) => isKnownString(p) && globMatch(p, t));
  if (notPatterns !== undefined) {
    return targets.every((t) => !match(notPatterns, t));
  }
  return targets.every((t) => match(patterns, t));
}

function tlsShape(st: Statement, name: string): TlsStatementShape | undefined {
  if (st.effect !== "Deny") {
    return undefined;
  }
  let secure = false;
  const narrowedBy: string[] = [];
  for (const [op, kv] of Object.entries(st.condition)) {
    const parsed = parseOperator(op);
    for (const [key, values] of Object.entries(kv)) {
      if (parsed.base === "bool" && !parsed.qualifier && key.toLowerCase() === "aws:securetransport" && isSecureTransportFalse(values)) {
        secure = true;
      } else {
        narrowedBy.push(`${op} ${key}`);
      }
    }
  }
  if (!secure) {
    return undefined;
  }
  // Fast path for the usual literal ARNs; wildcard patterns and NotResource go through the probes.
  const literal = (suffix: string) =>
    st.notResource === undefined &&
    st.resource.some(
      (p) =>
        p === "*" ||
        (isKnownString(p) && p.endsWith(suffix) && PARTITIONS.includes(p.slice(4, p.length - suffix.length)) && p.startsWith("arn:")),
    );
  let probes: ReturnType<typeof bucketProbes> | undefined;
  const anyPartition = (pick: (p: ReturnType<typeof bucketProbes>) => string[][]) => {
    probes ??= bucketProbes(name);
    return pick(probes).some((t) => covers(st.resource, st.notResource, t));
  };
  return {
    label: statementLabel(st),
    allPrincipals: st.notPrincipal === undefined && isPublicPrincipal(st.principal) && !isPartialPrincipalList(st.principal),
    allActions: st.notAction !== undefined ? !st.notAction.some(matchesAnyS3Action) : st.action.some(matchesEveryS3Action),
    coversBucket: literal(`:s3:::${name}`) || anyPartition((p) => p.bucket.map((b) => [b])),
    coversObjects: literal(`:s3:::${name}/*`) || anyPartition((p) => p.objects),
    narrowedBy,
  };
}

/** { AWS: "*" } is every principal; { AWS: "arn:aws:iam::*:root" } alone is every AWS account but not anonymous callers. */
function isPartialPrincipalList(p: unknown): boolean {
  if (p === "*") {
    return false;
  }
  if (p && typeof p === "object") {
    return !Object.values(p as Record<string, unknown>).some((v) => asList(v).includes("*"));
  }
  return true;
}

/** Undefined when the document denies insecure transport completely; otherwise what is missing, as a sentence fragment. */
function tlsGap(doc: any, name: string): string | undefined {
  const shapes = statementsOf(doc)
    .map((st) => tlsShape(st, name))
    .filter((s): s is TlsStatementShape => s !== undefined);
  if (shapes.length === 0) {
    return "no statement denies requests with aws:SecureTransport = false";
  }
  const complete = shapes.filter((s) => s.allPrincipals && s.allActions && s.narrowedBy.length === 0);
  if (complete.some((s) => s.coversBucket) && complete.some((s) => s.coversObjects)) {
    return undefined;
  }
  const holes: string[] = [];
  for (const s of shapes) {
    const missing: string[] = [];
    if (!s.allPrincipals) {
      missing.push('it does not apply to every principal (use Principal "*")');
    }
    if (!s.allActions) {
      missing.push('it does not cover every S3 action (use Action "s3:*")');
    }
    if (s.narrowedBy.length > 0) {
      missing.push(`it also requires ${s.narrowedBy.join(", ")}, so other requests over plain HTTP are let through`);
    }
    if (!s.coversBucket) {
      missing.push(`it does not cover the bucket ARN arn:aws:s3:::${name}`);
    }
    if (!s.coversObjects) {
      missing.push(`it does not cover every object (arn:aws:s3:::${name}/*)`);
    }
    holes.push(`${s.label} leaves holes: ${missing.join("; ")}`);
  }
  return holes.join(". ");
}

export const s3TlsOnly = stackPolicy({
  name: "paved-s3-tls-only",
  types: [...BUCKETS, BUCKET_POLICY],
  description:
    "Every S3 bucket (and every bucket policy in the stack, also for buckets defined elsewhere) denies requests without TLS: a Deny for every principal, every S3 action, " +
    "on the bucket ARN and bucket/*, conditioned only on aws:SecureTransport = false. Exactly one policy per bucket.",
  rationale:
    "Requests over plain HTTP expose data and presigned credentials; a Deny that misses a principal, an action, the bucket or its objects leaves that path open. " +
    "Two BucketPolicy resources for one bucket overwrite each other in AWS (the last write wins).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Keep a single aws.s3.BucketPolicy per bucket with the statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`], ' +
    'Condition: { Bool: { "aws:SecureTransport": "false" } } } and merge any other statements into it.',
  validate(resources, _config, report) {
    const groups = new Map<string, BucketGroup>();
    const alias = new Map<string, string>();
    for (const b of byType(resources, BUCKETS)) {
      const name = [b.props.bucket, b.props.id].find((v) => isKnownString(v) && v !== "") as string | undefined;
      groups.set(b.urn, { bucket: b, name, sources: [] });
      for (const v of [b.props.bucket, b.props.id]) {
        if (isKnownString(v) && v !== "") {
          alias.set(v, b.urn);
        }
      }
      if (b.props.policy !== undefined && b.props.policy !== null && b.props.policy !== "") {
        groups.get(b.urn)!.sources.push({ holder: b, doc: b.props.policy });
      }
    }
    let unlinkedUnknown = false;
    for (const p of byType(resources, [BUCKET_POLICY])) {
      const dep = (p.propertyDependencies?.bucket ?? []).find((u) => groups.has(u));
      const ref = p.props.bucket;
      let key = dep ?? (isKnownString(ref) ? alias.get(ref) : undefined);
      if (key === undefined && isKnownString(ref) && ref !== "") {
        key = `name:${ref}`; // a bucket this stack does not define: its policy is still checked
        if (!groups.has(key)) {
          groups.set(key, { name: ref, sources: [] });
        }
      }
      if (key === undefined) {
        unlinkedUnknown = true;
        continue;
      }
      groups.get(key)!.sources.push({ holder: p, doc: p.props.policy });
    }
    for (const g of groups.values()) {
      const what = g.bucket ? `bucket '${g.bucket.name}'` : `bucket '${g.name}' (not defined in this stack)`;
      if (g.sources.length === 0) {
        const b = g.bucket!;
        const nameKnown = g.name !== undefined;
        if (nameKnown && !unlinkedUnknown) {
          report(`Bucket '${b.name}' has no bucket policy, so nothing denies plain-HTTP (aws:SecureTransport = false) requests.`, b.urn);
        }
        continue;
      }
      if (g.sources.length > 1) {
        const names = g.sources.map((s) =>
          s.holder === g.bucket ? `the inline policy of bucket '${s.holder.name}'` : `BucketPolicy '${s.holder.name}'`,
        );
        for (const s of g.sources) {
          const text = joinWords(names);
          report(
            `${text.charAt(0).toUpperCase()}${text.slice(1)} ${g.sources.length === 2 ? "both" : "all"} set the policy of ${what}; AWS keeps only the last one written, so statements silently disappear. Merge them into one BucketPolicy.`,
            s.holder.urn,
          );
        }
      }
      if (g.name === undefined) {
        continue; // preview: the ARNs the Deny must cover are not known yet
      }
      for (const s of g.sources) {
        const parsed = parseJsonInput(s.doc);
        if (!parsed.known || containsUnknown(parsed.value)) {
          continue;
        }
        const gap = tlsGap(parsed.value, g.name);
        if (gap !== undefined) {
          const holder =
            s.holder === g.bucket ? `The inline policy of bucket '${s.holder.name}'` : `BucketPolicy '${s.holder.name}' of ${what}`;
          report(`${holder} allows plain-HTTP requests: ${gap}.`, s.holder.urn);
        }
      }
    }
  },
});

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GRANTEES = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

export const s3NoPublicAcl = resourcePolicy({
  name: "paved-s3-no-public-acl",
  description: "No bucket ACL grants access to everyone or to all authenticated AWS users (canned ACL or grant).",
  rationale: "A public-read or AuthenticatedUsers grant exposes every object to anyone with (or without) an AWS account.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Use acl "private" (better: objectOwnership BucketOwnerEnforced, which disables ACLs) and serve public content through CloudFront with origin access control.',
  types: [...BUCKETS, ...BUCKET_ACLS],
  validate(r, _config, report) {
    const holder = r.type.includes("bucketAcl")
      ? `ACL '${r.name}'${isKnownString(r.props.bucket) ? ` of bucket '${r.props.bucket}'` : ""}`
      : `Bucket '${r.name}'`;
    const acl = r.props.acl;
    if (isKnownString(acl) && PUBLIC_ACLS.has(acl)) {
      report(`${holder} uses the canned ACL '${acl}', which makes the bucket public.`);
    }
    const grants = [...asArray(r.props.accessControlPolicy?.grants), ...asArray(r.props.grants)];
    for (const g of grants) {
      const uri = g?.grantee?.uri ?? g?.uri;
      if (isKnownString(uri) && PUBLIC_GRANTEES.includes(uri)) {
        const perms = asList(g?.permission ?? g?.permissions).filter(isKnownString);
        report(
          `${holder} grants ${perms.length > 0 ? joinWords(perms) : "access"} to ${uri.split("/").pop()}, which makes the bucket public.`,
        );
      }
    }
  },
});

export const s3PolicyNoPublicPrincipal = resourcePolicy({
  name: "paved-s3-policy-no-public-principal",
  description:
    'Bucket policies do not Allow Principal "*" (or NotPrincipal) unless a condition pins the caller to our account, organisation, VPC (endpoint), source ARN or IP range ' +
    "(positive String/Arn/IpAddress operators on IAM's global keys; negated operators, wildcard values, ForAllValues and IfExists do not count).",
  rationale:
    'Principal "*" without a restricting condition means anyone on the internet; a negated or wildcard condition restricts nothing.',
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Name the principals (role ARNs, service principals) instead of "*", or add a condition such as { StringEquals: { "aws:PrincipalOrgID": "o-…" } } ' +
    "(or aws:SourceVpce, aws:PrincipalAccount, aws:SourceAccount) with literal values.",
  types: [BUCKET_POLICY, ...BUCKETS],
  validate(r, _config, report) {
    const doc = parseJsonInput(r.props.policy);
    if (!doc.known) {
      return;
    }
    const holder =
      r.type === BUCKET_POLICY
        ? `BucketPolicy '${r.name}'${isKnownString(r.props.bucket) ? ` of bucket '${r.props.bucket}'` : ""}`
        : `The inline policy of bucket '${r.name}'`;
    for (const st of statementsOf(doc.value)) {
      if (st.effect !== "Allow") {
        continue;
      }
      const publicPrincipal = st.notPrincipal !== undefined || isPublicPrincipal(st.principal);
      if (!publicPrincipal || containsUnknown(st.principal) || containsUnknown(st.notPrincipal)) {
        continue;
      }
      const verdict = conditionRestrictsPrincipal(st.condition);
      if (verdict.unknown || verdict.restricted) {
        continue;
      }
      const who = st.notPrincipal !== undefined ? "everyone except its NotPrincipal" : 'Principal "*"';
      const why =
        Object.keys(st.condition).length === 0
          ? "without a condition"
          : "and its condition does not pin the caller to an account, organisation, VPC or IP range";
      report(`${holder}: ${statementLabel(st)} allows ${who} ${why}, so anyone on the internet can use it.`);
    }
  },
});

export const logGroupRetention = resourcePolicy({
  name: "paved-log-group-retention",
  description: "CloudWatch log groups keep logs for an explicit period of at least minRetentionDays.",
  rationale: "Logs must outlive an investigation, but not live forever.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set retentionInDays to a supported value ≥ the minimum (e.g. 90, 365); an unset retention keeps logs (and any personal data in them) forever.",
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
    if (days === undefined) {
      report(`Log group '${r.name}' does not set retentionInDays, so its logs are kept forever; set it to at least ${min} days.`);
    } else if (days === 0) {
      report(`Log group '${r.name}' sets retentionInDays to 0, which keeps its logs forever; set it to at least ${min} days.`);
    } else if (days < min) {
      report(`Log group '${r.name}' has retentionInDays ${days}; the minimum is ${min} days.`);
    }
  },
});

export const logGroupKms = resourcePolicy({
  name: "paved-log-group-kms",
  description: "CloudWatch log groups are encrypted with a customer-managed KMS key.",
  rationale: "Logs carry request data; a CMK lets access be revoked and audited.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Create an aws.kms.Key (enableKeyRotation: true) whose key policy allows logs.<region>.amazonaws.com, and set kmsKeyId: key.arn.",
  types: [LOG_GROUP],
  validate(r, _config, report) {
    const v = r.props.kmsKeyId;
    if (!isUnknown(v) && (!isKnownString(v) || v === "")) {
      report(`Log group '${r.name}' does not set kmsKeyId, so its logs are encrypted only with a key the account cannot revoke or audit.`);
    }
  },
});

export const storagePolicies = [s3NoPublicAcl, s3PolicyNoPublicPrincipal, logGroupRetention, logGroupKms];
export const storageStackPolicies = [s3PublicAccessBlock, s3Encryption, s3TlsOnly];
