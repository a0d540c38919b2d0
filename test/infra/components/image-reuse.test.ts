import * as assert from "assert";
import { appContentHash, imageBuildSettings, REPO_ROOT } from "../../../infra/components/image";
import { loadStackConfig, runPlan } from "../../../infra/offline/plan";
import { loadAppContract } from "../../../infra/app";
import { ofType, containers } from "../helpers";

/** Re-deploy and revert: an image whose content tag is already in ECR is reused, never re-pushed. */
describe("infra/components/image: re-deploy and revert reuse the pushed digest", function () {
  // Several offline plans of the whole program per test; slow on a loaded machine.
  this.timeout(240_000);
  const tag = appContentHash(
    REPO_ROOT,
    imageBuildSettings(loadStackConfig("staging")["paved:imagePlatform"] ?? "linux/amd64", {}, "app/Dockerfile"),
    loadAppContract().buildFrom,
  );
  const repoUrl = "123456789012.dkr.ecr.us-east-1.amazonaws.com/paved-staging";
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  const images = (p: Awaited<ReturnType<typeof runPlan>>) => ofType(p, "docker:index/image:Image");

  it("no repository yet (first preview of a new stack): builds and pushes the content tag", async () => {
    const p = await runPlan("staging", { registry: {} });
    assert.strictEqual(images(p).length, 1);
    assert.ok(images(p)[0].inputs.imageName.endsWith(`:${tag}`));
    assert.strictEqual(containers(p, "app")[0].image, images(p)[0].outputs!.repoDigest);
  });

  it("repository exists but the tag is absent (new content): builds and pushes", async () => {
    const p = await runPlan("staging", { registry: { "paved-staging": { "0123456789ab": digest("a") } } });
    assert.strictEqual(images(p).length, 1);
    assert.ok(images(p)[0].inputs.imageName.endsWith(`:${tag}`));
  });

  it("tag present (same commit from a second checkout, or a retried up): reuses its digest, builds nothing", async () => {
    const p = await runPlan("staging", { registry: { "paved-staging": { [tag]: digest("b") } } });
    assert.strictEqual(images(p).length, 0, "an existing tag must not be built and pushed again (ImageTagAlreadyExistsException)");
    assert.strictEqual(containers(p, "app")[0].image, `${repoUrl}@${digest("b")}`);
    assert.strictEqual(containers(p, "migrate")[0].image, `${repoUrl}@${digest("b")}`);
    assert.strictEqual(p.outputs.imageDigest, `${repoUrl}@${digest("b")}`);
    assert.strictEqual(p.outputs.imageTag, tag);
  });

  it("a repository of another stack holding the tag does not count", async () => {
    const p = await runPlan("staging", { registry: { "paved-prod": { [tag]: digest("c") } } });
    assert.strictEqual(images(p).length, 1);
  });

  it("revert: going back to content pushed earlier runs exactly the digest that was pushed then", async () => {
    // Deploy 1: this content is new, so it is built; the registry then holds it under its tag.
    const first = await runPlan("staging", { registry: {} });
    const pushed = images(first)[0].outputs!.repoDigest as string;
    const pushedDigest = pushed.split("@")[1];
    // Deploy 2 (a later commit) pushed another tag. Deploy 3 reverts to the first commit's content.
    const reverted = await runPlan("staging", { registry: { "paved-staging": { [tag]: pushedDigest, fedcba987654: digest("d") } } });
    assert.strictEqual(images(reverted).length, 0);
    assert.strictEqual(containers(reverted, "app")[0].image, pushed, "the revert runs the original image, by digest");
  });
});
