import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { containerEnv, perContainer } from "../../../infra/components/service";
import { loadAppContract, parseAppContract, varsBySource, type EnvSource } from "../../../infra/app";
import { runPlan } from "../../../infra/offline/plan";
import { plan, ofType, one, containers, policyDoc, STACKS, keyFor } from "../helpers";

const SECRET_NAME = /(SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE)/;

const contract = loadAppContract();
const ENV_CONTRACT = contract.env;
/** Contract variable names by source; "environment" = plain + platform (the task definition's `environment`). */
const envVarsBySource = (source: EnvSource | "environment") =>
  source === "environment"
    ? Object.keys(contract.env).filter((n) => ["plain", "platform"].includes(contract.env[n].source))
    : varsBySource(contract, source);

describe("infra/components/service", () => {
  it("containerEnv refuses a platform or secret variable paved gives no value, and a secret declared as platform", () => {
    const env: any = Object.fromEntries(varsBySource(contract, "platform").map((n) => [n, "x"]));
    const sec: any = Object.fromEntries(varsBySource(contract, "secret").map((n) => [n, "arn"]));
    const { JWT_SECRET: _j, ...noJwt } = sec;
    assert.throws(() => containerEnv(contract, "app", env, noJwt), /JWT_SECRET is a secret paved does not provide/);
    const { DB_HOST: _h, ...noHost } = env;
    assert.throws(() => containerEnv(contract, "app", noHost, sec), /DB_HOST is a platform variable paved does not provide/);
    const leaky = parseAppContract(
      {
        port: 80,
        healthCheck: { path: "/" },
        build: { dockerfile: "app/Dockerfile" },
        env: { JWT_SECRET: { source: "platform", description: "x" } },
      },
      "c.json",
    );
    assert.throws(() => containerEnv(leaky, "app", { JWT_SECRET: "v" }, { JWT_SECRET: "arn" }), /JWT_SECRET is a secret in paved/);
    // A per-container value must cover every container the variable reaches.
    assert.throws(
      () => containerEnv(contract, "migrate", { ...env, DB_USER: perContainer({ app: "paved_app" }) }, sec),
      /DB_USER has per-container values but none for the migrate container \(it has: app\)/,
    );
  });

  it("containerEnv gives each container its own value of a per-container variable", async () => {
    const env: any = {
      ...Object.fromEntries(varsBySource(contract, "platform").map((n) => [n, "x"])),
      DB_USER: perContainer({ app: "the_app", migrate: "the_owner" }),
    };
    const sec: any = Object.fromEntries(varsBySource(contract, "secret").map((n) => [n, "arn"]));
    const value = (o: pulumi.Output<any>) => new Promise<any>((resolve) => o.apply(resolve));
    const user = async (c: "app" | "migrate") =>
      (await value(containerEnv(contract, c, env, sec))).environment.find((e: any) => e.name === "DB_USER").value;
    assert.strictEqual(await user("app"), "the_app");
    assert.strictEqual(await user("migrate"), "the_owner");
  });

  for (const stack of STACKS) {
    describe(stack, () => {
      for (const family of ["app", "migrate"] as const) {
        it(`${family}: environment/secrets names equal the contract; environment holds no secret`, async () => {
          const p = await plan(stack);
          const c = containers(p, family)[0];
          const envNames = c.environment.map((e: any) => e.name);
          const secretNames = c.secrets.map((s: any) => s.name);
          // Each container gets exactly the contract's variables listed for it.
          const mine = (names: string[]) =>
            names.filter((n) => (ENV_CONTRACT as Record<string, { containers: readonly string[] }>)[n].containers.includes(family));
          assert.deepStrictEqual(envNames, mine(envVarsBySource("environment")));
          assert.deepStrictEqual(secretNames, mine(envVarsBySource("secret")));
          assert.ok(!envNames.some((n: string) => envVarsBySource("local-only").includes(n as any)), "no local-only vars");
          assert.ok(!envNames.some((n: string) => SECRET_NAME.test(n)), "no secret-like names in environment");
          const pw = one(p, "random:index/randomPassword:RandomPassword").outputs!.result;
          for (const e of c.environment) {
            assert.ok(!String(e.value).includes(pw), `${e.name} does not carry the JWT secret`);
            assert.ok(!/arn:aws:secretsmanager/.test(e.value), `${e.name} is not a secret reference`);
          }
          const env = Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
          assert.strictEqual(env.DB_SSL, "verify-full");
          assert.strictEqual(env.NODE_ENV, "production");
          assert.strictEqual(env.DB_HOST, one(p, "aws:rds/instance:Instance").outputs!.address);
          assert.strictEqual(env.S3_BUCKET, p.outputs.attachmentsBucket);
          assert.strictEqual(
            mine(Object.keys(ENV_CONTRACT)).length,
            envNames.length + secretNames.length + mine(envVarsBySource("local-only")).length,
          );
        });

        it(`${family}: secrets reference the RDS-managed secret's JSON keys and the generated JWT secret`, async () => {
          const p = await plan(stack);
          const c = containers(p, family)[0];
          const rdsSecret = one(p, "aws:rds/instance:Instance").outputs!.masterUserSecrets[0].secretArn;
          assert.match(rdsSecret, /-[A-Za-z0-9]{6}$/, "ARN carries Secrets Manager's suffix");
          const jwt = one(p, "aws:secretsmanager/secret:Secret", "-jwt").outputs!.arn;
          const ref = Object.fromEntries(c.secrets.map((s: any) => [s.name, s.valueFrom]));
          const env = Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
          if (family === "app") {
            // The app logs in as its own role with IAM tokens: no part of the master secret.
            assert.deepStrictEqual(ref, { JWT_SECRET: jwt });
            assert.strictEqual(env.DB_USER, "paved_app");
          } else {
            // The migrate step needs owner rights: the master password, and no API signing secret.
            assert.deepStrictEqual(ref, { DB_PASSWORD: `${rdsSecret}:password::` });
            assert.strictEqual(env.DB_USER, "paved_admin");
          }
        });
      }

      it("runs read-only, non-root, with writable /tmp and awslogs to the service group", async () => {
        const p = await plan(stack);
        const td = one(p, "aws:ecs/taskDefinition:TaskDefinition", "-app");
        const c = containers(p, "app")[0];
        assert.strictEqual(c.readonlyRootFilesystem, true);
        assert.strictEqual(c.user, "1000:1000");
        assert.strictEqual(c.privileged, false);
        assert.deepStrictEqual(c.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
        assert.deepStrictEqual(
          td.inputs.volumes.map((v: any) => v.name),
          ["tmp"],
        );
        assert.strictEqual(c.logConfiguration.logDriver, "awslogs");
        assert.strictEqual(c.logConfiguration.options["awslogs-group"], `/ecs/paved-${stack}`);
        assert.strictEqual(c.portMappings[0].containerPort, 3000);
        assert.strictEqual(td.inputs.networkMode, "awsvpc");
      });

      it("has a migration task definition <name>-migrate running node dist/migrate.js", async () => {
        const p = await plan(stack);
        const td = one(p, "aws:ecs/taskDefinition:TaskDefinition", "-migrate");
        assert.strictEqual(td.inputs.family, `paved-${stack}-migrate`);
        assert.deepStrictEqual(containers(p, "migrate")[0].command, ["node", "dist/migrate.js"]);
        assert.strictEqual(p.outputs.migrateTaskDefinition, `paved-${stack}-migrate`);
      });

      it("deploys with circuit-breaker rollback, 100/200 %, grace period, steady-state wait, private IPs only", async () => {
        const p = await plan(stack);
        const s = one(p, "aws:ecs/service:Service");
        assert.deepStrictEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.strictEqual(s.inputs.deploymentMinimumHealthyPercent, 100);
        assert.strictEqual(s.inputs.deploymentMaximumPercent, 200);
        assert.ok(s.inputs.healthCheckGracePeriodSeconds > 0);
        assert.strictEqual(s.inputs.waitForSteadyState, true);
        assert.strictEqual(s.inputs.networkConfiguration.assignPublicIp, false);
        assert.strictEqual(s.inputs.enableExecuteCommand, false);
        const priv = ofType(p, "aws:ec2/subnet:Subnet")
          .filter((x) => x.inputs.tags.tier === "private")
          .map((x) => x.id)
          .sort();
        assert.deepStrictEqual([...s.inputs.networkConfiguration.subnets].sort(), priv);
        assert.strictEqual(s.inputs.loadBalancers[0].targetGroupArn, one(p, "aws:lb/targetGroup:TargetGroup").outputs!.arn);
        // Container Insights: on in prod, off in staging (paved:containerInsights, a cost lever).
        assert.strictEqual(one(p, "aws:ecs/cluster:Cluster").inputs.settings[0].value, stack === "prod" ? "enabled" : "disabled");
      });

      it("autoscales on CPU, memory and requests per target within per-stack bounds", async () => {
        const p = await plan(stack);
        const t = one(p, "aws:appautoscaling/target:Target");
        assert.deepStrictEqual([t.inputs.minCapacity, t.inputs.maxCapacity], stack === "prod" ? [3, 12] : [1, 3]);
        const metrics = ofType(p, "aws:appautoscaling/policy:Policy").map(
          (x) => x.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification,
        );
        assert.deepStrictEqual(metrics.map((m) => m.predefinedMetricType).sort(), [
          "ALBRequestCountPerTarget",
          "ECSServiceAverageCPUUtilization",
          "ECSServiceAverageMemoryUtilization",
        ]);
        const req = metrics.find((m) => m.predefinedMetricType === "ALBRequestCountPerTarget");
        assert.match(req.resourceLabel, /^app\/paved-\w+-alb\/[0-9a-f]{16}\/targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]{16}$/);
      });

      it("execution role reads only these secrets with this key and writes only this log group", async () => {
        const p = await plan(stack);
        const doc = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-execution"));
        const sid = (s: string) => doc.Statement.find((x: any) => x.Sid === s);
        assert.deepStrictEqual(
          [...sid("Secrets").Resource].sort(),
          [p.outputs.dbMasterSecretArn, one(p, "aws:secretsmanager/secret:Secret").outputs!.arn].sort(),
        );
        assert.strictEqual(sid("SecretsKey").Resource, keyFor(p, "secrets").outputs!.arn);
        assert.deepStrictEqual(sid("EcrPull").Resource, one(p, "aws:ecr/repository:Repository").outputs!.arn);
        assert.deepStrictEqual(sid("EcrAuth"), { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
        assert.strictEqual(sid("ImageKey").Resource, keyFor(p, "image").outputs!.arn);
        assert.strictEqual(sid("ImageKey").Action, "kms:Decrypt");
        assert.strictEqual(sid("Logs").Resource, `${one(p, "aws:cloudwatch/logGroup:LogGroup", "-service").outputs!.arn}:*`);
        assert.ok(doc.Statement.every((s: any) => s.Action !== "*" && !(Array.isArray(s.Action) && s.Action.includes("*"))));
      });

      it("task role reaches only the attachments bucket and its key, and the database as the app's own user", async () => {
        const p = await plan(stack);
        const doc = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-task"));
        const bucketArn = one(p, "aws:s3/bucket:Bucket", "-attachments").outputs!.arn;
        const resources = doc.Statement.map((s: any) => s.Resource);
        const dbi = one(p, "aws:rds/instance:Instance").outputs!.resourceId;
        assert.deepStrictEqual(resources, [
          bucketArn,
          `${bucketArn}/*`,
          keyFor(p, "storage").outputs!.arn,
          `arn:aws:rds-db:us-east-1:123456789012:dbuser:${dbi}/paved_app`,
        ]);
      });
    });
  }

  describe("migrations on deploy (paved:migrateOnDeploy)", () => {
    for (const stack of STACKS) {
      it(`${stack} (default on): the app container starts only after a non-essential migrate container exited 0`, async () => {
        const p = await plan(stack);
        const cs = containers(p, "app");
        assert.deepStrictEqual(
          cs.map((c) => c.name),
          ["app", "migrate", "db-init"],
        );
        const [app, migrate] = cs;
        assert.deepStrictEqual(app.dependsOn, [
          { containerName: "migrate", condition: "SUCCESS" },
          { containerName: "db-init", condition: "SUCCESS" },
        ]);
        assert.strictEqual(app.essential, true);
        assert.strictEqual(migrate.essential, false, "migrate exits by design; essential would stop the task");
        assert.deepStrictEqual(migrate.command, ["node", "dist/migrate.js"]);
        assert.strictEqual(migrate.dependsOn, undefined);
        assert.strictEqual(migrate.startTimeout, undefined, "a long migration must not be cut off");
        assert.strictEqual(migrate.portMappings, undefined);
        assert.strictEqual(migrate.healthCheck, undefined);
        // Same image digest as the app, pushed by this stack.
        assert.strictEqual(migrate.image, app.image);
        assert.strictEqual(migrate.image, p.outputs.imageDigest);
        assert.match(migrate.image, /@sha256:[0-9a-f]{64}$/);
        // Hardened like the app: the policy pack checks every container.
        assert.strictEqual(migrate.readonlyRootFilesystem, true);
        assert.strictEqual(migrate.user, "1000:1000");
        assert.strictEqual(migrate.privileged, false);
        assert.deepStrictEqual(migrate.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
        assert.deepStrictEqual(migrate.linuxParameters.capabilities, { drop: ["ALL"] });
        assert.strictEqual(migrate.logConfiguration.logDriver, "awslogs");
        assert.strictEqual(migrate.logConfiguration.options["awslogs-group"], `/ecs/paved-${stack}`);
        assert.strictEqual(migrate.logConfiguration.options["awslogs-stream-prefix"], "migrate");
        assert.strictEqual(app.logConfiguration.options["awslogs-stream-prefix"], "app");
      });

      it(`${stack}: the migrate container gets the DB secrets from the RDS-managed secret and the app's environment`, async () => {
        const p = await plan(stack);
        const [app, migrate] = containers(p, "app");
        const rdsSecret = one(p, "aws:rds/instance:Instance").outputs!.masterUserSecrets[0].secretArn;
        const ref = Object.fromEntries(migrate.secrets.map((s: any) => [s.name, s.valueFrom]));
        assert.strictEqual(ref.DB_PASSWORD, `${rdsSecret}:password::`);
        // The app's environment minus what the contract gives the app container only (tuning
        // variables, DB_AUTH), with the owner as DB_USER (a value per container).
        const withoutUser = (list: any[]) => list.filter((e: any) => e.name !== "DB_USER");
        assert.deepStrictEqual(
          withoutUser(migrate.environment),
          withoutUser(app.environment).filter((e: any) =>
            (ENV_CONTRACT as Record<string, { containers: readonly string[] }>)[e.name].containers.includes("migrate"),
          ),
        );
        assert.ok(migrate.environment.length < app.environment.length);
        const env = Object.fromEntries(migrate.environment.map((e: any) => [e.name, e.value]));
        assert.strictEqual(env.DB_USER, "paved_admin");
        assert.strictEqual(env.DB_HOST, one(p, "aws:rds/instance:Instance").outputs!.address);
        assert.strictEqual(env.DB_SSL, "verify-full");
        // The stand-alone task definition for manual runs is kept and identical in content.
        assert.deepStrictEqual({ ...migrate, essential: true }, containers(p, "migrate")[0]);
      });

      it(`${stack}: the health-check grace period covers the migrate step plus the app's start`, async () => {
        const p = await plan(stack);
        assert.strictEqual(one(p, "aws:ecs/service:Service").inputs.healthCheckGracePeriodSeconds, 60 + 300);
      });
    }

    it("off: no migrate container (db-init still runs first), today's grace period, and the manual migrate task definition", async () => {
      const p = await runPlan("staging", { config: { "paved:migrateOnDeploy": "false" } });
      const cs = containers(p, "app");
      assert.deepStrictEqual(
        cs.map((c) => c.name),
        ["app", "db-init"],
      );
      assert.deepStrictEqual(cs[0].dependsOn, [{ containerName: "db-init", condition: "SUCCESS" }]);
      assert.strictEqual(one(p, "aws:ecs/service:Service").inputs.healthCheckGracePeriodSeconds, 60);
      assert.deepStrictEqual(containers(p, "migrate")[0].command, ["node", "dist/migrate.js"]);
      assert.strictEqual(p.outputs.migrateTaskDefinition, "paved-staging-migrate");
    });

    it("the grace period adds paved:migrateGraceSeconds to paved:healthCheckGraceSeconds", async () => {
      const p = await runPlan("staging", { config: { "paved:healthCheckGraceSeconds": "90", "paved:migrateGraceSeconds": "600" } });
      assert.strictEqual(one(p, "aws:ecs/service:Service").inputs.healthCheckGracePeriodSeconds, 690);
    });

    it("a non-boolean migrateOnDeploy fails the plan, naming the key and the fix", async () => {
      await assert.rejects(
        runPlan("staging", { config: { "paved:migrateOnDeploy": "yes" } }),
        /paved:migrateOnDeploy="yes": must be true or false.*pulumi config set paved:migrateOnDeploy/s,
      );
    });
  });

  it("ECS Exec is opt-in: enabling it adds only the Session Manager channel permissions", async () => {
    const p = await runPlan("staging", { config: { "paved:enableEcsExec": "true" } });
    assert.strictEqual(one(p, "aws:ecs/service:Service").inputs.enableExecuteCommand, true);
    const doc = policyDoc(one(p, "aws:iam/rolePolicy:RolePolicy", "-task"));
    assert.ok(doc.Statement.find((s: any) => s.Sid === "EcsExec").Action.every((a: string) => a.startsWith("ssmmessages:")));
    // The SSM agent needs a writable root filesystem (AWS does not support ECS Exec with a read-only one).
    assert.strictEqual(containers(p, "app")[0].readonlyRootFilesystem, false);
    // The migrate containers (in the app task and the manual task) are never exec'd into.
    assert.strictEqual(containers(p, "app")[1].readonlyRootFilesystem, true);
    assert.strictEqual(containers(p, "migrate")[0].readonlyRootFilesystem, true);
  });

  for (const stack of STACKS) {
    it(`${stack}: with ECS Exec off (the committed stacks) both containers keep a read-only root filesystem`, async () => {
      const p = await plan(stack);
      assert.strictEqual(one(p, "aws:ecs/service:Service").inputs.enableExecuteCommand, false);
      assert.strictEqual(containers(p, "app")[0].readonlyRootFilesystem, true);
      assert.strictEqual(containers(p, "migrate")[0].readonlyRootFilesystem, true);
    });
  }
});
