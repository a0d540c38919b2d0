// Launches the pack the way the Pulumi CLI does — @pulumi/pulumi's
// run-policy-pack runner, which type-checks and loads policy/index.ts and
// serves the Analyzer gRPC protocol — and talks to it over gRPC.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { evaluateResources, ResourceRecord } from "../../policy/evaluator";
import { policies } from "../../policy/policies";
import { corpus, exportOf } from "./corpus";

const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");

const ROOT = path.resolve(__dirname, "..", "..");
const RUNNER = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [ROOT] });
const SG = "aws:ec2/securityGroup:SecurityGroup";

function call<T>(client: any, method: string, req: any): Promise<T> {
  return new Promise((resolve, reject) => client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

function analyzeRequest(type: string, name: string, props: Record<string, any>, urn = `urn:pulumi:e2e::paved::${type}::${name}`) {
  const req = new analyzerPb.AnalyzeRequest();
  req.setType(type);
  req.setName(name);
  req.setUrn(urn);
  req.setProperties(Struct.fromJavaScript(props));
  req.setOptions(new analyzerPb.AnalyzerResourceOptions());
  return req;
}

function diagnostics(res: any): Array<{ policy: string; level: number; message: string; urn: string }> {
  return res.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: d.getEnforcementlevel(),
    message: d.getMessage(),
    urn: d.getUrn(),
  }));
}

/** A resource as the engine sends it to AnalyzeStack: outputs, dependencies and property dependencies. */
function stackResource(r: ResourceRecord) {
  const res = new analyzerPb.AnalyzerResource();
  res.setType(r.type);
  res.setUrn(r.urn);
  res.setName(r.name!);
  res.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.outputs ?? r.inputs))));
  res.setOptions(new analyzerPb.AnalyzerResourceOptions());
  res.setDependenciesList(r.dependencies ?? []);
  const map = res.getPropertydependenciesMap();
  for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
    const deps = new analyzerPb.AnalyzerPropertyDependencies();
    deps.setUrnsList(urns);
    map.set(k, deps);
  }
  return res;
}

/** The engine prefixes every violation with the policy's description. */
function stripDescription(message: string, description: string | undefined): string {
  return description !== undefined && message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message;
}

const openSsh = { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] };
const privateSg = { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }] };

describe("policy pack over gRPC (run-policy-pack)", function () {
  this.timeout(180_000);
  let child: ChildProcess;
  let client: any;
  let stderr = "";

  before(async () => {
    child = spawn(process.execPath, [RUNNER, "127.0.0.1:0", "."], {
      cwd: path.join(ROOT, "policy"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", (d) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          resolve(Number(m[1]));
        }
      });
      child.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving:\n${stderr}`)));
    });
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
    }
  });

  it("GetAnalyzerInfo lists every policy with its level and config schema", async () => {
    const info: any = await call(client, "getAnalyzerInfo", new Empty());
    assert.strictEqual(info.getName(), "paved-guardrails");
    const served = info.getPoliciesList();
    assert.deepStrictEqual(
      served.map((p: any) => p.getName()),
      policies.map((p) => p.name),
    );
    for (const p of served) {
      const local = policies.find((l) => l.name === p.getName())!;
      const expected = local.enforcementLevel === "advisory" ? analyzerPb.EnforcementLevel.ADVISORY : analyzerPb.EnforcementLevel.MANDATORY;
      assert.strictEqual(p.getEnforcementlevel(), expected, p.getName());
    }
    const hsts = served.find((p: any) => p.getName() === "paved-alb-hsts");
    const props = hsts.getConfigschema().getProperties().toJavaScript();
    assert.strictEqual(props.minMaxAgeSeconds.default, 31536000);
    assert.ok(props.exemptions, "every exemptible policy declares exemptions in its schema");
  });

  it("Analyze reports a public SSH rule as mandatory and passes a private group", async () => {
    const bad = diagnostics(await call(client, "analyze", analyzeRequest(SG, "web", openSsh)));
    const hit = bad.find((d) => d.policy === "paved-sg-no-public-sensitive-ports");
    assert.ok(hit, `expected a violation, got ${JSON.stringify(bad)}`);
    assert.strictEqual(hit!.level, analyzerPb.EnforcementLevel.MANDATORY);
    assert.match(hit!.message, /port\(s\) 22/);
    const good = diagnostics(await call(client, "analyze", analyzeRequest(SG, "db", privateSg)));
    assert.deepStrictEqual(good, []);
  });

  it("the offline evaluator, `policy check` and the gRPC analyzer agree on every corpus export", async () => {
    // Cases that need a policy config are left out: Configure below changes the server's config for the rest of this file.
    const cases = corpus.filter((c) => c.config === undefined);
    const key = (id: string, policy: string, urn: string, message: string) => `${id} | ${policy} | ${urn} | ${message}`;
    const descriptionOf = new Map(policies.map((p) => [p.name, p.description]));
    const levelName = (l: number) => (l === analyzerPb.EnforcementLevel.ADVISORY ? "advisory" : "mandatory");

    const offline: string[] = [];
    for (const c of cases) {
      for (const f of await evaluateResources(c.resources)) {
        offline.push(`${key(c.id, f.policy, f.urn ?? "", f.message)} | ${f.enforcementLevel}`);
      }
    }

    const viaGrpc: string[] = [];
    for (const c of cases) {
      for (const r of c.resources) {
        const ds = diagnostics(await call(client, "analyze", analyzeRequest(r.type, r.name!, JSON.parse(JSON.stringify(r.inputs)), r.urn)));
        for (const d of ds) {
          viaGrpc.push(
            `${key(c.id, d.policy, d.urn || r.urn, stripDescription(d.message, descriptionOf.get(d.policy)))} | ${levelName(d.level)}`,
          );
        }
      }
      const stackReq = new analyzerPb.AnalyzeStackRequest();
      stackReq.setResourcesList(c.resources.map(stackResource));
      for (const d of diagnostics(await call(client, "analyzeStack", stackReq))) {
        viaGrpc.push(`${key(c.id, d.policy, d.urn, stripDescription(d.message, descriptionOf.get(d.policy)))} | ${levelName(d.level)}`);
      }
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-corpus-"));
    const files = cases.map((c) => {
      const file = path.join(dir, `${c.id}.json`);
      fs.writeFileSync(file, JSON.stringify(exportOf(c)));
      return file;
    });
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "policy/cli/check.ts"), "check", ...files, "--json"],
        { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (e: any) {
      out = e.stdout; // exit 1: mandatory findings, as expected
    }
    const viaCli = (JSON.parse(out) as any[]).map(
      (f) => `${key(path.basename(f.file, ".json"), f.policy, f.urn ?? "", f.message)} | ${f.enforcementLevel}`,
    );

    const sorted = (xs: string[]) => [...xs].sort();
    assert.ok(offline.length > 100, `${offline.length} findings`);
    assert.deepStrictEqual(sorted(viaGrpc), sorted(offline), "gRPC analyzer vs offline evaluator");
    assert.deepStrictEqual(sorted(viaCli), sorted(offline), "policy check CLI vs offline evaluator");
  });

  it("Configure applies thresholds, levels and config-file exemptions", async () => {
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    const hsts = new analyzerPb.PolicyConfig();
    hsts.setEnforcementlevel(analyzerPb.EnforcementLevel.ADVISORY);
    hsts.setProperties(Struct.fromJavaScript({ minMaxAgeSeconds: 63072000 }));
    map.set("paved-alb-hsts", hsts);
    const sg = new analyzerPb.PolicyConfig();
    sg.setEnforcementlevel(analyzerPb.EnforcementLevel.MANDATORY);
    sg.setProperties(
      Struct.fromJavaScript({ exemptions: [{ resource: "web", reason: "temporary bastion, ticket SEC-42", expires: "2999-12-31" }] }),
    );
    map.set("paved-sg-no-public-sensitive-ports", sg);
    await call(client, "configure", req);

    const listener = {
      protocol: "HTTPS",
      port: 443,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
    };
    const ds = diagnostics(await call(client, "analyze", analyzeRequest("aws:lb/listener:Listener", "https", listener)));
    assert.deepStrictEqual(
      ds.map((d) => [d.policy, d.level]),
      [["paved-alb-hsts", analyzerPb.EnforcementLevel.ADVISORY]],
    );
    assert.match(ds[0].message, /below the required minimum of 63072000/);

    // The exempted resource is not blocked ...
    const exempted = diagnostics(await call(client, "analyze", analyzeRequest(SG, "web", openSsh)));
    assert.strictEqual(exempted.filter((d) => d.policy === "paved-sg-no-public-sensitive-ports").length, 0);
    // ... but AnalyzeStack still reports it, as advisory, with the reason and expiry.
    const stackReq = new analyzerPb.AnalyzeStackRequest();
    const stack = diagnostics(await call(client, "analyzeStack", stackReq));
    const note = stack.find((d) => d.policy === "paved-exemptions-report");
    assert.ok(note, JSON.stringify(stack));
    assert.strictEqual(note!.level, analyzerPb.EnforcementLevel.ADVISORY);
    assert.match(note!.message, /until 2999-12-31: temporary bastion/);
    assert.strictEqual(note!.urn, `urn:pulumi:e2e::paved::${SG}::web`);
  });
});
