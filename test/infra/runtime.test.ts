import assert from "node:assert/strict";
import { isRealRun } from "../../infra/runtime";
import { runPlan } from "../../infra/offline/plan";

describe("infra: real-run predicate", () => {
  it("is false under Pulumi's mocks (what the offline plan and tests use)", async () => {
    await runPlan("staging");
    assert.equal(isRealRun(), false);
  });

  it("is true only for an engine-provided monitor address", () => {
    assert.equal(isRealRun({ monitorAddr: "127.0.0.1:41235" }), true);
    assert.equal(isRealRun({ monitorAddr: "mock" }), false);
    assert.equal(isRealRun({ monitorAddr: "" }), false);
    assert.equal(isRealRun({}), false);
  });
});
