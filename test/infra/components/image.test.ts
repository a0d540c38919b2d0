import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import {
  AppImage,
  appContentHash,
  BUILD_CONTEXT_DIR,
  imageBuildSettings,
  imageContextFiles,
  REPO_ROOT,
  type ImageArgs,
} from "../../../infra/components/image";
import { loadAppContract } from "../../../infra/app";
import { runPlan } from "../../../infra/offline/plan";
import { plan, one, containers, STACKS, keyFor } from "../helpers";

describe("infra/components/image", () => {
  const APP = loadAppContract().buildFrom;
  const WS = { workspace: "app" };
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
    it(`${stack}: builds app/Dockerfile from the app-only build context for ${platform}, tagged by content, build on preview`, async () => {
      const p = await plan(stack);
      const img = one(p, "docker:index/image:Image");
      assert.strictEqual(img.inputs.build.context, BUILD_CONTEXT_DIR);
      assert.strictEqual(img.inputs.build.dockerfile, `${BUILD_CONTEXT_DIR}/app/Dockerfile`);
      // The program wrote that context, and it holds exactly the files the tag hashes.
      const written: string[] = [];
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(REPO_ROOT, BUILD_CONTEXT_DIR, rel), { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r);
          else written.push(r);
        }
      };
      walk("");
      assert.deepStrictEqual(written.sort(), [...imageContextFiles(REPO_ROOT, APP).keys()].sort());
      assert.strictEqual(img.inputs.build.platform, platform);
      assert.strictEqual(img.inputs.buildOnPreview, true);
      assert.ok(img.inputs.imageName.endsWith(`:${appContentHash(REPO_ROOT, imageBuildSettings(platform, {}, "app/Dockerfile"), APP)}`));
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
    const p = await runPlan("staging", {
      config: { "paved:baseImage": "public.ecr.aws/docker/library/node:20-bookworm-slim", "paved:imagePlatform": "linux/arm64" },
    });
    const img = one(p, "docker:index/image:Image");
    // @pulumi/docker rebuilds on a build-settings change; the same tag would be refused by the IMMUTABLE repository.
    assert.notStrictEqual(img.inputs.imageName, base);
    assert.deepStrictEqual(img.inputs.build.args, { BASE_IMAGE: "public.ecr.aws/docker/library/node:20-bookworm-slim" });
    assert.strictEqual(img.inputs.build.platform, "linux/arm64");
    assert.strictEqual(one(p, "aws:ecs/taskDefinition:TaskDefinition", "-app").inputs.runtimePlatform.cpuArchitecture, "ARM64");
  });

  it("a platform or BASE_IMAGE change alone gives a new tag (immutable tags are never re-pushed)", async () => {
    const tagOf = async (config: Record<string, string>) =>
      (one(await runPlan("staging", { config }), "docker:index/image:Image").inputs.imageName as string).split(":").pop();
    const tags = new Set([
      await tagOf({}),
      await tagOf({ "paved:imagePlatform": "linux/amd64" }),
      await tagOf({ "paved:baseImage": "registry.example.com/node:22-bookworm-slim" }),
    ]);
    assert.strictEqual(tags.size, 3);
  });

  it("every path the build context lets in (app/Dockerfile.dockerignore allow-list) is part of the tag hash", () => {
    const ignore = fs
      .readFileSync(path.join(REPO_ROOT, "app", "Dockerfile.dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim());
    assert.strictEqual(
      ignore.find((l) => l && !l.startsWith("#")),
      "*",
      "the ignore file is an allow-list (first rule excludes everything)",
    );
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    assert.ok(allowed.length > 0);
    const hashed = [...imageContextFiles(REPO_ROOT, APP).keys()];
    for (const a of allowed) {
      const prefix = a.replace(/\*.*$/, "");
      assert.ok(
        hashed.some((h) => h === a || h.startsWith(prefix)),
        `${a} reaches the build context but is not in the hashed context (imageContextFiles)`,
      );
    }
    for (const never of ["**/node_modules", "**/.env", "**/.env.*", "app/dist"])
      assert.ok(ignore.includes(never), `${never} stays out of the context`);
  });

  it("the tag covers exactly what goes into the image: an infra provider or policy pack bump keeps it, an app dependency bump changes it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-hash-"));
    const write = (rel: string, content: unknown) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), typeof content === "string" ? content : JSON.stringify(content, null, 2));
    };
    const lock = (aws: string, fastify: string) => ({
      name: "paved",
      version: "0.1.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: "paved", version: "0.1.0", workspaces: ["app", "policy"], dependencies: { "@pulumi/aws": `^${aws}` } },
        app: { name: "paved-app", version: "0.1.0", dependencies: { fastify: `^${fastify}` } },
        policy: { name: "paved-guardrails", version: "0.1.0", dependencies: { "@pulumi/policy": "^1.21.0" } },
        "node_modules/@pulumi/aws": { version: aws, dependencies: { "shared-dep": "^1.0.0" } },
        "node_modules/@pulumi/policy": { version: "1.21.0" },
        "node_modules/fastify": { version: fastify, dependencies: { "shared-dep": "^1.0.0" } },
        "node_modules/shared-dep": { version: "1.0.0" },
        "node_modules/paved-app": { resolved: "app", link: true },
        "node_modules/paved-guardrails": { resolved: "policy", link: true },
      },
    });
    try {
      write("package.json", { name: "paved", version: "0.1.0", workspaces: ["app", "policy"], dependencies: { "@pulumi/aws": "^7.0.0" } });
      write("package-lock.json", lock("7.0.0", "5.0.0"));
      write("app/package.json", { name: "paved-app", version: "0.1.0", dependencies: { fastify: "^5.0.0" } });
      write("app/src/server.ts", "a");
      write("policy/package.json", { name: "paved-guardrails", dependencies: { "@pulumi/policy": "^1.21.0" } });
      const before = appContentHash(dir, {}, WS);
      const context = imageContextFiles(dir, WS);
      const images = JSON.parse(context.get("package-lock.json")!.toString());
      assert.deepStrictEqual(Object.keys(images.packages).sort(), [
        "",
        "app",
        "node_modules/fastify",
        "node_modules/paved-app",
        "node_modules/shared-dep",
      ]);
      assert.ok(!context.has("policy/package.json"), "the policy pack's manifest is not part of the image");

      // A provider bump (root manifest + lockfile) and a policy pack bump: same image, same tag.
      write("package.json", { name: "paved", version: "0.1.0", workspaces: ["app", "policy"], dependencies: { "@pulumi/aws": "^7.9.0" } });
      write("package-lock.json", lock("7.9.0", "5.0.0"));
      write("policy/package.json", { name: "paved-guardrails", dependencies: { "@pulumi/policy": "^1.22.0" } });
      assert.strictEqual(appContentHash(dir, {}, WS), before, "an infra or policy dependency bump re-tagged (and would redeploy) the app");

      // An app dependency bump changes what npm ci installs in the image: a new tag.
      write("package-lock.json", lock("7.9.0", "5.1.0"));
      assert.notStrictEqual(appContentHash(dir, {}, WS), before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the content hash is stable and changes when app sources change (not when node_modules does)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-hash-"));
    try {
      fs.mkdirSync(path.join(dir, "app", "src"), { recursive: true });
      fs.mkdirSync(path.join(dir, "app", "node_modules"), { recursive: true });
      fs.writeFileSync(path.join(dir, "app", "src", "server.ts"), "a");
      fs.writeFileSync(path.join(dir, "app", "package.json"), JSON.stringify({ name: "paved-app" }));
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "paved", version: "0.1.0", workspaces: ["app"] }));
      fs.writeFileSync(
        path.join(dir, "package-lock.json"),
        JSON.stringify({ lockfileVersion: 3, packages: { "": {}, app: { name: "paved-app" } } }),
      );
      const h1 = appContentHash(dir, {}, WS);
      assert.match(h1, /^[0-9a-f]{12}$/);
      assert.strictEqual(appContentHash(dir, {}, WS), h1);
      fs.writeFileSync(path.join(dir, "app", "node_modules", "x.js"), "ignored");
      assert.strictEqual(appContentHash(dir, {}, WS), h1);
      fs.writeFileSync(path.join(dir, "app", "src", "server.ts"), "b");
      assert.notStrictEqual(appContentHash(dir, {}, WS), h1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("infra/components/image: the component on its own", function () {
  this.timeout(60000);
  const build = (transform?: ImageArgs["transform"]) =>
    runPlan("staging", {
      program: () => {
        const key = new aws.kms.Key("k", {});
        // Required args only: the rest are the component's defaults.
        const image = new AppImage("image", { kmsKey: key, source: loadAppContract().buildFrom, transform });
        return { tag: image.tag };
      },
    });

  it("transform hooks reach the repository, its lifecycle policy and the build under mocks", async () => {
    const seen: string[] = [];
    const p = await build({
      repository: (args, _opts, name) => {
        seen.push(name);
        args.imageTagMutability = "IMMUTABLE_WITH_EXCLUSION";
      },
      lifecyclePolicy: (args, opts) => [{ ...args, policy: JSON.stringify({ rules: [] }) }, opts],
      image: (args) => {
        args.buildOnPreview = false;
      },
    });
    assert.deepStrictEqual(seen, ["image-repo"]);
    assert.strictEqual(one(p, "aws:ecr/repository:Repository").inputs.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
    assert.deepStrictEqual(JSON.parse(one(p, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy), { rules: [] });
    assert.strictEqual(one(p, "docker:index/image:Image").inputs.buildOnPreview, false);
  });

  it("no hook: the secure defaults stand (immutable, scanned, kept on destroy, built on preview, named by the stack)", async () => {
    const p = await build();
    const repo = one(p, "aws:ecr/repository:Repository");
    assert.deepStrictEqual(
      [repo.inputs.imageTagMutability, repo.inputs.imageScanningConfiguration.scanOnPush, repo.inputs.forceDelete],
      ["IMMUTABLE", true, false],
    );
    assert.strictEqual(repo.inputs.name, "paved-staging");
    assert.strictEqual(one(p, "docker:index/image:Image").inputs.buildOnPreview, true);
  });
});
