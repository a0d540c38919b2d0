import * as assert from "assert";
import * as zlib from "zlib";
import { userDataTexts } from "../../policy/lib/values";
import { ALL_PATTERNS, classifyPair, findSecretValues, isSecretName, scanScript } from "../../policy/lib/secrets";
import { passes, res, run, UNKNOWN, violates } from "./helpers";

const TD = "aws:ecs/taskDefinition:TaskDefinition";
const ECS = "paved-no-secrets-in-ecs-environment";
// Fake but well-formed samples (AWS's documented example keys and synthetic tokens).
const AKID = "AKIAIOSFODNN7EXAMPLE";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
const STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc";
const GITHUB = "ghp_" + "A".repeat(18) + "b1".repeat(9);
const SLACK = "xoxb-" + "1234567890-abcdefghij";
const OPENAI = "sk-proj-" + "Ab1".repeat(12);

function taskDef(environment: Array<{ name: string; value: string }>, secrets: Array<{ name: string; valueFrom: string }> = []) {
  return res(TD, "task", { containerDefinitions: JSON.stringify([{ name: "app", environment, secrets }]) });
}

describe("policy: hardcoded secrets", () => {
  it("flags secret-named variables with literal values in ECS environment, masking the value", async () => {
    for (const name of ["JWT_SECRET", "DB_PASSWORD", "GITHUB_TOKEN", "STRIPE_API_KEY", "SESSION_SECRET", "clientSecret"]) {
      const fs = await violates(ECS, taskDef([{ name, value: "hunter2-very-secret" }]), new RegExp(name));
      assert.ok(
        fs.every((f) => !f.message.includes("hunter2")),
        "the value must be masked",
      );
      assert.match(fs[0].message, /<redacted, 19 chars>/);
    }
  });

  it("seed: default passwords POSTGRES_PASSWORD=app and MINIO_ROOT_PASSWORD=minio123 in ECS environment are flagged, masked", async () => {
    for (const [name, value] of [
      ["POSTGRES_PASSWORD", "app"],
      ["MINIO_ROOT_PASSWORD", "minio123"],
    ]) {
      const fs = await violates(
        ECS,
        taskDef([{ name, value }]),
        new RegExp(`${name}=<redacted, ${value.length} chars>: secret-named variable`),
      );
      // (The container itself is named "app", so look for the value where it would leak: after the name.)
      assert.ok(
        fs.every((f) => !f.message.includes(`${name}=${value}`) && !f.message.includes("minio123")),
        `the ${name} value must be masked`,
      );
    }
    // Compliant: the same names through secrets/valueFrom.
    await passes(
      ECS,
      taskDef(
        [],
        [
          { name: "POSTGRES_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-AbCdEf" },
          { name: "MINIO_ROOT_PASSWORD", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/minio/root-password" },
        ],
      ),
    );
  });

  it("flags secret-shaped values whatever the variable name", async () => {
    const cases: Array<[string, RegExp]> = [
      [AKID, /AWS access key id/],
      [AWS_SECRET, /AWS secret access key/],
      [JWT, /JSON Web Token/],
      [PEM, /PEM private key/],
      [STRIPE, /Stripe/],
      [GITHUB, /GitHub/],
      [SLACK, /Slack/],
      [OPENAI, /OpenAI/],
      ["postgres://app:s3cr3tpw@db.internal:5432/app", /URL with embedded password/],
    ];
    for (const [value, kind] of cases) {
      const fs = await violates(ECS, taskDef([{ name: "SOME_SETTING", value }]), kind);
      assert.ok(
        fs.every((f) => !f.message.includes(value.slice(8, 20))),
        `value leaked for ${kind}`,
      );
    }
    await violates(ECS, taskDef([{ name: "DATABASE_URL", value: "postgresql://user:pw12345@host/db" }]), /DATABASE_URL/);
  });

  it("does not flag ordinary config, secrets valueFrom entries, or credential-free URLs", async () => {
    await passes(
      ECS,
      taskDef(
        [
          { name: "PASSWORD_MIN_LENGTH", value: "12" },
          { name: "TOKEN_TTL_SECONDS", value: "3600" },
          { name: "JWT_ISSUER", value: "https://auth.example.com/" },
          { name: "JWT_AUDIENCE", value: "paved-api" },
          { name: "DB_SSL", value: "verify-full" },
          { name: "DATABASE_URL", value: "postgres://db.internal:5432/app" },
          { name: "GIT_SHA", value: "3f786850e387550fdab836ed7e6dc881de23001b" },
          { name: "DB_PASSWORD", value: "" },
          { name: "JWT_SECRET_ARN", value: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf" },
        ],
        [
          { name: "JWT_SECRET", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf" },
          { name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1:password::" },
        ],
      ),
    );
  });

  it("honours allowNames and skips unknown container definitions", async () => {
    await passes(ECS, taskDef([{ name: "CSRF_TOKEN", value: "header-name-x" }]), { [ECS]: { allowNames: ["CSRF_TOKEN"] } });
    await passes(ECS, res(TD, "task", { containerDefinitions: UNKNOWN }));
    await passes(
      ECS,
      res(TD, "task", { containerDefinitions: JSON.stringify([{ name: "app", environment: [{ name: "JWT_SECRET", value: UNKNOWN }] }]) }),
    );
  });

  it("flags secrets in Lambda environment variables", async () => {
    const fn = (variables: Record<string, string>) => res("aws:lambda/function:Function", "fn", { environment: { variables } });
    await violates("paved-no-secrets-in-lambda-environment", fn({ STRIPE_KEY: STRIPE }), /Stripe/);
    await violates("paved-no-secrets-in-lambda-environment", fn({ API_TOKEN: "abc123abc123" }), /API_TOKEN/);
    await passes("paved-no-secrets-in-lambda-environment", fn({ TOKEN_TTL_SECONDS: "3600", LOG_LEVEL: "info" }));
  });

  describe("user data", () => {
    const P = "paved-no-secrets-in-user-data";
    const script = `#!/bin/bash\nexport AWS_ACCESS_KEY_ID=${AKID}\nexport DB_PASSWORD="s3cr3t-pw"\n`;
    const b64 = Buffer.from(script).toString("base64");
    const gz = zlib.gzipSync(Buffer.from(script)).toString("base64");
    for (const type of [
      "aws:ec2/instance:Instance",
      "aws:ec2/launchTemplate:LaunchTemplate",
      "aws:ec2/launchConfiguration:LaunchConfiguration",
    ]) {
      it(`${type}: plain, base64, gzip+base64 and userDataBase64`, async () => {
        await violates(P, res(type, "vm", { userData: script }), /AWS access key id/);
        await violates(P, res(type, "vm", { userData: b64 }), /DB_PASSWORD/);
        await violates(P, res(type, "vm", { userData: gz }), /AWS access key id/);
        await violates(P, res(type, "vm", { userDataBase64: b64 }), /userDataBase64 contains/);
        await passes(
          P,
          res(type, "vm", {
            userData: Buffer.from("#!/bin/bash\nDB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db)\necho ok\n").toString(
              "base64",
            ),
          }),
        );
        await passes(P, res(type, "vm", { userData: UNKNOWN }));
      });
    }
  });

  it("flags static credentials on an explicit AWS provider", async () => {
    const P = "paved-no-static-provider-credentials";
    const fs = await violates(
      P,
      res("pulumi:providers:aws", "prov", { region: "eu-west-1", accessKey: AKID, secretKey: AWS_SECRET }),
      /accessKey/,
    );
    assert.ok(fs.every((f) => !f.message.includes(AKID) && !f.message.includes(AWS_SECRET)));
    await passes(P, res("pulumi:providers:aws", "prov", { region: "eu-west-1", profile: "deploy" }));
  });

  it("requires the RDS-managed master password on instances and Aurora clusters", async () => {
    const P = "paved-rds-managed-master-password";
    await violates(P, res("aws:rds/instance:Instance", "db", { password: "literal-pw-123" }), /password is set \(<redacted/);
    await violates(P, res("aws:rds/cluster:Cluster", "aurora", { masterPassword: "literal-pw-123" }), /masterPassword/);
    await violates(P, res("aws:rds/instance:Instance", "db", { password: UNKNOWN }), /password is set/);
    await violates(P, res("aws:rds/instance:Instance", "db", {}), /manageMasterUserPassword/);
    await passes(P, res("aws:rds/instance:Instance", "db", { manageMasterUserPassword: true }));
    await passes(P, res("aws:rds/cluster:Cluster", "aurora", { manageMasterUserPassword: true }));
  });

  it("requires SecureString for secret-like SSM parameters", async () => {
    const P = "paved-ssm-secure-string";
    await violates(
      P,
      res("aws:ssm/parameter:Parameter", "p", { name: "/app/prod/jwt_secret", type: "String", value: "abcdef123456" }),
      /jwt_secret/,
    );
    await violates(
      P,
      res("aws:ssm/parameter:Parameter", "p", { name: "/app/prod/config", type: "String", value: AKID }),
      /AWS access key id/,
    );
    await passes(P, res("aws:ssm/parameter:Parameter", "p", { name: "/app/prod/jwt_secret", type: "SecureString", value: "abcdef123456" }));
    await passes(P, res("aws:ssm/parameter:Parameter", "p", { name: "/app/prod/token_ttl_seconds", type: "String", value: "3600" }));
  });

  it("name classification: secrets by the final word, not by a prefix", () => {
    for (const n of [
      "JWT_SECRET",
      "DB_PASSWORD",
      "API_KEY",
      "apiKey",
      "PRIVATE_KEY",
      "AWS_SECRET_ACCESS_KEY",
      "SLACK_WEBHOOK_SECRET",
      "dbPass",
    ]) {
      assert.ok(isSecretName(n), n);
    }
    for (const n of [
      "PASSWORD_MIN_LENGTH",
      "TOKEN_TTL_SECONDS",
      "JWT_ISSUER",
      "SECRET_ARN",
      "KEY_ID",
      "PASSWORD_RESET_URL",
      "TOKEN_AUDIENCE",
    ]) {
      assert.ok(!isSecretName(n), n);
    }
    assert.deepStrictEqual(classifyPair("DB_PASSWORD", "$DB_PASSWORD"), []);
  });

  it("matches in linear time: 1 MB adversarial strings finish within a time bound", () => {
    const adversarial = [
      "eyJ".repeat(350_000), // many JWT starts, no dots
      "eyJa.".repeat(200_000), // JWT-like fragments
      "a".repeat(1_000_000), // one huge token
      "postgres://" + "a:".repeat(500_000), // URL userinfo without @
      ("A".repeat(39) + " ").repeat(25_000), // near-miss AWS secret keys
      "-----BEGIN ".repeat(90_000), // PEM starts without a key
      ("X=" + "b".repeat(100) + "\n").repeat(9_000), // many assignment lines
      "sk-".repeat(333_333),
      " ".repeat(1_000_000) + "!", // whitespace run defeating a base64 check
      "QUJD".repeat(250_000) + "\n!", // almost-base64 user data
    ];
    for (const s of adversarial) {
      const start = process.hrtime.bigint();
      findSecretValues(s);
      scanScript(s);
      classifyPair("DB_PASSWORD", s);
      for (const text of userDataTexts(s)) {
        scanScript(text);
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms on ${s.slice(0, 12)}...`);
    }
  });

  it("each pattern is linear even on a single 1 MB token (no reliance on the token-length cap)", () => {
    const inputs = [
      "eyJ".repeat(350_000),
      "eyJa".repeat(250_000) + ".",
      "a:".repeat(500_000),
      "A".repeat(1_000_000) + "!",
      "x".repeat(1_000_000) + "=",
      "sk_live_".repeat(125_000),
    ];
    for (const re of ALL_PATTERNS) {
      for (const s of inputs) {
        const start = process.hrtime.bigint();
        re.lastIndex = 0;
        if (re.flags.includes("y")) {
          re.test(s);
        } else {
          s.split(re);
        }
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        // Linear: ~150 ms idle, ~1.1 s at load average 11. Super-linear backtracking on 1 MB takes
        // minutes to hours, so 5 s separates the two without failing on a busy CI machine.
        assert.ok(ms < 5000, `${re} took ${ms.toFixed(0)} ms on ${s.slice(0, 8)}...`);
      }
    }
  });

  it("reports nothing for the secret values themselves in findings of any policy", async () => {
    const fs = await run([taskDef([{ name: "JWT_SECRET", value: JWT }])]);
    assert.ok(fs.length > 0);
    assert.ok(fs.every((f) => !f.message.includes(JWT.slice(0, 30))));
  });

  describe("paved-ecs-no-master-secret-in-service-container", () => {
    const MASTER = "paved-ecs-no-master-secret-in-service-container";
    const rds = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-23bf5bf8-bcd6-4ee6-aab6-de706b0a13f2-7ZAllt";
    const jwt = "arn:aws:secretsmanager:us-east-1:123456789012:secret:paved-prod/jwt-secret-AbCdEf";
    const td = (containers: object[], name = "task") =>
      res(
        TD,
        name,
        { family: `paved-${name}`, containerDefinitions: JSON.stringify(containers) },
        {
          family: `paved-${name}`,
          arn: `arn:aws:ecs:us-east-1:123456789012:task-definition/paved-${name}:1`,
          containerDefinitions: JSON.stringify(containers),
        },
      );
    /** A service running `t`, linked the way the engine records it (propertyDependencies), or by ARN only. */
    const service = (t: ReturnType<typeof td>, link: "dependency" | "arn" = "dependency") => ({
      ...res("aws:ecs/service:Service", "svc", { taskDefinition: link === "arn" ? t.outputs!.arn : UNKNOWN }),
      ...(link === "dependency" ? { propertyDependencies: { taskDefinition: [t.urn] } } : {}),
    });

    it("flags the weekly outage: a service's long-running container reads the rotating master secret", async () => {
      // The shape paved shipped before the app had its own database identity.
      const old = td([
        {
          name: "app",
          secrets: [
            { name: "DB_USER", valueFrom: `${rds}:username::` },
            { name: "DB_PASSWORD", valueFrom: `${rds}:password::` },
          ],
        },
      ]);
      await violates(MASTER, [old, service(old)], /long-running container 'app' gets DB_USER from the RDS-managed master secret/);
      await violates(MASTER, [old, service(old, "arn")], /'app' gets DB_PASSWORD/);
      // essential defaults to true when omitted; an explicit true is the same.
      const worker = td([{ name: "worker", essential: true, secrets: [{ name: "PGPASSWORD", valueFrom: rds }] }]);
      await violates(MASTER, [worker, service(worker)], /'worker' gets PGPASSWORD/);
    });

    it("passes run-to-completion steps with the master secret, one-off task definitions, and an app with other secrets only", async () => {
      const now = td([
        { name: "app", secrets: [{ name: "JWT_SECRET", valueFrom: jwt }], dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] },
        { name: "migrate", essential: false, secrets: [{ name: "DB_PASSWORD", valueFrom: `${rds}:password::` }] },
        { name: "db-init", essential: false, secrets: [{ name: "DB_PASSWORD", valueFrom: `${rds}:password::` }] },
      ]);
      await passes(MASTER, [now, service(now)]);
      // A one-off task (no service runs it, e.g. a manual migration) must have an essential container.
      const manual = td([{ name: "migrate", secrets: [{ name: "DB_PASSWORD", valueFrom: `${rds}:password::` }] }], "migrate");
      await passes(MASTER, [now, service(now), manual]);
      // A secret the team rotates itself (not RDS-managed) is out of scope for this rule.
      const own = td([
        {
          name: "app",
          secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf:password::" }],
        },
      ]);
      await passes(MASTER, [own, service(own)]);
    });
  });
});
