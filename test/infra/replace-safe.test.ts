import * as assert from "assert";
import { FROZEN } from "../../infra/components/database";
import { runPlan } from "../../infra/offline/plan";
import { one, plan, STACKS } from "./helpers";

describe("infra: replace-safe names", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  it("prod's final snapshot identifier carries a random suffix created once with the stack (no collision after destroy + re-create)", async () => {
    const p = await plan("prod");
    const suffix = one(p, "random:index/randomId:RandomId", "final-snapshot-suffix");
    assert.deepStrictEqual(suffix.inputs, { byteLength: 4 }, "no keepers: the suffix never changes during the stack's lifetime");
    const db = one(p, "aws:rds/instance:Instance");
    assert.strictEqual(db.inputs.finalSnapshotIdentifier, `paved-prod-db-final-${suffix.outputs!.hex}`);
    assert.ok(db.dependencies!.includes(suffix.urn));
    // A second plan of the same stack gives the same identifier (the suffix lives in state).
    assert.strictEqual(
      one(await runPlan("prod"), "aws:rds/instance:Instance").inputs.finalSnapshotIdentifier,
      db.inputs.finalSnapshotIdentifier,
    );
  });

  for (const stack of STACKS) {
    it(`${stack}: the DB parameter group's force-new fields are frozen under its fixed name`, async () => {
      const p = await plan(stack);
      const pg = one(p, "aws:rds/parameterGroup:ParameterGroup");
      // Name fixed per engine major version (a version change gives a new name, so no collision).
      assert.strictEqual(pg.inputs.name, `paved-${stack}-postgres16`);
      assert.strictEqual(pg.inputs.family, "postgres16");
      // The description is force-new: it must stay byte-for-byte what existing stacks have.
      assert.strictEqual(pg.inputs.description, `paved-${stack}: TLS-only connections and useful logging`);
      assert.strictEqual(pg.inputs.description, FROZEN.parameterGroupDescription(`paved-${stack}`));
    });
  }
});
