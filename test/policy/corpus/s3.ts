// S3: TLS-only policies, public principals, public access blocks, default encryption, ACLs.
import { ACCOUNT, allowPublicRead, arn, bucket, bucketPolicy, CorpusCase, doc, fullBucket, r, T, tlsDeny, urnOf } from "./build";

const TLS = "paved-s3-tls-only";
const S10 = "cdk-nag AwsSolutions-S10 / S3BucketSSLRequestsOnly rule test";
const GUARD_TLS = "awsguard s3-bucket-ssl-requests-only";
const withPolicy = (b: string, ...statements: any[]) => fullBucket(b, statements);

export const s3TlsCases: CorpusCase[] = [
    // Violations
    { id: "s3-tls-01", source: `${S10}: Noncompliance (bucket without a bucket policy)`, title: "bucket with no bucket policy", policy: TLS, expect: "violation",
        resources: fullBucket("t01", null), target: "t01", message: /has no bucket policy/ },
    { id: "s3-tls-02", source: `${S10}: Noncompliance (Deny for a single principal)`, title: "Deny names one account instead of every principal", policy: TLS, expect: "violation",
        resources: withPolicy("t02", tlsDeny("t02", { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })), target: "t02-policy", message: /every principal/ },
    { id: "s3-tls-03", source: `${S10}: Noncompliance (Deny on one action)`, title: "Deny only s3:GetObject", policy: TLS, expect: "violation",
        resources: withPolicy("t03", tlsDeny("t03", { Action: "s3:GetObject" })), target: "t03-policy", message: /every S3 action/ },
    { id: "s3-tls-04", source: `${S10}: Noncompliance (resource is the bucket ARN only)`, title: "Deny covers the bucket but not its objects", policy: TLS, expect: "violation",
        resources: withPolicy("t04", tlsDeny("t04", { Resource: arn("t04") })), target: "t04-policy", message: /every object \(arn:aws:s3:::t04\/\*\)/ },
    { id: "s3-tls-05", source: `${S10}: Noncompliance (resource is bucket/* only)`, title: "Deny covers objects but not the bucket ARN", policy: TLS, expect: "violation",
        resources: withPolicy("t05", tlsDeny("t05", { Resource: `${arn("t05")}/*` })), target: "t05-policy", message: /bucket ARN arn:aws:s3:::t05/ },
    { id: "s3-tls-06", source: `${GUARD_TLS}: prefix-only resource`, title: "Deny on bucket and a key prefix only", policy: TLS, expect: "violation",
        resources: withPolicy("t06", tlsDeny("t06", { Resource: [arn("t06"), `${arn("t06")}/public/*`] })), target: "t06-policy", message: /every object/ },
    { id: "s3-tls-07", source: `${S10}: Noncompliance (Allow on SecureTransport=true instead of a Deny)`, title: "Allow-only-TLS statement is not a Deny", policy: TLS, expect: "violation",
        resources: withPolicy("t07", { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "s3:*", Resource: [arn("t07"), `${arn("t07")}/*`],
            Condition: { Bool: { "aws:SecureTransport": "true" } } }), target: "t07-policy", message: /no statement denies/ },
    { id: "s3-tls-08", source: `${S10}: Noncompliance (Deny conditioned on SecureTransport=true)`, title: "inverted condition denies TLS requests", policy: TLS, expect: "violation",
        resources: withPolicy("t08", tlsDeny("t08", { Condition: { Bool: { "aws:SecureTransport": "true" } } })), target: "t08-policy", message: /no statement denies/ },
    { id: "s3-tls-09", source: `${GUARD_TLS}: Deny narrowed by a second condition key`, title: "Deny only for requests through one VPC endpoint", policy: TLS, expect: "violation",
        resources: withPolicy("t09", tlsDeny("t09", { Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } } })),
        target: "t09-policy", message: /also requires StringEquals aws:SourceVpce/ },
    { id: "s3-tls-10", source: "Terraform aws_s3_bucket_policy documentation: one policy per bucket (a second resource overwrites the first)", title: "two BucketPolicy resources for one bucket", policy: TLS, expect: "violation",
        resources: [...withPolicy("t10", tlsDeny("t10")), bucketPolicy("t10-policy-2", "t10", tlsDeny("t10"), allowPublicRead("t10"))], target: "t10-policy-2", message: /AWS keeps only the last one written/ },
    { id: "s3-tls-11", source: `${S10}: Noncompliance (policy for an imported bucket)`, title: "policy for a bucket this stack does not define, without TLS deny", policy: TLS, expect: "violation",
        resources: [bucketPolicy("ext-policy", "legacy-bucket", { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: "s3:GetObject", Resource: `${arn("legacy-bucket")}/*` })],
        target: "ext-policy", message: /not defined in this stack/ },
    { id: "s3-tls-12", source: `${GUARD_TLS}: NotPrincipal on the Deny`, title: "Deny with NotPrincipal exempts principals", policy: TLS, expect: "violation",
        resources: withPolicy("t12", { ...tlsDeny("t12", { Principal: undefined }), NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/legacy` } }), target: "t12-policy", message: /every principal/ },
    { id: "s3-tls-13", source: `${S10}: Noncompliance (action wildcard s3:Get*)`, title: "Deny on s3:Get* and s3:List* only", policy: TLS, expect: "violation",
        resources: withPolicy("t13", tlsDeny("t13", { Action: ["s3:Get*", "s3:List*"] })), target: "t13-policy", message: /every S3 action/ },
    { id: "s3-tls-14", source: "Checkov CKV_AWS_70 fixture shape: policy inline on aws_s3_bucket (v7 Bucket.policy)", title: "inline bucket policy without TLS deny", policy: TLS, expect: "violation",
        resources: [bucket("t14", { policy: doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "s3:GetObject", Resource: `${arn("t14")}/*` }) })],
        target: "t14", message: /inline policy of bucket 't14'/ },
    { id: "s3-tls-15", source: "Terraform aws_s3_bucket documentation: policy argument conflicts with aws_s3_bucket_policy", title: "inline policy plus a BucketPolicy for the same bucket", policy: TLS, expect: "violation",
        resources: [bucket("t15", { policy: doc(tlsDeny("t15")) }), bucketPolicy("t15-policy", "t15", tlsDeny("t15"))], target: "t15-policy", message: /last one written/ },
    { id: "s3-tls-16", source: `${GUARD_TLS}: NotAction on the Deny`, title: "Deny NotAction s3:GetObject leaves GetObject over HTTP", policy: TLS, expect: "violation",
        resources: withPolicy("t16", { ...tlsDeny("t16", { Action: undefined }), NotAction: "s3:GetObject" }), target: "t16-policy", message: /every S3 action/ },
    { id: "s3-tls-17", source: `${S10}: Noncompliance (Deny for another bucket's ARNs)`, title: "Deny copied from another bucket", policy: TLS, expect: "violation",
        resources: withPolicy("t17", tlsDeny("other-bucket")), target: "t17-policy", message: /bucket ARN arn:aws:s3:::t17/ },
    { id: "s3-tls-18", source: `${S10}: Noncompliance (Deny without a condition is a different statement)`, title: "Deny with NumericLessThan s3:TlsVersion only", policy: TLS, expect: "violation",
        resources: withPolicy("t18", tlsDeny("t18", { Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } })), target: "t18-policy", message: /no statement denies/ },
    { id: "s3-tls-19", source: `${S10}: Noncompliance (BucketV2 without policy)`, title: "BucketV2 with no bucket policy", policy: TLS, expect: "violation",
        resources: [bucket("t19", {}, T.bucketV2)], target: "t19", message: /no bucket policy/ },
    // Passes
    { id: "s3-tls-20", source: `${S10}: Compliance (canonical Deny)`, title: "Deny * s3:* bucket and bucket/* on SecureTransport=false", policy: TLS, expect: "pass",
        resources: withPolicy("t20", tlsDeny("t20")) },
    { id: "s3-tls-21", source: `${S10}: Compliance (Principal { AWS: "*" })`, title: "AWS: * principal", policy: TLS, expect: "pass",
        resources: withPolicy("t21", tlsDeny("t21", { Principal: { AWS: "*" } })) },
    { id: "s3-tls-22", source: `${S10}: Compliance (Principal { AWS: ["*"] }, Action ["s3:*"])`, title: "list forms of principal and action", policy: TLS, expect: "pass",
        resources: withPolicy("t22", tlsDeny("t22", { Principal: { AWS: ["*"] }, Action: ["s3:*"] })) },
    { id: "s3-tls-23", source: `${S10}: Compliance (Action "*")`, title: "Action * covers every S3 action", policy: TLS, expect: "pass",
        resources: withPolicy("t23", tlsDeny("t23", { Action: "*" })) },
    { id: "s3-tls-24", source: `${GUARD_TLS}: two statements, one per resource`, title: "bucket and objects denied in separate statements", policy: TLS, expect: "pass",
        resources: withPolicy("t24", tlsDeny("t24", { Sid: "Bucket", Resource: arn("t24") }), tlsDeny("t24", { Sid: "Objects", Resource: `${arn("t24")}/*` })) },
    { id: "s3-tls-25", source: `${S10}: Compliance (BoolIfExists)`, title: "BoolIfExists also denies when the key is absent", policy: TLS, expect: "pass",
        resources: withPolicy("t25", tlsDeny("t25", { Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } })) },
    { id: "s3-tls-26", source: "aws.iam.getPolicyDocument output: boolean false and lower-case key", title: "condition value false (boolean) and lower-case key", policy: TLS, expect: "pass",
        resources: withPolicy("t26", tlsDeny("t26", { Condition: { Bool: { "aws:securetransport": false } } })) },
    { id: "s3-tls-27", source: `${S10}: Compliance (policy for an imported bucket)`, title: "complete Deny in a policy for a bucket defined elsewhere", policy: TLS, expect: "pass",
        resources: [bucketPolicy("ext-ok", "legacy-ok", tlsDeny("legacy-ok"))] },
    { id: "s3-tls-28", source: `${S10}: Compliance (aws-cn partition)`, title: "bucket ARN in the aws-cn partition", policy: TLS, expect: "pass",
        resources: withPolicy("t28", tlsDeny("t28", { Resource: [arn("t28", "aws-cn"), `${arn("t28", "aws-cn")}/*`] })) },
    { id: "s3-tls-29", source: "ALB access-log bucket (AWS ELB documentation) with the TLS Deny", title: "Deny plus an Allow for ELB log delivery", policy: TLS, expect: "pass",
        resources: withPolicy("t29", tlsDeny("t29"), { Sid: "AllowAlbLogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
            Action: "s3:PutObject", Resource: `${arn("t29")}/alb/AWSLogs/${ACCOUNT}/*` }) },
    { id: "s3-tls-30", source: "Pulumi preview: bucket name not known yet", title: "unknown bucket name, policy linked by property dependency", policy: TLS, expect: "pass",
        resources: (() => {
            const b = r(T.bucket, "t30", { bucketPrefix: "t30-" }, { id: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", bucket: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
            const p = r(T.bucketPolicy, "t30-policy", { bucket: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", policy: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, {}, { bucket: [urnOf(T.bucket, "t30")] });
            return [b, p];
        })() },
    { id: "s3-tls-31", source: `${S10}: Compliance (bucket ARN pattern with a trailing wildcard on objects)`, title: "Resource bucket and bucket/* given in reverse order", policy: TLS, expect: "pass",
        resources: withPolicy("t31", tlsDeny("t31", { Resource: [`${arn("t31")}/*`, arn("t31")] })) },
];

const PUB = "paved-s3-policy-no-public-principal";
const CKV70 = "Checkov CKV_AWS_70 (S3 bucket policy allows an action with any principal)";
const GUARD_PUB = "awsguard s3-bucket-public-read-prohibited";
const pub = (id: string, condition?: Record<string, any>, over: Record<string, any> = {}) => bucketPolicy(`${id}`, "pubs", allowPublicRead("pubs", condition, over));

export const s3PublicPrincipalCases: CorpusCase[] = [
    { id: "s3-pub-01", source: `${CKV70}: failing fixture (Principal "*", no condition)`, title: "public read", policy: PUB, expect: "violation", resources: [pub("p01")], message: /without a condition/ },
    { id: "s3-pub-02", source: `${CKV70}: failing fixture (Principal { AWS: "*" }) with a negated operator`, title: "StringNotEquals aws:PrincipalAccount restricts nothing", policy: PUB, expect: "violation",
        resources: [pub("p02", { StringNotEquals: { "aws:PrincipalAccount": ACCOUNT } }, { Principal: { AWS: "*" } })], message: /does not pin/ },
    { id: "s3-pub-03", source: `${GUARD_PUB}: negated ARN operator`, title: "ArnNotEquals aws:PrincipalArn", policy: PUB, expect: "violation",
        resources: [pub("p03", { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/blocked` } })] },
    { id: "s3-pub-04", source: `${GUARD_PUB}: wildcard account in aws:PrincipalArn`, title: "ArnLike arn:aws:iam::*:role/reader", policy: PUB, expect: "violation",
        resources: [pub("p04", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/reader" } })] },
    { id: "s3-pub-05", source: `${GUARD_PUB}: wildcard organisation id`, title: "StringLike aws:PrincipalOrgID o-*", policy: PUB, expect: "violation",
        resources: [pub("p05", { StringLike: { "aws:PrincipalOrgID": "o-*" } })] },
    { id: "s3-pub-06", source: "IAM documentation, ...IfExists operators: true when the key is absent", title: "StringEqualsIfExists aws:SourceVpce", policy: PUB, expect: "violation",
        resources: [pub("p06", { StringEqualsIfExists: { "aws:SourceVpce": "vpce-0a1b2c3d" } })] },
    { id: "s3-pub-07", source: "IAM documentation, ForAllValues: true when the key is absent", title: "ForAllValues:StringLike aws:PrincipalOrgPaths", policy: PUB, expect: "violation",
        resources: [pub("p07", { "ForAllValues:StringLike": { "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"] } })] },
    { id: "s3-pub-08", source: `${CKV70}: failing fixture shape with aws:Referer`, title: "aws:Referer is spoofable and restricts no principal", policy: PUB, expect: "violation",
        resources: [pub("p08", { StringLike: { "aws:Referer": "https://www.example.com/*" } })] },
    { id: "s3-pub-09", source: `${GUARD_PUB}: SecureTransport-only condition`, title: "Bool aws:SecureTransport true only", policy: PUB, expect: "violation",
        resources: [pub("p09", { Bool: { "aws:SecureTransport": "true" } })] },
    { id: "s3-pub-10", source: `${CKV70}: failing fixture (NotPrincipal with Allow)`, title: "Allow with NotPrincipal", policy: PUB, expect: "violation",
        resources: [pub("p10", undefined, { Principal: undefined, NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })], message: /everyone except/ },
    { id: "s3-pub-11", source: `${GUARD_PUB}: IpAddress on the whole internet`, title: "IpAddress aws:SourceIp 0.0.0.0/0", policy: PUB, expect: "violation",
        resources: [pub("p11", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } })] },
    { id: "s3-pub-12", source: `${GUARD_PUB}: NotIpAddress`, title: "NotIpAddress excludes a range and admits the rest", policy: PUB, expect: "violation",
        resources: [pub("p12", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } })] },
    { id: "s3-pub-13", source: "IAM documentation, aws:username: the user's friendly name, unique only within an account", title: "StringEquals aws:username alone", policy: PUB, expect: "violation",
        resources: [pub("p13", { StringEquals: { "aws:username": "alice" } })] },
    { id: "s3-pub-14", source: `${CKV70}: failing fixture (every account's root)`, title: "Principal arn:aws:iam::*:root", policy: PUB, expect: "violation",
        resources: [pub("p14", undefined, { Principal: { AWS: "arn:aws:iam::*:root" } })] },
    { id: "s3-pub-15", source: `${GUARD_PUB}: wildcard aws:userid`, title: "StringLike aws:userid *", policy: PUB, expect: "violation",
        resources: [pub("p15", { StringLike: { "aws:userid": "*" } })] },
    { id: "s3-pub-16", source: `${CKV70}: failing fixture (policy inline on the bucket)`, title: "public inline bucket policy (v7 Bucket.policy)", policy: PUB, expect: "violation",
        resources: [bucket("p16", { policy: doc(allowPublicRead("p16")) })], target: "p16" },
    { id: "s3-pub-17", source: "IAM documentation, aws:userid is 'anonymous' for unauthenticated requests", title: "StringEquals aws:userid anonymous", policy: PUB, expect: "violation",
        resources: [pub("p17", { StringEquals: { "aws:userid": "anonymous" } })] },
    { id: "s3-pub-18", source: `${GUARD_PUB}: wildcard account in aws:SourceArn`, title: "ArnLike aws:SourceArn with any account", policy: PUB, expect: "violation",
        resources: [pub("p18", { ArnLike: { "aws:SourceArn": "arn:aws:cloudfront::*:distribution/*" } })] },
    { id: "s3-pub-19", source: `${GUARD_PUB}: StringNotLike aws:SourceVpc`, title: "StringNotLike aws:SourceVpc", policy: PUB, expect: "violation",
        resources: [pub("p19", { StringNotLike: { "aws:SourceVpc": "vpc-0bad*" } })] },
    { id: "s3-pub-20", source: `${GUARD_PUB}: wildcard VPC endpoint`, title: "StringLike aws:SourceVpce vpce-*", policy: PUB, expect: "violation",
        resources: [pub("p20", { StringLike: { "aws:SourceVpce": "vpce-*" } })] },
    // Passes: restricting conditions on every global key the issue lists
    { id: "s3-pub-21", source: "AWS S3 documentation: restricting access to a VPC endpoint (aws:SourceVpce)", title: "StringEquals aws:SourceVpce", policy: PUB, expect: "pass",
        resources: [pub("p21", { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } })] },
    { id: "s3-pub-22", source: "AWS blog: aws:PrincipalOrgID in resource policies", title: "StringEquals aws:PrincipalOrgID", policy: PUB, expect: "pass",
        resources: [pub("p22", { StringEquals: { "aws:PrincipalOrgID": "o-abc123def4" } })] },
    { id: "s3-pub-23", source: "IAM documentation, aws:PrincipalOrgPaths with ForAnyValue:StringLike", title: "ForAnyValue:StringLike aws:PrincipalOrgPaths", policy: PUB, expect: "pass",
        resources: [pub("p23", { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"] } })] },
    { id: "s3-pub-24", source: "IAM documentation, aws:VpceAccount", title: "StringEquals aws:VpceAccount", policy: PUB, expect: "pass",
        resources: [pub("p24", { StringEquals: { "aws:VpceAccount": ACCOUNT } })] },
    { id: "s3-pub-25", source: "IAM documentation, aws:userid for a role session (role id:*)", title: "StringLike aws:userid AROA…:*", policy: PUB, expect: "pass",
        resources: [pub("p25", { StringLike: { "aws:userid": "AROAEXAMPLEID1234567:*" } })] },
    { id: "s3-pub-26", source: "CloudFront origin access control bucket policy (aws:SourceArn)", title: "ArnEquals aws:SourceArn distribution", policy: PUB, expect: "pass",
        resources: [pub("p26", { ArnEquals: { "aws:SourceArn": `arn:aws:cloudfront::${ACCOUNT}:distribution/E1ABCDEF` } })] },
    { id: "s3-pub-27", source: "IAM documentation, aws:SourceAccount (confused deputy)", title: "StringEquals aws:SourceAccount", policy: PUB, expect: "pass",
        resources: [pub("p27", { StringEquals: { "aws:SourceAccount": ACCOUNT } })] },
    { id: "s3-pub-28", source: "AWS S3 documentation: restricting access to IP addresses", title: "IpAddress aws:SourceIp 203.0.113.0/24", policy: PUB, expect: "pass",
        resources: [pub("p28", { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"] } })] },
    { id: "s3-pub-29", source: "IAM documentation, aws:PrincipalAccount", title: "StringEquals aws:PrincipalAccount", policy: PUB, expect: "pass",
        resources: [pub("p29", { StringEquals: { "aws:PrincipalAccount": [ACCOUNT] } })] },
    { id: "s3-pub-30", source: "IAM documentation, aws:PrincipalArn with ArnLike", title: "ArnLike aws:PrincipalArn in our account", policy: PUB, expect: "pass",
        resources: [pub("p30", { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/*` } })] },
    { id: "s3-pub-31", source: "AWS S3 documentation: restricting access to a VPC (aws:SourceVpc)", title: "StringEquals aws:SourceVpc", policy: PUB, expect: "pass",
        resources: [pub("p31", { StringEquals: { "aws:SourceVpc": "vpc-0abc1234" } })] },
    { id: "s3-pub-32", source: "IAM documentation, aws:VpceOrgID", title: "StringEquals aws:VpceOrgID", policy: PUB, expect: "pass",
        resources: [pub("p32", { StringEquals: { "aws:VpceOrgID": "o-abc123def4" } })] },
    { id: "s3-pub-33", source: "IAM documentation, aws:SourceOrgID", title: "StringEquals aws:SourceOrgID", policy: PUB, expect: "pass",
        resources: [pub("p33", { StringEquals: { "aws:SourceOrgID": "o-abc123def4" } })] },
    { id: "s3-pub-34", source: "IAM documentation: condition keys are case-insensitive", title: "AWS:SourceVpce in upper case, StringEqualsIgnoreCase", policy: PUB, expect: "pass",
        resources: [pub("p34", { StringEqualsIgnoreCase: { "AWS:SourceVpce": "vpce-1a2b3c4d" } })] },
    { id: "s3-pub-35", source: "AWS CloudFront documentation (origin access control): service principal, not a public one", title: "Service principal with SourceArn", policy: PUB, expect: "pass",
        resources: [pub("p35", { StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${ACCOUNT}:distribution/E1ABCDEF` } }, { Principal: { Service: "cloudfront.amazonaws.com" } })] },
    { id: "s3-pub-36", source: `${CKV70}: passing fixture (Deny with Principal "*")`, title: "Deny statements may name every principal", policy: PUB, expect: "pass",
        resources: [bucketPolicy("p36", "pubs", tlsDeny("pubs"))] },
    { id: "s3-pub-37", source: "IAM documentation: conditions are ANDed, one restricting key is enough", title: "SecureTransport plus PrincipalOrgID", policy: PUB, expect: "pass",
        resources: [pub("p37", { Bool: { "aws:SecureTransport": "true" }, StringEquals: { "aws:PrincipalOrgID": "o-abc123def4" } })] },
    { id: "s3-pub-38", source: "Service log delivery (aws:SourceArn of an S3 bucket)", title: "ArnLike aws:SourceArn of a literal bucket", policy: PUB, expect: "pass",
        resources: [pub("p38", { ArnLike: { "aws:SourceArn": "arn:aws:s3:::my-source-bucket" } })] },
    { id: "s3-pub-39", source: "IAM documentation, aws:userid is always present (IfExists still restricts)", title: "StringEqualsIfExists aws:userid", policy: PUB, expect: "pass",
        resources: [pub("p39", { StringEqualsIfExists: { "aws:userid": "AIDAEXAMPLEUSERID1234" } })] },
];

const PAB = "paved-s3-public-access-block";
const CKV5x = "Checkov CKV_AWS_53..56 (aws_s3_bucket_public_access_block flags)";
const S2 = "cdk-nag AwsSolutions-S2 (S3BucketLevelPublicAccessProhibited)";
const pabSet = (b: string, over: Record<string, any>) => fullBucket(b).map(x => x.type === T.pab ? { ...x, inputs: { ...x.inputs, ...over }, outputs: { ...x.outputs, ...over } } : x);

export const s3PabCases: CorpusCase[] = [
    ...["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map((flag, i): CorpusCase => ({
        id: `s3-pab-0${i + 1}`, source: `${CKV5x}: failing fixture with ${flag} = false`, title: `${flag} false`, policy: PAB, expect: "violation",
        resources: pabSet(`pab${i + 1}`, { [flag]: false }), target: `pab${i + 1}-pab`, message: new RegExp(`leaves ${flag} off`),
    })),
    { id: "s3-pab-05", source: `${S2}: Noncompliance (no public access block)`, title: "bucket without a BucketPublicAccessBlock", policy: PAB, expect: "violation",
        resources: fullBucket("pab5").filter(x => x.type !== T.pab), target: "pab5" },
    { id: "s3-pab-06", source: `${S2}: Noncompliance (block for another bucket)`, title: "public access block of another bucket does not count", policy: PAB, expect: "violation",
        resources: [bucket("pab6"), ...fullBucket("pab6-other").filter(x => x.type === T.pab)], target: "pab6" },
    { id: "s3-pab-07", source: `${CKV5x}: failing fixture with flags omitted (default false)`, title: "flags not set", policy: PAB, expect: "violation",
        resources: [bucket("pab7"), r(T.pab, "pab7-pab", { bucket: "pab7" })], target: "pab7-pab" },
    { id: "s3-pab-08", source: `${CKV5x}: passing fixture (all four true)`, title: "all four flags", policy: PAB, expect: "pass", resources: fullBucket("pab8") },
    { id: "s3-pab-09", source: `${S2}: Compliance (block linked by reference to the bucket)`, title: "matched by property dependency while the name is unknown", policy: PAB, expect: "pass",
        resources: [r(T.bucket, "pab9", {}, { id: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", bucket: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
            r(T.pab, "pab9-pab", { bucket: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, {},
                { bucket: [urnOf(T.bucket, "pab9")] })] },
    { id: "s3-pab-10", source: `${CKV5x}: passing fixture on BucketV2`, title: "BucketV2 with a complete block", policy: PAB, expect: "pass",
        resources: [bucket("pab10", {}, T.bucketV2), r(T.pab, "pab10-pab", { bucket: "pab10", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })] },
];

const SSE = "paved-s3-encryption";
const CKV19 = "Checkov CKV_AWS_19 (S3 bucket encrypted at rest)";
const CKV145 = "Checkov CKV_AWS_145 (S3 bucket encrypted with KMS by default)";
const GUARD_SSE = "awsguard s3-bucket-server-side-encryption-enabled";

export const s3EncryptionCases: CorpusCase[] = [
    { id: "s3-sse-01", source: `${CKV19}: failing fixture (no encryption configuration)`, title: "no SSE configuration", policy: SSE, expect: "violation",
        resources: fullBucket("e1").filter(x => x.type !== T.sse), target: "e1" },
    { id: "s3-sse-02", source: `${CKV145}: failing fixture (AES256 when KMS is required)`, title: "SSE-S3 with requireKms", policy: SSE, expect: "violation",
        resources: [bucket("e2"), r(T.sse, "e2-sse", { bucket: "e2", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] })],
        target: "e2-sse", message: /encrypts with 'AES256'; allowed: aws:kms, aws:kms:dsse/, config: { [SSE]: { requireKms: true } } },
    { id: "s3-sse-03", source: `${GUARD_SSE}: configuration for another bucket`, title: "encryption configuration of another bucket", policy: SSE, expect: "violation",
        resources: [bucket("e3"), r(T.sse, "e3-other-sse", { bucket: "e3-other", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] })], target: "e3" },
    { id: "s3-sse-04", source: `${CKV145}: failing fixture (inline v7 object rule with AES256)`, title: "inline serverSideEncryptionConfiguration AES256 with requireKms", policy: SSE, expect: "violation",
        resources: [bucket("e4", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } })],
        target: "e4", message: /inline serverSideEncryptionConfiguration\) encrypts with 'AES256'/, config: { [SSE]: { requireKms: true } } },
    { id: "s3-sse-05", source: `${GUARD_SSE}: rule without a default encryption`, title: "rule with only bucketKeyEnabled", policy: SSE, expect: "violation",
        resources: [bucket("e5"), r(T.sse, "e5-sse", { bucket: "e5", rules: [{ bucketKeyEnabled: true }] })], target: "e5" },
    { id: "s3-sse-06", source: `${CKV19}: passing fixture (separate KMS configuration)`, title: "BucketServerSideEncryptionConfiguration aws:kms", policy: SSE, expect: "pass", resources: fullBucket("e6") },
    { id: "s3-sse-07", source: `${CKV19}: passing fixture (inline rule on aws_s3_bucket), v7 object shape`, title: "inline serverSideEncryptionConfiguration.rule object", policy: SSE, expect: "pass",
        resources: [bucket("e7", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } })] },
    { id: "s3-sse-08", source: `${CKV145}: passing fixture (aws:kms:dsse)`, title: "inline DSSE-KMS", policy: SSE, expect: "pass",
        resources: [bucket("e8", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: "k" } } } })],
        config: { [SSE]: { requireKms: true } } },
    { id: "s3-sse-09", source: `${CKV19}: passing fixture (V2 resource)`, title: "BucketServerSideEncryptionConfigurationV2", policy: SSE, expect: "pass",
        resources: [bucket("e9"), r(T.sseV2, "e9-sse", { bucket: "e9", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] })] },
    { id: "s3-sse-10", source: `${CKV19}: passing fixture (inline rule as a one-element list, pre-v7 state)`, title: "inline rule list", policy: SSE, expect: "pass",
        resources: [bucket("e10", { serverSideEncryptionConfiguration: { rules: [{ applyServerSideEncryptionByDefault: [{ sseAlgorithm: "AES256" }] }] } })] },
];

const ACL = "paved-s3-no-public-acl";
const CKV20 = "Checkov CKV_AWS_20 (no public READ ACL)";
const CKV57 = "Checkov CKV_AWS_57 (no public WRITE ACL)";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";

export const s3AclCases: CorpusCase[] = [
    { id: "s3-acl-01", source: `${CKV20}: failing fixture (acl = public-read)`, title: "canned public-read on the bucket", policy: ACL, expect: "violation",
        resources: [bucket("a1", { acl: "public-read" })], message: /canned ACL 'public-read'/ },
    { id: "s3-acl-02", source: `${CKV57}: failing fixture (public-read-write on aws_s3_bucket_acl)`, title: "BucketAclV2 public-read-write", policy: ACL, expect: "violation",
        resources: [r(T.bucketAclV2, "a2", { bucket: "a2-bucket", acl: "public-read-write" })] },
    { id: "s3-acl-03", source: `${CKV20}: failing fixture (grant READ to AllUsers)`, title: "grant READ to AllUsers", policy: ACL, expect: "violation",
        resources: [r(T.bucketAcl, "a3", { bucket: "a3-bucket", accessControlPolicy: { owner: { id: "owner" }, grants: [{ grantee: { type: "Group", uri: ALL_USERS }, permission: "READ" }] } })],
        message: /grants READ to AllUsers/ },
    { id: "s3-acl-04", source: "awsguard s3-bucket-public-read-prohibited: AuthenticatedUsers grant", title: "grant WRITE to AuthenticatedUsers", policy: ACL, expect: "violation",
        resources: [r(T.bucketAclV2, "a4", { bucket: "a4-bucket", accessControlPolicy: { owner: { id: "o" }, grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" }, permission: "WRITE" }] } })] },
    { id: "s3-acl-05", source: `${CKV20}: failing fixture (authenticated-read)`, title: "canned authenticated-read", policy: ACL, expect: "violation",
        resources: [r(T.bucketAcl, "a5", { bucket: "a5-bucket", acl: "authenticated-read" })] },
    { id: "s3-acl-06", source: `${CKV20}: passing fixture (private)`, title: "private ACL", policy: ACL, expect: "pass", resources: [r(T.bucketAclV2, "a6", { bucket: "b", acl: "private" })] },
    { id: "s3-acl-07", source: `${CKV20}: passing fixture (log-delivery-write)`, title: "log-delivery-write is not public", policy: ACL, expect: "pass",
        resources: [r(T.bucketAcl, "a7", { bucket: "logs", acl: "log-delivery-write" })] },
    { id: "s3-acl-08", source: `${CKV20}: passing fixture (grant to a canonical user)`, title: "FULL_CONTROL to the owner's canonical id", policy: ACL, expect: "pass",
        resources: [r(T.bucketAclV2, "a8", { bucket: "b", accessControlPolicy: { owner: { id: "o" }, grants: [{ grantee: { type: "CanonicalUser", id: "79a59df900b949e55d96a1e698fbaced" }, permission: "FULL_CONTROL" }] } })] },
];
