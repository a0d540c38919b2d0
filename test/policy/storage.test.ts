import * as assert from "assert";
import { ResourceRecord } from "../../policy/evaluator";
import { passes, res, run, UNKNOWN, violates } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";
const tlsPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::assets-1", "arn:aws:s3:::assets-1/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
});

function bucketSet(
  opts: { bucketType?: string; sseType?: string; pab?: Record<string, any>; sse?: string; policy?: string | null; name?: string } = {},
): ResourceRecord[] {
  const name = opts.name ?? "assets-1";
  const out: ResourceRecord[] = [
    res(opts.bucketType ?? BUCKET, "assets", { bucket: name }, { bucket: name, id: name, arn: `arn:aws:s3:::${name}` }),
  ];
  out.push(
    res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "assets-pab", {
      bucket: name,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
      ...(opts.pab ?? {}),
    }),
  );
  out.push(
    res(opts.sseType ?? "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "assets-sse", {
      bucket: name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: opts.sse ?? "aws:kms" } }],
    }),
  );
  if (opts.policy !== null) {
    out.push(res("aws:s3/bucketPolicy:BucketPolicy", "assets-policy", { bucket: name, policy: opts.policy ?? tlsPolicy }));
  }
  return out;
}

describe("policy: storage and logging", () => {
  for (const bucketType of [BUCKET, "aws:s3/bucketV2:BucketV2"]) {
    for (const sseType of [
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ]) {
      it(`correlates ${bucketType.split(":").pop()} with its separate v7 resources (${sseType.split(":").pop()})`, async () => {
        const ok = bucketSet({ bucketType, sseType });
        for (const p of ["paved-s3-public-access-block", "paved-s3-encryption", "paved-s3-tls-only"]) {
          await passes(p, ok);
        }
        await violates(
          "paved-s3-public-access-block",
          bucketSet({ bucketType, sseType, pab: { restrictPublicBuckets: false } }),
          /restrictPublicBuckets/,
        );
        await violates(
          "paved-s3-public-access-block",
          bucketSet({ bucketType, sseType }).filter((r) => !r.type.includes("PublicAccessBlock")),
          /no BucketPublicAccessBlock/,
        );
        await violates(
          "paved-s3-encryption",
          bucketSet({ bucketType, sseType }).filter((r) => !r.type.includes("Encryption")),
          /no server-side encryption/,
        );
        await violates("paved-s3-tls-only", bucketSet({ bucketType, sseType, policy: null }), /plain-HTTP/);
      });
    }
  }

  it("a companion belonging to another bucket does not count", async () => {
    const other = bucketSet({ name: "other-bucket" }).filter((r) => r.type !== BUCKET);
    const mine = res(BUCKET, "mine", { bucket: "mine-1" }, { bucket: "mine-1", id: "mine-1" });
    const fs = (await run([mine, ...other])).filter((f) => f.urn === mine.urn).map((f) => f.policy);
    assert.deepStrictEqual(fs.sort(), ["paved-s3-encryption", "paved-s3-public-access-block", "paved-s3-tls-only"]);
  });

  it("correlates by property dependency when the bucket name is unknown (preview)", async () => {
    const set = bucketSet();
    set[0].outputs = { bucket: UNKNOWN, id: UNKNOWN };
    for (const r of set.slice(1)) {
      r.outputs = { ...r.outputs, bucket: UNKNOWN };
      r.propertyDependencies = { bucket: [set[0].urn] };
    }
    for (const p of ["paved-s3-public-access-block", "paved-s3-encryption", "paved-s3-tls-only"]) {
      await passes(p, set);
    }
    // With unknown names and no dependency information, absence cannot be concluded: no report.
    const noDeps = set.map((r) => ({ ...r, propertyDependencies: {} }));
    await passes("paved-s3-public-access-block", noDeps);
  });

  it("encryption algorithm: SSE-S3 accepted unless requireKms", async () => {
    await passes("paved-s3-encryption", bucketSet({ sse: "AES256" }));
    await violates("paved-s3-encryption", bucketSet({ sse: "AES256" }), /allowed: aws:kms/, {
      "paved-s3-encryption": { requireKms: true },
    });
  });

  it("no public ACLs on buckets or BucketAcl(V2)", async () => {
    await violates("paved-s3-no-public-acl", res(BUCKET, "b", { acl: "public-read" }), /public-read/);
    for (const t of ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"]) {
      await violates("paved-s3-no-public-acl", res(t, "acl", { bucket: "b", acl: "public-read-write" }));
      await violates(
        "paved-s3-no-public-acl",
        res(t, "acl", {
          bucket: "b",
          accessControlPolicy: {
            grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }],
            owner: { id: "x" },
          },
        }),
        /AllUsers/,
      );
      await passes("paved-s3-no-public-acl", res(t, "acl", { bucket: "b", acl: "private" }));
    }
  });

  it("no Allow to Principal * unless pinned by a condition", async () => {
    const P = "paved-s3-policy-no-public-principal";
    const doc = (st: any) => JSON.stringify({ Version: "2012-10-17", Statement: [st] });
    await violates(
      P,
      res("aws:s3/bucketPolicy:BucketPolicy", "p", {
        bucket: "b",
        policy: doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
      }),
      /Principal "\*"/,
    );
    await violates(
      P,
      res("aws:s3/bucketPolicy:BucketPolicy", "p", {
        bucket: "b",
        policy: doc({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "s3:*", Resource: "*" }),
      }),
    );
    await passes(
      P,
      res("aws:s3/bucketPolicy:BucketPolicy", "p", {
        bucket: "b",
        policy: doc({
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
          Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } },
        }),
      }),
    );
    await passes(P, res("aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: "b", policy: tlsPolicy }));
    await passes(P, res("aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: "b", policy: UNKNOWN }));
  });

  it("log groups: retention at least the configured minimum, and KMS", async () => {
    const LG = "aws:cloudwatch/logGroup:LogGroup";
    await violates("paved-log-group-retention", res(LG, "lg", { retentionInDays: 7 }), /7; the minimum is 90/);
    await violates("paved-log-group-retention", res(LG, "lg", {}), /kept forever/);
    await passes("paved-log-group-retention", res(LG, "lg", { retentionInDays: 365 }));
    await violates("paved-log-group-retention", res(LG, "lg", { retentionInDays: 90 }), /minimum is 365/, {
      "paved-log-group-retention": { minRetentionDays: 365 },
    });
    await violates("paved-log-group-kms", res(LG, "lg", { retentionInDays: 365 }), /kmsKeyId/);
    await passes("paved-log-group-kms", res(LG, "lg", { kmsKeyId: "arn:aws:kms:eu-west-1:1:key/k" }));
    await passes("paved-log-group-kms", res(LG, "lg", { kmsKeyId: UNKNOWN }));
  });
});
