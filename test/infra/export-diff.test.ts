/**
 * The restructuring guard: each plan variant's export against its committed baseline (recorded
 * from the program before components moved). No real stack may see a replacement it did not ask
 * for: physical names unchanged, every former URN still there or aliased.
 */
import * as assert from "assert";
import * as fs from "fs";
import { VARIANTS, baselineFile, compareExport, planBaseline, physicalName, type Baseline } from "../../infra/offline/export-diff";
import { resolveAliases, type ExportDoc, type ExportResource } from "../../infra/offline/plan";

const load = (id: string): Baseline => JSON.parse(fs.readFileSync(baselineFile(id), "utf8"));

describe("export diff: no replacement from the restructuring", function () {
  this.timeout(120000);
  const docs = new Map<string, ExportDoc>();

  for (const v of VARIANTS) {
    it(`${v.id}: every baseline resource keeps its physical name and its URN (or an alias of it)`, async () => {
      const base = load(v.id);
      assert.strictEqual(base.stack, v.stack);
      assert.deepStrictEqual(base.config, v.config);
      assert.ok(base.resources.length > 100, "the baseline holds the whole stack");
      const { doc } = await planBaseline(v);
      docs.set(v.id, doc);
      assert.deepStrictEqual(compareExport(base, doc), []);
    });
  }

  const doc = async (): Promise<ExportDoc> => docs.get("prod") ?? (await planBaseline(VARIANTS[1])).doc;
  const moved = (d: ExportDoc, urn: string, to: string, aliases?: string[]): ExportDoc => ({
    ...d,
    deployment: {
      ...d.deployment,
      resources: d.deployment.resources.map((r) => (r.urn === urn ? { ...r, urn: to, aliases } : r)),
    },
  });

  it("a moved resource without an alias is a problem; with the alias it is not", async () => {
    const base = load("prod");
    const d = await doc();
    const rds = d.deployment.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
    const to = rds.urn.replace("paved:aws:Database$", "paved:components:Database$");
    assert.match(compareExport(base, moved(d, rds.urn, to)).join("\n"), /database-postgres: gone, and no resource lists it in its aliases/);
    assert.deepStrictEqual(compareExport(base, moved(d, rds.urn, to, [rds.urn])), []);
  });

  it("a changed physical name (or prefix) is a problem even under the same URN", async () => {
    const base = load("prod");
    const d = await doc();
    const renamed: ExportDoc = {
      ...d,
      deployment: {
        ...d.deployment,
        resources: d.deployment.resources.map((r) =>
          r.type === "aws:s3/bucket:Bucket" ? { ...r, inputs: { ...r.inputs, bucketPrefix: `x${r.inputs.bucketPrefix}` } } : r,
        ),
      },
    };
    const problems = compareExport(base, renamed);
    assert.strictEqual(problems.length, 2);
    assert.match(problems[0], /physical name \{"bucketPrefix":"paved-prod-[a-z-]+-"\} became \{"bucketPrefix":"xpaved-prod-/);
  });

  it("physical names: the naming input of each type, prefixes as prefixes, nothing for auto-names", () => {
    const r = (type: string, inputs: Record<string, any>): ExportResource => ({
      urn: "u",
      custom: true,
      type,
      inputs,
      outputs: {},
      dependencies: [],
    });
    assert.deepStrictEqual(physicalName(r("aws:rds/instance:Instance", { identifier: "paved-prod-db", instanceClass: "db.m7g.large" })), {
      identifier: "paved-prod-db",
    });
    assert.deepStrictEqual(physicalName(r("aws:s3/bucket:Bucket", { bucketPrefix: "paved-prod-attachments-" })), {
      bucketPrefix: "paved-prod-attachments-",
    });
    assert.deepStrictEqual(physicalName(r("aws:ecs/taskDefinition:TaskDefinition", { family: "paved-prod" })), { family: "paved-prod" });
    // A bucket policy's `bucket` names the bucket it belongs to, not itself.
    assert.strictEqual(physicalName(r("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b" })), undefined);
    assert.strictEqual(physicalName(r("aws:iam/role:Role", { assumeRolePolicy: "{}" })), undefined);
  });

  it("aliases resolve like the engine's: blank spec fields are the resource's own, parents' aliases carry down", () => {
    const stack = "prod",
      project = "paved";
    const urn = (chain: string, name: string) => `urn:pulumi:${stack}::${project}::${chain}::${name}`;
    const comp = {
      urn: urn("paved:components:Logs", "logs"),
      type: "paved:components:Logs",
      name: "logs",
      aliases: [{ type: "paved:aws:Logs" }],
    };
    const child = {
      urn: urn("paved:components:Logs$aws:cloudwatch/logGroup:LogGroup", "logs-service"),
      type: "aws:cloudwatch/logGroup:LogGroup",
      name: "logs-service",
      parent: comp.urn,
      aliases: [],
    };
    const moved = {
      urn: urn("paved:components:Logs$aws:cloudwatch/logGroup:LogGroup", "logs-rds"),
      type: "aws:cloudwatch/logGroup:LogGroup",
      name: "logs-rds",
      parent: comp.urn,
      aliases: [{ noParent: true, name: "old-rds" }],
    };
    const got = resolveAliases([comp, child, moved], stack, project);
    assert.deepStrictEqual(got.get(comp.urn), [urn("paved:aws:Logs", "logs")]);
    assert.deepStrictEqual(got.get(child.urn), [urn("paved:aws:Logs$aws:cloudwatch/logGroup:LogGroup", "logs-service")]);
    assert.deepStrictEqual(got.get(moved.urn), [
      urn("aws:cloudwatch/logGroup:LogGroup", "old-rds"),
      urn("paved:aws:Logs$aws:cloudwatch/logGroup:LogGroup", "logs-rds"),
    ]);
  });
});
