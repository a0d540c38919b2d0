import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { child, transform, withAliases } from "../../../infra/components/transform";
import { runPlan } from "../../../infra/offline/plan";

describe("infra/components/transform: the per-child escape hatch", function () {
  this.timeout(60000);

  it("no hook: args and options pass through untouched", () => {
    const args = { a: 1 };
    const opts = { protect: true };
    const [a, o] = transform(undefined, "x", args, opts);
    assert.strictEqual(a, args);
    assert.strictEqual(o, opts);
  });

  it("a hook edits in place or returns replacements, and is told the child's name", () => {
    const seen: string[] = [];
    const [a] = transform<{ n: number }, object>(
      (args, _o, name) => {
        seen.push(name);
        args.n = 2;
      },
      "db-postgres",
      { n: 1 },
      {},
    );
    assert.deepStrictEqual([a.n, seen], [2, ["db-postgres"]]);
    const [b, o] = transform<{ n: number }, { protect?: boolean }>(() => [{ n: 3 }, { protect: true }], "x", { n: 1 }, {});
    assert.deepStrictEqual([b, o], [{ n: 3 }, { protect: true }]);
  });

  it("under the offline plan's mocks the hook's args, options and aliases reach the engine", async () => {
    const p = await runPlan("staging", {
      program: () => {
        child(
          (args, opts) => {
            args.forceDestroy = false;
            opts.protect = true;
            withAliases(opts, [{ name: "old-bucket" }]);
          },
          aws.s3.Bucket,
          "b",
          { bucketPrefix: "x-", forceDestroy: true } as aws.s3.BucketArgs,
          {} as pulumi.CustomResourceOptions,
        );
        return {};
      },
    });
    const b = p.exportDoc.deployment.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
    assert.strictEqual(b.inputs.forceDestroy, false);
    assert.strictEqual(b.protect, true);
    // (The provider adds its own alias to the bucket's former type, BucketV2.)
    assert.ok(b.aliases?.includes("urn:pulumi:staging::paved::aws:s3/bucket:Bucket::old-bucket"), String(b.aliases));
  });
});
