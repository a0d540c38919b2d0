import * as assert from "assert";
import { runPlan, PlanResult } from "../../infra/offline/plan";
import { AppContractError, loadAppContract, parseAppContract, withOverrides } from "../../infra/app";
import type { ContractEnvironment, ContractSecrets } from "../../infra/components/service";
import { evaluateResources, loadPolicyConfig } from "../../policy/evaluator";
import { REPO_ROOT } from "../../infra/offline/plan";
import * as path from "path";
import { ofType, one } from "./helpers";

const FIXTURE = "test/fixtures/minimal-app/paved.app.json";
const taskContainers = (p: PlanResult, suffix: string): any[] =>
  JSON.parse(one(p, "aws:ecs/taskDefinition:TaskDefinition", suffix).inputs.containerDefinitions);

describe("infra/app: the app contract", () => {
  it("reads the default app's contract (app/paved.app.json)", () => {
    const c = loadAppContract();
    assert.strictEqual(c.port, 3000);
    assert.strictEqual(c.dockerfile, "app/Dockerfile");
    // An npm workspace: paved generates its app-only build context (infra/components/image.ts).
    assert.deepStrictEqual(c.buildFrom, { workspace: "app" });
    assert.deepStrictEqual(c.migrate, { command: ["node", "dist/migrate.js"] });
    assert.strictEqual(c.env.JWT_SECRET.source, "secret");
    assert.deepStrictEqual(c.dbInit, { command: ["node", "dist/db-init.js"] });
  });

  it("lists every problem of a bad contract", () => {
    assert.throws(
      () =>
        parseAppContract(
          {
            port: 0,
            user: "0:0",
            healthCheck: { path: "health" },
            extra: 1,
            build: { dockerfile: "nope/Dockerfile" },
            dbInit: { command: "node init.js" },
            env: { API_TOKEN: { source: "plain", value: "x", description: "d" }, lower: { source: "env", description: "d" } },
          },
          "x/paved.app.json",
        ),
      (e: any) => {
        assert.ok(e instanceof AppContractError);
        for (const re of [
          /unknown field "extra"/,
          /"port" must be an integer/,
          /"user" must be a numeric uid.*other than root/,
          /"healthCheck.path"/,
          /x\/nope\/Dockerfile does not exist/,
          /env.API_TOKEN: looks like a secret/,
          /env.lower: variable names are UPPER_SNAKE_CASE/,
          /env.lower.source must be one of: plain, platform, secret, local-only/,
          /"dbInit" must be null .* or \{ "command": \[\.\.\.\] \}/,
        ]) {
          assert.ok(
            e.problems.some((p: string) => re.test(p)),
            `${re} in:\n${e.message}`,
          );
        }
        return true;
      },
    );
  });

  it("build.npmWorkspace: excludes context and inputs, needs a workspace of the root package.json and the Dockerfile inside it", () => {
    const contract = (build: Record<string, unknown>, file = "app/paved.app.json") =>
      parseAppContract({ build, port: 3000, healthCheck: { path: "/health" }, env: {} }, file);
    assert.deepStrictEqual(contract({ npmWorkspace: true, dockerfile: "Dockerfile" }).buildFrom, { workspace: "app" });
    assert.deepStrictEqual(contract({ context: "..", dockerfile: "Dockerfile", inputs: ["."] }).buildFrom, {
      context: ".",
      inputs: ["app"],
    });
    const problems = (build: Record<string, unknown>, file?: string): string[] => {
      try {
        contract(build, file);
      } catch (e: any) {
        return e.problems;
      }
      assert.fail("accepted");
    };
    assert.match(
      problems({ npmWorkspace: true, dockerfile: "Dockerfile", context: ".." }).join("\n"),
      /"build.context" cannot be combined with "build.npmWorkspace"/,
    );
    assert.match(
      problems({ npmWorkspace: true, dockerfile: "Dockerfile", inputs: ["."] }).join("\n"),
      /"build.inputs" cannot be combined with "build.npmWorkspace"/,
    );
    assert.match(
      problems({ npmWorkspace: true, dockerfile: "../app/Dockerfile" }, "infra/paved.app.json").join("\n"),
      /infra is not a workspace of the repository's package.json .*"app"/,
    );
    assert.match(
      problems({ npmWorkspace: true, dockerfile: "../app/Dockerfile" }, "policy/paved.app.json").join("\n"),
      /must be inside the workspace policy\//,
    );
    assert.match(problems({ npmWorkspace: "yes", dockerfile: "Dockerfile" }).join("\n"), /"build.npmWorkspace" must be true or false/);
  });

  it("per-stack overrides replace the port and health path only when set", () => {
    const c = loadAppContract();
    assert.deepStrictEqual(withOverrides(c, { port: 0, healthCheckPath: "" }), c);
    const o = withOverrides(c, { port: 8081, healthCheckPath: "/ready" });
    assert.strictEqual(o.port, 8081);
    assert.strictEqual(o.healthCheck.path, "/ready");
  });

  it("a platform or secret variable without a value is a compile-time error", () => {
    // @ts-expect-error DB_HOST (and the other platform variables) have no value
    const env: ContractEnvironment = { PORT: "3000" };
    // @ts-expect-error JWT_SECRET has no reference
    const sec: ContractSecrets = { DB_USER: "a", DB_PASSWORD: "b" };
    assert.ok(env && sec);
  });

  describe("planning a second, minimal app (port 8080, /ready/, no migrations, no node)", function () {
    this.timeout(120000);
    let p: PlanResult;
    before(async () => {
      p = await runPlan("staging", { config: { "paved:appContract": FIXTURE } });
    });

    it("task definition: one container on 8080 as its own user, its own env, no in-container health command", () => {
      const tds = ofType(p, "aws:ecs/taskDefinition:TaskDefinition");
      assert.strictEqual(tds.length, 1, "no migrate task definition without a migrate command");
      const cs = taskContainers(p, "-app");
      assert.deepStrictEqual(
        cs.map((c) => c.name),
        ["app"],
        "no migrate container",
      );
      const c = cs[0];
      assert.deepStrictEqual(c.portMappings, [{ containerPort: 8080, protocol: "tcp", name: "http" }]);
      assert.strictEqual(c.user, "65534:65534");
      assert.strictEqual(c.healthCheck, undefined, "the ALB check is the liveness signal; nothing assumes node in the image");
      assert.strictEqual(c.dependsOn, undefined);
      assert.ok(!JSON.stringify(c).includes("node"), "no node command anywhere");
      assert.deepStrictEqual(
        c.environment.map((e: any) => e.name),
        ["PORT", "GREETING", "APP_VERSION"],
      );
      const env = Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
      assert.strictEqual(env.PORT, "8080");
      assert.strictEqual(env.GREETING, "hello");
      assert.deepStrictEqual(c.secrets, []);
      assert.strictEqual(c.readonlyRootFilesystem, true);
    });

    it("target group, service and security group follow the port and health check", () => {
      const tg = one(p, "aws:lb/targetGroup:TargetGroup");
      assert.strictEqual(tg.inputs.port, 8080);
      assert.strictEqual(tg.inputs.healthCheck.path, "/ready/");
      assert.strictEqual(tg.inputs.healthCheck.matcher, "200-299");
      const svc = one(p, "aws:ecs/service:Service");
      assert.deepStrictEqual(
        svc.inputs.loadBalancers.map((l: any) => l.containerPort),
        [8080],
      );
      assert.strictEqual(svc.inputs.healthCheckGracePeriodSeconds, 60, "no migrate grace without migrations");
      const ingress = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.inputs.referencedSecurityGroupId && r.inputs.fromPort === 8080,
      );
      assert.strictEqual(ingress.length, 1, "app port opened from the ALB only");
      assert.ok(String(p.outputs.healthUrl).endsWith("/ready/"));
      assert.strictEqual(p.outputs.migrateTaskDefinition, undefined);
    });

    it("the image is built from the fixture's Dockerfile and context", () => {
      const img = one(p, "docker:index/image:Image");
      assert.strictEqual(img.inputs.build.dockerfile, "test/fixtures/minimal-app/Dockerfile");
      assert.strictEqual(img.inputs.build.context, "test/fixtures/minimal-app");
    });

    it("passes the policy pack (staging config) with no mandatory finding", async () => {
      const findings = await evaluateResources(p.resources, {
        config: loadPolicyConfig(path.join(REPO_ROOT, "policy/config/staging.json")),
      });
      assert.deepStrictEqual(
        findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => f.policy),
        [],
      );
    });

    it("paved:appPort overrides the contract's port for one stack", async () => {
      const q = await runPlan("staging", { config: { "paved:appContract": FIXTURE, "paved:appPort": "9090" } });
      assert.strictEqual(one(q, "aws:lb/targetGroup:TargetGroup").inputs.port, 9090);
      const c = taskContainers(q, "-app")[0];
      assert.strictEqual(c.portMappings[0].containerPort, 9090);
      assert.strictEqual(c.environment.find((e: any) => e.name === "PORT").value, "9090");
    });
  });
});
