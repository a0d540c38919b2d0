import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { runPlan, listStacks, REPO_ROOT } from "../../infra/offline/plan";
import { renderTree } from "../../infra/offline/cli";
import { plan } from "./helpers";

function cli(args: string[]) {
  return spawnSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join("infra", "offline", "cli.ts"), ...args],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 120000,
    },
  );
}

describe("infra/offline plan", () => {
  it("lists the stacks from the Pulumi.<stack>.yaml files", () => {
    assert.deepStrictEqual(listStacks(), ["prod", "staging"]);
  });

  it("rejects an unknown stack with the list of stacks", async () => {
    await assert.rejects(runPlan("qa"), /Unknown stack "qa": no Pulumi\.qa\.yaml\. Available stacks: prod, staging\./);
  });

  it("produces a pulumi stack export v3 document with stack, providers, components and parents", async () => {
    const p = await plan("prod");
    const doc = p.exportDoc;
    assert.strictEqual(doc.version, 3);
    const res = doc.deployment.resources;
    assert.strictEqual(res[0].type, "pulumi:pulumi:Stack");
    assert.strictEqual(res[0].urn, "urn:pulumi:prod::paved::pulumi:pulumi:Stack::paved-prod");
    const urns = new Set(res.map((r) => r.urn));
    for (const r of res) {
      assert.ok(r.urn.startsWith("urn:pulumi:prod::paved::"), r.urn);
      assert.ok(Array.isArray(r.dependencies));
      if (r.parent) assert.ok(urns.has(r.parent), `${r.urn} parent exists`);
      for (const d of r.dependencies) assert.ok(urns.has(d), `${r.urn} dependency ${d} exists`);
      if (r.custom && !r.type.startsWith("pulumi:providers:")) {
        assert.ok(r.id, `${r.urn} has an id`);
        const providerUrn = r.provider!.split("::").slice(0, -1).join("::");
        assert.ok(urns.has(providerUrn), `${r.urn} provider exists`);
      }
    }
    const db = res.find((r) => r.type === "aws:rds/instance:Instance")!;
    assert.strictEqual(db.urn, "urn:pulumi:prod::paved::paved:aws:Database$aws:rds/instance:Instance::database-postgres");
    assert.strictEqual(db.parent, "urn:pulumi:prod::paved::paved:aws:Database::database");
    assert.ok(res.some((r) => r.type === "pulumi:providers:aws"));
    assert.deepStrictEqual(Object.keys(res[0].outputs).sort(), Object.keys(p.outputs).sort());
    for (const k of [
      "appUrl",
      "healthUrl",
      "dashboardUrl",
      "logGroupName",
      "clusterName",
      "serviceName",
      "dbEndpoint",
      "imageDigest",
      "alarmTopicArn",
    ]) {
      assert.ok(p.outputs[k], `output ${k}`);
    }
  });

  it("is repeatable: two in-process runs give the same export", async () => {
    const a = await runPlan("staging");
    const b = await runPlan("staging");
    assert.deepStrictEqual(a.exportDoc, b.exportDoc);
    assert.ok(a.resources.length > 100);
  });

  it("renders the resource tree with key settings", async () => {
    const tree = renderTree((await plan("prod")).exportDoc.deployment.resources);
    assert.match(tree, /^\[component\] pulumi:pulumi:Stack paved-prod/);
    assert.match(tree, /├─ \[component\] paved:aws:Database database/);
    assert.match(tree, /aws:rds\/instance:Instance database-postgres .*multiAz=on .*deletionProtection=on .*protect=on/);
    assert.match(tree, /listen=HTTP:80 action=redirect HTTP_301 → HTTPS:443/);
  });

  describe("CLI (child process)", function () {
    this.timeout(120000);
    it("prints the tree and totals, writes the export with --out, and passes the policy pack", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-plan-"));
      const out = path.join(dir, "prod.json");
      try {
        const r = cli(["prod", "--out", out]);
        assert.strictEqual(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /Offline plan for stack "prod"/);
        assert.match(r.stdout, /paved:aws:Service service/);
        assert.match(r.stdout, /Totals: \d+ resources to create, \d+ components, 3 default providers/);
        assert.match(r.stdout, /appUrl: https:\/\/app\.example\.com/);
        assert.match(r.stdout, /Policy pack \(policy\/config\/prod\.json\)/);
        const doc = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.strictEqual(doc.version, 3);
        const types = doc.deployment.resources.map((x: any) => x.type);
        for (const t of [
          "aws:ec2/vpc:Vpc",
          "aws:rds/instance:Instance",
          "aws:ecs/service:Service",
          "aws:lb/listener:Listener",
          "docker:index/image:Image",
        ])
          assert.ok(types.includes(t), t);
        const td = doc.deployment.resources.find((x: any) => x.urn.endsWith("::service-app"));
        assert.ok(
          JSON.parse(td.inputs.containerDefinitions)[0]
            .secrets.map((s: any) => s.name)
            .join() === "JWT_SECRET",
          "the app container gets no database secret (IAM authentication)",
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("exits 2 with the list of stacks for an unknown stack", () => {
      const r = cli(["qa"]);
      assert.strictEqual(r.status, 2);
      assert.match(r.stderr, /Unknown stack "qa".*Available stacks: prod, staging/);
    });

    it("exits 2 with usage for a missing stack or a bad option", () => {
      const a = cli([]);
      assert.strictEqual(a.status, 2);
      assert.match(a.stderr, /Missing stack\. usage: npm run plan -- <stack> \[--json\] \[--out FILE\]/);
      const b = cli(["staging", "--bogus"]);
      assert.strictEqual(b.status, 2);
      assert.match(b.stderr, /unknown option --bogus\. Run `npm run plan -- --help`/);
    });
  });
});
