import * as assert from "assert";
import { GENERATED, staleFiles, main } from "../../infra/offline/generate";
import { appContractModule, infraContractTypes } from "../../infra/offline/contract-types";
import { loadAppContract } from "../../infra/app";

describe("generated files (npm run docs)", () => {
    it("every generated file is fresh: run `npm run docs` after changing its source", () => {
        assert.deepStrictEqual(staleFiles().map((g) => g.file), []);
    });

    it("--check exits 0 when fresh; the command lists what it generates in --help", async () => {
        assert.strictEqual(await main(["--check"]), 0);
        assert.ok(GENERATED.some((g) => g.file === "docs/config.md"));
        assert.ok(GENERATED.some((g) => g.file === "app/src/contract.ts"));
    });

    it("a variable added to the contract changes both generated type files", () => {
        const c = loadAppContract();
        const more = { ...c, env: { ...c.env, RATE_LIMIT: { source: "platform" as const, description: "x", containers: ["app" as const] } } };
        assert.match(infraContractTypes(more), /"RATE_LIMIT",/);
        assert.doesNotMatch(infraContractTypes(c), /RATE_LIMIT/);
        assert.match(appContractModule(more), /RATE_LIMIT: \{ source: "platform", containers: \["app"\], description: "x" \}/);
    });
});
