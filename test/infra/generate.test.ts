import * as assert from "assert";
import { GENERATED, staleFiles } from "../../infra/offline/generate";
import { appContractModule, infraContractTypes } from "../../infra/offline/contract-types";
import { loadAppContract } from "../../infra/app";

describe("generated files (npm run docs)", () => {
  it("every generated file is fresh: run `npm run docs` after changing its source", async function () {
    this.timeout(120000);
    assert.deepStrictEqual(
      (await staleFiles()).map((g) => g.file),
      [],
    );
  });

  it("the command lists what it generates in --help", async () => {
    assert.ok(GENERATED.some((g) => g.file === "docs/config.md"));
    assert.ok(GENERATED.some((g) => g.file === "app/src/contract.ts"));
    for (const f of ["docs/policies.md", "docs/architecture.md", "docs/components.md", "Pulumi.yaml"])
      assert.ok(
        GENERATED.some((g) => g.file === f),
        f,
      );
  });

  it("a variable added to the contract changes both generated type files", () => {
    const c = loadAppContract();
    const more = {
      ...c,
      env: { ...c.env, EXTRA_TEST_VAR: { source: "platform" as const, description: "x", containers: ["app" as const] } },
    };
    assert.match(infraContractTypes(more), /"EXTRA_TEST_VAR",/);
    assert.doesNotMatch(infraContractTypes(c), /EXTRA_TEST_VAR/);
    assert.match(appContractModule(more), /EXTRA_TEST_VAR: \{ source: "platform", containers: \["app"\], description: "x" \}/);
  });
});
