import assert from "node:assert/strict";
import { ConfigError, loadConfig, loadDbConfig } from "../../app/src/config";
import { ENV_CONTRACT, envVarsBySource } from "../../app/src/contract";
import { ENV_DEFAULTS } from "../../app/src/env-defaults";
import { envFor } from "./helpers/app";
import { dbConfig } from "./helpers/pg";
import { exited, spawnEntry } from "./helpers/proc";

const good = envFor(dbConfig(5432, "tickets"));

function problem(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail("expected a ConfigError");
}

describe("app: environment validation", () => {
  it("accepts the full contract and applies secure defaults", () => {
    const cfg = loadConfig({ ...good, PORT: "", HOST: undefined, NODE_ENV: undefined, DB_SSL: undefined, LOG_LEVEL: undefined });
    assert.equal(cfg.PORT, 3000);
    assert.equal(cfg.HOST, "0.0.0.0");
    assert.equal(cfg.NODE_ENV, "production");
    assert.equal(cfg.DB_SSL, "verify-full");
    assert.equal(cfg.DB_PORT, 5432);
    assert.equal(cfg.S3_ENDPOINT, undefined);
  });

  it("validates exactly the variables of the shared contract", () => {
    const cfg = loadConfig({ ...good, S3_ENDPOINT: "http://127.0.0.1:9000", UNRELATED: "x" });
    assert.deepEqual(Object.keys(cfg).sort(), Object.keys(ENV_CONTRACT).sort());
    assert.deepEqual(envVarsBySource("secret"), ["DB_PASSWORD", "JWT_SECRET"]);
  });

  it("names every missing variable in one message, with what it is for", () => {
    const err = problem({});
    assert.deepEqual(err.variables, ["DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "S3_BUCKET", "AWS_REGION", "JWT_SECRET"]);
    for (const v of err.variables) assert.match(err.message, new RegExp(`${v} is missing \\(`));
    assert.match(err.message, /^Invalid configuration: 7 variables wrong: /);
    assert.match(err.message, /Fix: set them/);
    // An empty string (how ECS passes a declared-but-unset value) counts as missing.
    assert.deepEqual(problem({ ...good, DB_HOST: "" }).variables, ["DB_HOST"]);
  });

  it("explains invalid values without ever printing them", () => {
    const secret = "hunter2-is-short";
    const err = problem({
      ...good,
      PORT: "eighty",
      DB_PORT: "70000",
      DB_SSL: "require",
      NODE_ENV: "prod",
      LOG_LEVEL: "loud",
      S3_BUCKET: "Bad_Bucket",
      S3_ENDPOINT: "not a url",
      AWS_REGION: "Europe",
      JWT_SECRET: secret,
      DB_PASSWORD: "p@ss-value",
    });
    assert.deepEqual(err.variables, [
      "PORT",
      "NODE_ENV",
      "LOG_LEVEL",
      "DB_PORT",
      "DB_SSL",
      "S3_BUCKET",
      "S3_ENDPOINT",
      "AWS_REGION",
      "JWT_SECRET",
    ]);
    assert.match(err.message, /PORT must be a whole number/);
    assert.match(err.message, /DB_PORT must be 1-65535/);
    assert.match(err.message, /DB_SSL must be verify-full \(AWS\) or disable \(local only\)/);
    assert.match(err.message, /JWT_SECRET must be at least 32 characters/);
    assert.match(err.message, /AWS_REGION must be an AWS region such as eu-west-1/);
    for (const value of [secret, "eighty", "70000", "require", "loud", "Bad_Bucket", "not a url", "Europe", "p@ss-value"]) {
      assert.ok(!err.message.includes(value), `message must not contain ${value}`);
    }
  });

  it("the migrate runner needs only the database variables", () => {
    const db = loadDbConfig({ DB_HOST: "h", DB_NAME: "n", DB_USER: "u", DB_PASSWORD: "p" });
    assert.equal(db.DB_SSL, "verify-full");
    assert.throws(() => loadDbConfig({ DB_HOST: "h" }), /DB_NAME is missing.*DB_USER is missing.*DB_PASSWORD is missing/);
  });

  it("the server process exits 1 with one single-line message and no secret values", async function () {
    this.timeout(20_000);
    const child = spawnEntry("server", {
      ...good,
      DB_HOST: "",
      JWT_SECRET: "too-short-secret-value",
      DB_PASSWORD: "super-secret-db-password",
      AWS_REGION: "",
    });
    const { code } = await exited(child);
    assert.equal(code, 1);
    const lines = child.err().trim().split("\n");
    assert.equal(lines.length, 1, child.err());
    const line = JSON.parse(lines[0]);
    assert.deepEqual(line.invalidVariables, ["DB_HOST", "AWS_REGION", "JWT_SECRET"]);
    assert.ok(!child.err().includes("too-short-secret-value") && !child.err().includes("super-secret-db-password"));
    assert.equal(child.out(), "");
  });
  it("tuning variables (token age, rate limit, keep-alive, drain) have documented defaults and are validated", () => {
    const cfg = loadConfig(good);
    assert.deepEqual(
      [cfg.JWT_MAX_AGE_SECONDS, cfg.RATE_LIMIT_PER_MINUTE, cfg.KEEP_ALIVE_TIMEOUT_SECONDS, cfg.SHUTDOWN_DRAIN_SECONDS],
      [
        ENV_DEFAULTS.JWT_MAX_AGE_SECONDS,
        ENV_DEFAULTS.RATE_LIMIT_PER_MINUTE,
        ENV_DEFAULTS.KEEP_ALIVE_TIMEOUT_SECONDS,
        ENV_DEFAULTS.SHUTDOWN_DRAIN_SECONDS,
      ],
    );
    assert.equal(ENV_DEFAULTS.JWT_MAX_AGE_SECONDS, 12 * 3600);
    assert.equal(loadConfig({ ...good, RATE_LIMIT_PER_MINUTE: "1200" }).RATE_LIMIT_PER_MINUTE, 1200);
    const err = problem({
      ...good,
      RATE_LIMIT_PER_MINUTE: "lots",
      JWT_MAX_AGE_SECONDS: "0",
      KEEP_ALIVE_TIMEOUT_SECONDS: "1",
      SHUTDOWN_DRAIN_SECONDS: "60",
    });
    assert.deepEqual(err.variables, [
      "JWT_MAX_AGE_SECONDS",
      "RATE_LIMIT_PER_MINUTE",
      "KEEP_ALIVE_TIMEOUT_SECONDS",
      "SHUTDOWN_DRAIN_SECONDS",
    ]);
    assert.match(err.message, /RATE_LIMIT_PER_MINUTE must be a whole number/);
    for (const name of err.variables) assert.notEqual(ENV_CONTRACT[name].source, "secret");
  });

  it("the rate limit from the contract is what the app enforces", async function () {
    this.timeout(90_000);
    const { makeApp, migratedDatabase } = await import("./helpers/app");
    const app = await makeApp(await migratedDatabase("rate_cfg"), { config: { RATE_LIMIT_PER_MINUTE: 2 } });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++)
        codes.push((await app.inject({ method: "GET", url: "/api/tickets", headers: { "x-forwarded-for": "203.0.113.50" } })).statusCode);
      assert.deepEqual(codes, [401, 401, 429]);
    } finally {
      await app.close();
    }
  });
});
