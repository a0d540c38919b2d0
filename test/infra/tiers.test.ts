/**
 * The tier profile (infra/tiers.ts) is the one place staging and prod differ: the program's
 * floors and requirements come from it, and the policy pack's per-stack config (standalone, so it
 * repeats the numbers) is held equal to it here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { listStacks, loadStackConfig, REPO_ROOT } from "../../infra/offline/plan";
import { loadConfig, ConfigErrors } from "../../infra/config";
import { TIERS, TIER_NAMES, tierOf, lowestFloor } from "../../infra/tiers";

const packConfig = (stack: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policy", "config", `${stack}.json`), "utf8"));
const levelOf = (v: any): string | undefined => (typeof v === "string" ? v : v?.enforcementLevel);

describe("infra/tiers: one tier profile", () => {
  for (const stack of listStacks()) {
    const env = loadStackConfig(stack)["paved:environment"];
    const tier = tierOf(env);
    describe(`stack ${stack} (tier ${tier.name}): policy/config/${stack}.json equals the tier`, () => {
      const pack = packConfig(stack);
      it("backup retention, log retention and HSTS thresholds are the program's floors", () => {
        assert.strictEqual(pack["paved-rds-backup-retention"]?.minRetentionDays, tier.floors.dbBackupRetentionDays);
        assert.strictEqual(pack["paved-log-group-retention"]?.minRetentionDays, tier.floors.logRetentionDays);
        assert.strictEqual(pack["paved-alb-hsts"]?.minMaxAgeSeconds, tier.floors.hstsMaxAgeSeconds);
      });
      it("budget, exemption length, and which policies only warn", () => {
        assert.strictEqual(pack["paved-monthly-estimate"]?.maxUsd, tier.pack.monthlyBudgetUsd);
        assert.strictEqual(pack["paved-exemptions-not-expired"]?.maxExemptionDays, tier.pack.maxExemptionDays);
        assert.strictEqual(pack.all === "mandatory", tier.pack.allMandatory);
        const advisory = Object.entries(pack)
          .filter(([k, v]) => k !== "all" && levelOf(v) === "advisory")
          .map(([k]) => k)
          .sort();
        assert.deepStrictEqual(advisory, [...tier.pack.advisory].sort());
      });
      it("the stack file's values sit on or above the tier's floors", () => {
        const c = loadStackConfig(stack);
        for (const [k, floor] of Object.entries(tier.floors)) {
          const v = c[`paved:${k}`];
          if (v !== undefined) assert.ok(Number(v) >= floor, `${stack}: paved:${k}=${v} is below the ${tier.name} floor ${floor}`);
        }
      });
    });
  }

  const base = { domain: "app.acme.io", hostedZoneId: "Z0123456789ABC", alarmEmail: "oncall@acme.io" };
  const load = (env: string, over: Record<string, string> = {}) => {
    const m: Record<string, string> = { environment: env, ...base, ...over };
    return loadConfig((k) => m[k], "us-east-1", env, { monitorAddr: "mock" });
  };
  const problems = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigErrors) return e.problems;
      throw e;
    }
    return [];
  };

  it("a floor is a refusal naming the key, the tier and the floor; at the floor it passes", () => {
    assert.deepStrictEqual(
      problems(() => load("prod", { logRetentionDays: "90" })),
      [
        "Invalid config paved:logRetentionDays=90: the prod tier's floor is 365 (paved:environment=prod, infra/tiers.ts); set it to 365 or more.",
      ],
    );
    assert.strictEqual(load("prod", { logRetentionDays: "365" }).logRetentionDays, 365);
    assert.strictEqual(load("staging", { logRetentionDays: "30" }).logRetentionDays, 30);
    assert.match(
      problems(() => load("staging", { logRetentionDays: "14" })).join("\n"),
      /paved:logRetentionDays=14: the staging tier's floor is 30/,
    );
  });

  it("every prod requirement is refused by name when relaxed, and allowed in staging", () => {
    for (const r of TIERS.prod.requires) {
      const relaxed = typeof r.value === "boolean" ? String(!r.value) : "instance";
      const extra = r.onlyWith ? { [r.onlyWith.key]: r.onlyWith.value } : {};
      const p = problems(() => load("prod", { ...extra, [r.key]: relaxed }));
      assert.ok(
        p.some((x) => x.startsWith(`Invalid config paved:${r.key}=${relaxed}: ${r.why}`)),
        `${r.key}: ${p.join(" | ")}`,
      );
      assert.deepStrictEqual(
        problems(() => load("staging", { ...extra, [r.key]: relaxed })),
        [],
        r.key,
      );
    }
  });

  it("the tier's defaults stand in for unset keys; a set key wins", () => {
    const prod = load("prod");
    assert.strictEqual(prod.dbMultiAz, true);
    assert.strictEqual(prod.logRetentionDays, 365);
    assert.strictEqual(load("staging").dbMultiAz, false);
    assert.strictEqual(load("prod", { logRetentionDays: "731" }).logRetentionDays, 731);
  });

  it("tier settings: prod protects and keeps deleted keys and secrets restorable for 30 days, staging for 7", () => {
    assert.deepStrictEqual(TIER_NAMES, ["staging", "prod"]);
    assert.deepStrictEqual([TIERS.prod.protect, TIERS.prod.kmsDeletionWindowDays, TIERS.prod.secretRecoveryWindowDays], [true, 30, 30]);
    assert.deepStrictEqual(
      [TIERS.staging.protect, TIERS.staging.kmsDeletionWindowDays, TIERS.staging.secretRecoveryWindowDays],
      [false, 7, 7],
    );
    assert.strictEqual(lowestFloor("dbBackupRetentionDays"), 30);
    assert.throws(() => tierOf("dev"), /paved:environment must be one of: staging, prod/);
  });
});
