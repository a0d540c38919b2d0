import * as assert from "assert";
import { runPlan } from "../../../infra/offline/plan";
import { plan, ofType, one, policyDoc, STACKS, keyFor } from "../helpers";

describe("infra/components/storage", () => {
  for (const stack of STACKS) {
    describe(stack, () => {
      for (const bucket of ["-attachments", "-alb-logs"]) {
        it(`${bucket.slice(1)} bucket: public access fully blocked, ownership enforced, versioned, encrypted, TLS-only`, async () => {
          const p = await plan(stack);
          const b = one(p, "aws:s3/bucket:Bucket", bucket);
          const id = b.outputs!.bucket;
          const of = (t: string) => ofType(p, t).filter((r) => r.inputs.bucket === id);
          const pab = of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
          assert.strictEqual(pab.length, 1);
          for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.strictEqual(pab[0].inputs[f], true, f);
          assert.strictEqual(
            of("aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0].inputs.rule.objectOwnership,
            "BucketOwnerEnforced",
          );
          assert.strictEqual(of("aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration.status, "Enabled");
          const sse = of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].inputs.rules[0]
            .applyServerSideEncryptionByDefault;
          if (bucket === "-attachments") {
            assert.strictEqual(sse.sseAlgorithm, "aws:kms");
            assert.strictEqual(sse.kmsMasterKeyId, keyFor(p, "storage").outputs!.arn);
          } else {
            assert.strictEqual(sse.sseAlgorithm, "AES256", "ALB log delivery supports SSE-S3 only");
          }
          const doc = policyDoc(of("aws:s3/bucketPolicy:BucketPolicy")[0]);
          const deny = doc.Statement.find((s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false");
          assert.ok(deny, "TLS-only deny statement");
          assert.deepStrictEqual(deny.Resource, [b.outputs!.arn, `${b.outputs!.arn}/*`]);
          assert.ok(
            doc.Statement.filter((s: any) => s.Effect === "Allow").every((s: any) => s.Principal !== "*" && s.Principal?.AWS !== "*"),
            "no public allow",
          );
          const rules = of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].inputs.rules;
          assert.ok(rules[0].noncurrentVersionExpiration.noncurrentDays > 0);
        });
      }

      it("buckets are force-destroyed only where the stack's config asks (staging), never in prod", async () => {
        const p = await plan(stack);
        for (const suffix of ["-attachments", "-alb-logs"]) {
          assert.strictEqual(one(p, "aws:s3/bucket:Bucket", suffix).inputs.forceDestroy, stack === "staging", suffix);
        }
      });

      it("attachments bucket is protected in prod only", async () => {
        const p = await plan(stack);
        const b = one(p, "aws:s3/bucket:Bucket", "-attachments");
        assert.strictEqual(p.exportDoc.deployment.resources.find((r) => r.urn === b.urn)!.protect, stack === "prod" ? true : undefined);
      });

      it("ALB log bucket lets only the regional ELB log delivery write under its prefix", async () => {
        const p = await plan(stack);
        const b = one(p, "aws:s3/bucket:Bucket", "-alb-logs");
        const doc = policyDoc(ofType(p, "aws:s3/bucketPolicy:BucketPolicy").find((r) => r.inputs.bucket === b.outputs!.bucket)!);
        const allow = doc.Statement.find((s: any) => s.Effect === "Allow");
        assert.strictEqual(allow.Principal.AWS, "arn:aws:iam::127311923021:root");
        assert.strictEqual(allow.Principal.Service, "logdelivery.elasticloadbalancing.amazonaws.com");
        assert.deepStrictEqual(allow.Action, "s3:PutObject");
        assert.strictEqual(allow.Resource, `${b.outputs!.arn}/alb/AWSLogs/123456789012/*`);
        // The delivery writes with TLS, so the TLS-only deny does not block it; the prefix matches the ALB's.
        assert.strictEqual(one(p, "aws:lb/loadBalancer:LoadBalancer").inputs.accessLogs.prefix, "alb");
      });
    });
  }

  it("staging keeps bucket contents and images on destroy when paved:destroyWithContents is false", async () => {
    const p = await runPlan("staging", { config: { "paved:destroyWithContents": "false" } });
    for (const suffix of ["-attachments", "-alb-logs"])
      assert.strictEqual(one(p, "aws:s3/bucket:Bucket", suffix).inputs.forceDestroy, false, suffix);
    assert.strictEqual(one(p, "aws:ecr/repository:Repository").inputs.forceDelete, false);
  });

  it("a region launched after August 2022 (no regional ELB account) gets log delivery through the service principal only", async () => {
    // The real aws.elb.getServiceAccount fails for such regions (the mock does too), which would fail the whole preview.
    const p = await runPlan("staging", { config: { "aws:region": "ap-southeast-4" } });
    const b = one(p, "aws:s3/bucket:Bucket", "-alb-logs");
    const doc = policyDoc(ofType(p, "aws:s3/bucketPolicy:BucketPolicy").find((r) => r.inputs.bucket === b.outputs!.bucket)!);
    const allow = doc.Statement.find((s: any) => s.Effect === "Allow");
    assert.deepStrictEqual(allow.Principal, { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
    assert.strictEqual(allow.Resource, `${b.outputs!.arn}/alb/AWSLogs/123456789012/*`);
  });
});
