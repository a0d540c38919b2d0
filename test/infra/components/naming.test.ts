import * as assert from "assert";
import { AWS_NAME_LIMITS, checkName, Naming, NameTooLongError } from "../../../infra/components/naming";
import { runPlan } from "../../../infra/offline/plan";

describe("infra/components/naming", () => {
  it("names are <project>-<stack>[-<suffix>] from the names it is given", () => {
    const n = new Naming("shop", "qa-eu");
    assert.strictEqual(n.prefix, "shop-qa-eu");
    assert.strictEqual(n.name("alb", "alb"), "shop-qa-eu-alb");
    assert.strictEqual(n.name("ecs"), "shop-qa-eu");
  });

  it("refuses a name longer than AWS allows for its kind, naming it, its length and the limit", () => {
    const n = new Naming("a-rather-long-project", "and-a-long-stack");
    assert.throws(
      () => n.name("alb", "alb"),
      (e: any) =>
        e instanceof NameTooLongError &&
        /"a-rather-long-project-and-a-long-stack-alb" is 42 characters; AWS allows at most 32 for this name \(alb\)/.test(e.message),
    );
    assert.strictEqual(checkName("alb", "x".repeat(AWS_NAME_LIMITS.alb)).length, 32);
  });

  it("by default reads the running program's project and stack (not a literal)", async () => {
    const p = await runPlan("staging", { program: () => ({ prefix: new Naming().prefix }) });
    assert.strictEqual(p.outputs.prefix, "paved-staging");
  });
});
