import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appContentHash, HASHED_PATHS, imageBuildSettings, REPO_ROOT } from "../../infra/image";
import { runPlan } from "../../infra/offline/plan";
import { plan, one, containers, STACKS, keyFor } from "./helpers";

describe("infra/image", () => {
    for (const stack of STACKS) {
        it(`${stack}: ECR scans on push, has immutable tags, KMS and a lifecycle policy`, async () => {
            const p = await plan(stack);
            const repo = one(p, "aws:ecr/repository:Repository");
            assert.strictEqual(repo.inputs.imageTagMutability, "IMMUTABLE");
            // A repository holding images is only deleted with forceDelete, which follows paved:destroyWithContents:
            // staging (true) tears down, prod (refused) keeps its images.
            assert.strictEqual(repo.inputs.forceDelete, stack !== "prod");
            assert.strictEqual(repo.inputs.imageScanningConfiguration.scanOnPush, true);
            assert.strictEqual(repo.inputs.encryptionConfigurations[0].encryptionType, "KMS");
            assert.strictEqual(repo.inputs.encryptionConfigurations[0].kmsKey, keyFor(p, "image").outputs!.arn);
            const rules = JSON.parse(one(p, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy).rules;
            assert.ok(rules.some((r: any) => r.selection.countType === "imageCountMoreThan" && r.selection.countNumber === 30));
        });

        // staging runs Graviton (arm64) tasks, a cost lever; prod stays on x86.
        const platform = stack === "staging" ? "linux/arm64" : "linux/amd64";
        it(`${stack}: builds app/Dockerfile from the repo root for ${platform}, tagged by content, build on preview`, async () => {
            const p = await plan(stack);
            const img = one(p, "docker:index/image:Image");
            assert.strictEqual(img.inputs.build.context, ".");
            assert.strictEqual(img.inputs.build.dockerfile, "app/Dockerfile");
            assert.strictEqual(img.inputs.build.platform, platform);
            assert.strictEqual(img.inputs.buildOnPreview, true);
            assert.ok(img.inputs.imageName.endsWith(`:${appContentHash(REPO_ROOT, imageBuildSettings(platform, {}, "app/Dockerfile"))}`));
            assert.deepStrictEqual(img.inputs.build.args, {}, "no BASE_IMAGE unless configured");
        });

        it(`${stack}: the task definition runs the pushed repo digest, not a tag`, async () => {
            const p = await plan(stack);
            const digest = one(p, "docker:index/image:Image").outputs!.repoDigest;
            assert.match(digest, /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/paved-\w+@sha256:[0-9a-f]{64}$/);
            assert.strictEqual(containers(p, "app")[0].image, digest);
            assert.strictEqual(containers(p, "migrate")[0].image, digest);
            assert.strictEqual(p.outputs.imageDigest, digest);
        });
    }

    it("passes BASE_IMAGE and the arm64 platform through from config, under a new tag", async () => {
        const base = one(await plan("staging"), "docker:index/image:Image").inputs.imageName;
        const p = await runPlan("staging", { config: { "paved:baseImage": "public.ecr.aws/docker/library/node:20-bookworm-slim", "paved:imagePlatform": "linux/arm64" } });
        const img = one(p, "docker:index/image:Image");
        // @pulumi/docker rebuilds on a build-settings change; the same tag would be refused by the IMMUTABLE repository.
        assert.notStrictEqual(img.inputs.imageName, base);
        assert.deepStrictEqual(img.inputs.build.args, { BASE_IMAGE: "public.ecr.aws/docker/library/node:20-bookworm-slim" });
        assert.strictEqual(img.inputs.build.platform, "linux/arm64");
        assert.strictEqual(one(p, "aws:ecs/taskDefinition:TaskDefinition", "-app").inputs.runtimePlatform.cpuArchitecture, "ARM64");
    });

    it("a platform or BASE_IMAGE change alone gives a new tag (immutable tags are never re-pushed)", async () => {
        const tagOf = async (config: Record<string, string>) => (one(await runPlan("staging", { config }), "docker:index/image:Image").inputs.imageName as string).split(":").pop();
        const tags = new Set([
            await tagOf({}),
            await tagOf({ "paved:imagePlatform": "linux/amd64" }),
            await tagOf({ "paved:baseImage": "registry.example.com/node:22-bookworm-slim" }),
        ]);
        assert.strictEqual(tags.size, 3);
    });

    it("every path the build context lets in (app/Dockerfile.dockerignore allow-list) is part of the tag hash", () => {
        const ignore = fs.readFileSync(path.join(REPO_ROOT, "app", "Dockerfile.dockerignore"), "utf8").split("\n").map((l) => l.trim());
        assert.strictEqual(ignore.find((l) => l && !l.startsWith("#")), "*", "the ignore file is an allow-list (first rule excludes everything)");
        const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
        assert.ok(allowed.length > 0);
        for (const a of allowed) {
            assert.ok(HASHED_PATHS.some((h) => a === h || a.startsWith(`${h}/`)), `${a} reaches the build context but is not hashed into the image tag (add it to HASHED_PATHS)`);
        }
        for (const never of ["**/node_modules", "**/.env", "**/.env.*", "app/dist"]) assert.ok(ignore.includes(never), `${never} stays out of the context`);
    });

    it("the content hash is stable and changes when app sources change (not when node_modules does)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-hash-"));
        try {
            fs.mkdirSync(path.join(dir, "app", "src"), { recursive: true });
            fs.mkdirSync(path.join(dir, "app", "node_modules"), { recursive: true });
            fs.writeFileSync(path.join(dir, "app", "src", "server.ts"), "a");
            fs.writeFileSync(path.join(dir, "package-lock.json"), "{}");
            const h1 = appContentHash(dir);
            assert.match(h1, /^[0-9a-f]{12}$/);
            assert.strictEqual(appContentHash(dir), h1);
            fs.writeFileSync(path.join(dir, "app", "node_modules", "x.js"), "ignored");
            assert.strictEqual(appContentHash(dir), h1);
            fs.writeFileSync(path.join(dir, "app", "src", "server.ts"), "b");
            const h2 = appContentHash(dir);
            assert.notStrictEqual(h2, h1);
            // policy/package.json is in the build context (npm ci checks every workspace manifest).
            fs.mkdirSync(path.join(dir, "policy"));
            fs.writeFileSync(path.join(dir, "policy", "package.json"), "{}");
            assert.notStrictEqual(appContentHash(dir), h2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
