/**
 * The app image: an ECR repository (scan on push, immutable tags, KMS, lifecycle)
 * and a docker.Image built from the app contract's Dockerfile (app/paved.app.json `build`).
 *
 * Identity: the tag is a content hash of exactly what the image is built from (imageContextFiles)
 * plus the build settings, and the task definition uses the pushed repo digest
 * (`repo@sha256:…`): unchanged code gives an unchanged task definition, so `pulumi up` does not
 * redeploy the service, and a tag can never silently point at different bits. An app that is an
 * npm workspace of this repository (`build.npmWorkspace`, the default app) is built from a
 * generated app-only context — the workspace's files plus a root manifest and lockfile cut to the
 * workspace's dependencies — so bumping an infra provider or the policy pack neither changes the
 * image nor re-tags (and redeploys) it. Any other app names its context and `build.inputs`.
 *
 * Re-deploy and revert: before building, the program asks ECR whether the repository already
 * holds the content tag (see existingImageDigest). If it does — a revert to an earlier commit,
 * the same commit deployed from a second checkout, or an `up` retried after its push succeeded —
 * that image's digest is reused and nothing is built or pushed: the IMMUTABLE repository refuses
 * any push to an existing tag (ImageTagAlreadyExistsException), even of identical bits. Only new
 * content builds. The look-up needs `ecr:DescribeRepositories` and `ecr:ListImages` (read-only;
 * see docs/production-truth.md for the preview role's statement).
 *
 * Build on preview: on by default (`paved:buildOnPreview`), so a CI `pulumi preview`
 * on a pull request fails when the image does not build — the broken-image-found-
 * in-production failure mode of our users. Set it to false only for previews on
 * machines without Docker.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import { child, withDefaults, type Transform } from "./transform";
import { checkName, Naming } from "./naming";

/** Repository root (the Pulumi project directory). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * What an image is built from (the app contract's `build`, see infra/app.ts), all paths relative to
 * the repository root:
 * - `{ workspace }`: an npm workspace of the repository (`build.npmWorkspace`). paved generates the
 *   build context (imageContextFiles): the workspace's files and a root package.json and
 *   package-lock.json cut to the workspace's dependencies, in the repository's layout.
 * - `{ context, inputs }`: any other app. The context is used as it is; `inputs` are the paths
 *   whose content defines the image (they must cover what the context lets into the build).
 */
export type ImageSource = { workspace: string } | { context: string; inputs: readonly string[] };

/** Never part of an image (build outputs, local state, dependencies; .env files are skipped too). */
const SKIPPED = new Set(["node_modules", "dist", ".dev-pg", "coverage", ".git"]);

function collect(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return;
  const st = fs.statSync(abs);
  if (st.isDirectory()) {
    for (const entry of fs.readdirSync(abs).sort()) {
      if (SKIPPED.has(entry) || entry.startsWith(".env")) continue;
      collect(root, path.posix.join(rel, entry), out);
    }
  } else if (st.isFile()) {
    out.push(rel);
  }
}

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  link?: boolean;
  resolved?: string;
}

/**
 * The root manifest and lockfile the image build sees: the app's workspace alone and the lockfile
 * entries it resolves to (production and build-time dependencies, at the same paths and versions
 * as in the repository's lockfile). Infra and policy dependencies are not in them, so bumping a
 * Pulumi provider or the policy pack changes neither the build context nor the image's tag.
 */
export function appOnlyManifests(root: string, workspace: string): { packageJson: string; packageLock: string } {
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const packages: Record<string, LockEntry> = lock.packages ?? {};
  if (!packages[workspace]) {
    throw new Error(
      `Image build: package-lock.json has no entry for the ${workspace} workspace; run \`npm install\` at the repository root.`,
    );
  }
  // Node's resolution over lockfile paths: from <p>/node_modules/<d> up to node_modules/<d>.
  const resolve = (from: string, dep: string): string | undefined => {
    for (let dir = from; ; dir = dir.includes("/node_modules/") ? dir.slice(0, dir.lastIndexOf("/node_modules/")) : "") {
      const candidate = dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`;
      if (packages[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const appName: string = JSON.parse(fs.readFileSync(path.join(root, workspace, "package.json"), "utf8")).name;
  // The workspace itself and npm's link to it.
  const keep = new Set<string>([workspace, `node_modules/${appName}`]);
  const queue = [workspace];
  while (queue.length) {
    const at = queue.pop()!;
    const e = packages[at];
    const deps = { ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies, ...(at === workspace ? e.devDependencies : {}) };
    for (const dep of Object.keys(deps).sort()) {
      const found = resolve(at, dep);
      if (found && !keep.has(found)) {
        keep.add(found);
        queue.push(found);
      }
    }
  }
  const name = `${rootPkg.name ?? "app"}-image`;
  const rootEntry = { name, version: rootPkg.version, workspaces: [workspace] };
  const kept: Record<string, unknown> = { "": rootEntry };
  for (const k of Object.keys(packages).sort()) if (keep.has(k) && packages[k]) kept[k] = packages[k];
  const packageJson = JSON.stringify({ name, version: rootPkg.version, private: true, workspaces: [workspace] }, null, 2) + "\n";
  const packageLock =
    JSON.stringify({ name, version: rootPkg.version, lockfileVersion: lock.lockfileVersion, requires: true, packages: kept }, null, 2) +
    "\n";
  return { packageJson, packageLock };
}

/**
 * Every file the image is built from, path (relative to the repository root) -> bytes. For a
 * workspace: the app-only root manifest and lockfile (appOnlyManifests) and the workspace's own
 * files — exactly the generated build context (writeBuildContext). For a context: the files under
 * `inputs`. The tag hashes these and nothing else.
 */
export function imageContextFiles(root: string, source: ImageSource): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const paths: string[] = [];
  if ("workspace" in source) {
    const { packageJson, packageLock } = appOnlyManifests(root, source.workspace);
    files.set("package.json", Buffer.from(packageJson));
    files.set("package-lock.json", Buffer.from(packageLock));
    collect(root, source.workspace, paths);
  } else {
    for (const p of source.inputs) collect(root, p, paths);
  }
  for (const f of paths.sort()) files.set(f, fs.readFileSync(path.join(root, f)));
  return files;
}

/**
 * Writes a workspace's generated build context (imageContextFiles) into `dir`, replacing what was
 * there, and returns `dir`. The Dockerfile's own ignore file (`<Dockerfile>.dockerignore`) still
 * applies inside it.
 */
export function writeBuildContext(dir: string, root: string, workspace: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, bytes] of imageContextFiles(root, { workspace })) {
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), bytes);
  }
  return dir;
}

/** Where the program writes a workspace's generated build context (relative to the project directory; under node_modules, so git-ignored). */
export const BUILD_CONTEXT_DIR = path.posix.join("node_modules", ".cache", "paved", "image-context");

/**
 * A deterministic content hash (first 12 hex chars of SHA-256 over paths and bytes) of what the
 * image is built from (imageContextFiles: nothing else), plus the build settings (`build`:
 * platform, build args, Dockerfile). A build setting change makes @pulumi/docker rebuild just like
 * a file change does, so it must give a new tag too — otherwise switching paved:imagePlatform or
 * paved:baseImage would push a different image under an existing tag, which the IMMUTABLE
 * repository refuses.
 */
export function appContentHash(root: string, build: Record<string, unknown>, source: ImageSource): string {
  const files = imageContextFiles(root, source);
  const h = crypto.createHash("sha256");
  h.update(
    JSON.stringify(
      Object.keys(build)
        .sort()
        .map((k) => [k, build[k]]),
    ),
  ).update("\0");
  for (const f of [...files.keys()].sort()) {
    h.update(f).update("\0").update(files.get(f)!).update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/** The build settings that take part in the image tag (see appContentHash). */
export function imageBuildSettings(platform: string, buildArgs: Record<string, string>, dockerfile: string): Record<string, unknown> {
  return { platform, args: buildArgs, dockerfile };
}

/**
 * The digest the registry already holds under `tag` in `repositoryName`, or undefined when the
 * repository does not exist yet (the first preview of a new stack: DescribeImages/ListImages
 * would fail with RepositoryNotFoundException) or has no such tag. Read-only: it lists the
 * registry's repository names (ecr:DescribeRepositories), then that repository's image ids
 * (ecr:ListImages). Runs on preview too, so a preview shows exactly what `up` will do.
 */
/** What existingImageDigest calls (the preview and deploy roles must allow exactly these). */
export const IMAGE_LOOKUP_ACTIONS = ["ecr:DescribeRepositories", "ecr:ListImages"] as const;

export function existingImageDigest(
  repositoryName: string,
  tag: string,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<string | undefined> {
  return aws.ecr.getRepositoriesOutput({}, opts).names.apply((names): pulumi.Output<string | undefined> => {
    if (!names.includes(repositoryName)) return pulumi.output(undefined);
    return aws.ecr
      .getImagesOutput({ repositoryName }, opts)
      .imageIds.apply((ids) => ids.find((i) => i.imageTag === tag)?.imageDigest || undefined);
  });
}

export interface ImageArgs {
  /**
   * The ECR repository's name (and the prefix existingImageDigest looks the tag up under).
   * @default `<project>-<stack>` (infra/components/naming.ts)
   */
  name?: string;
  /** Required: the repository is encrypted with a customer key the execution role alone may decrypt (Keys' `image`). */
  kmsKey: aws.kms.Key;
  /**
   * Tagged images to keep; older ones expire: a month of daily releases to roll back to.
   * @default 30
   */
  keepImages?: number;
  /**
   * Target platform, `linux/amd64` or `linux/arm64` (the task's CPU architecture must match).
   * @default "linux/amd64"
   */
  platform?: string;
  /**
   * BASE_IMAGE build arg; empty keeps the Dockerfile's default (a pinned official Node image).
   * @default ""
   */
  baseImage?: string;
  /**
   * Build during `pulumi preview`, so CI catches a broken image before merge, not in production.
   * @default true
   */
  buildOnPreview?: boolean;
  /**
   * Let `pulumi destroy` delete the repository with its images (throw-away stacks only): images
   * are kept by default, so a stray destroy cannot take the running release with it.
   * @default false
   */
  forceDelete?: boolean;
  /** Dockerfile path relative to the repo root (the app contract's `build.dockerfile`). @default "app/Dockerfile" */
  dockerfile?: string;
  /** Required: what the image is built from (the app contract's `buildFrom`; one source of truth, so no default here). */
  source: ImageSource;
  /**
   * Tags applied to the repository.
   * @default {}
   */
  tags?: Record<string, string>;
  /** Per-child escape hatch, applied before each child is built (infra/components/transform.ts). */
  transform?: {
    repository?: Transform<aws.ecr.RepositoryArgs>;
    lifecyclePolicy?: Transform<aws.ecr.LifecyclePolicyArgs>;
    /** The build (`<component>-image`), when this content is new to the repository. */
    image?: Transform<docker.ImageArgs>;
  };
}

export class AppImage extends pulumi.ComponentResource {
  public readonly repository: aws.ecr.Repository;
  /** The repository's ARN (the execution role may pull from it alone). */
  public readonly repositoryArn: pulumi.Output<string>;
  /**
   * The build, when this content is new to the repository; undefined when an image with this
   * tag is already there and its digest is reused (nothing is built or pushed).
   */
  public readonly image: pulumi.Output<docker.Image | undefined>;
  /** True when the content tag already existed and its digest is reused. */
  public readonly reused: pulumi.Output<boolean>;
  /** Content tag (also the app's APP_VERSION). */
  public readonly tag: string;
  /** `<repositoryUrl>@sha256:<digest>` — what the task definition runs. */
  public readonly repoDigest: pulumi.Output<string>;

  constructor(name: string, input: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("paved:aws:Image", name, {}, opts);
    const args = withDefaults(input, {
      name: input.name ?? new Naming().prefix,
      keepImages: 30,
      platform: "linux/amd64",
      baseImage: "",
      buildOnPreview: true,
      forceDelete: false,
      tags: {},
    });
    const p = { parent: this };
    const t = args.transform ?? {};
    const dockerfile = args.dockerfile ?? "app/Dockerfile";
    const source = args.source;
    const where =
      "workspace" in source ? `the generated context of the ${source.workspace} workspace` : `build context = ${source.context}`;
    if (!fs.existsSync(path.join(REPO_ROOT, dockerfile))) {
      throw new Error(`Image build: ${dockerfile} not found in the repository root; the app image is built from it (${where}).`);
    }
    this.repository = child(
      t.repository,
      aws.ecr.Repository,
      `${name}-repo`,
      {
        name: checkName("ecrRepository", args.name),
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKey.arn }],
        // Without forceDelete, `pulumi destroy` fails with RepositoryNotEmptyException as soon
        // as one image was pushed. Staging images are rebuilt from source, so its repository
        // goes with the stack; prod keeps its images (delete them deliberately before teardown).
        forceDelete: args.forceDelete,
        tags: args.tags,
      },
      p,
    );
    this.repositoryArn = this.repository.arn;
    child(
      t.lifecyclePolicy,
      aws.ecr.LifecyclePolicy,
      `${name}-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: "Drop untagged layers after 7 days",
              selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
              action: { type: "expire" },
            },
            {
              rulePriority: 2,
              description: `Keep the last ${args.keepImages} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.keepImages },
              action: { type: "expire" },
            },
          ],
        }),
      },
      p,
    );

    const buildArgs: Record<string, string> = args.baseImage ? { BASE_IMAGE: args.baseImage } : {};
    // A context other than the root (".") takes part in the settings; a workspace's generated
    // context is identified by its files (their paths name the workspace).
    const base = imageBuildSettings(args.platform, buildArgs, dockerfile);
    const settings = "context" in source && source.context !== "." ? { ...base, context: source.context } : base;
    this.tag = appContentHash(REPO_ROOT, settings, source);
    const build = (): docker.Image => {
      // A workspace is built from its generated app-only context (imageContextFiles), written
      // only when there is something to build: the context digest @pulumi/docker diffs on then
      // moves exactly when the tag does. The Dockerfile's ignore file (an allow-list: no
      // node_modules, dist/, .env files) still applies inside either context: @pulumi/docker v4
      // prefers `<dockerfile>.dockerignore` over the context's .dockerignore, for both the
      // tarball it sends and the context digest it diffs on.
      const context = "workspace" in source ? BUILD_CONTEXT_DIR : source.context;
      if ("workspace" in source) writeBuildContext(path.join(REPO_ROOT, BUILD_CONTEXT_DIR), REPO_ROOT, source.workspace);
      const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, p);
      return child(
        t.image,
        docker.Image,
        `${name}-image`,
        {
          imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${this.tag}`,
          build: {
            // Relative to the project directory, where the Pulumi CLI runs the program.
            context,
            dockerfile: "workspace" in source ? path.posix.join(BUILD_CONTEXT_DIR, dockerfile) : dockerfile,
            platform: args.platform,
            builderVersion: "BuilderBuildKit",
            args: buildArgs,
          },
          buildOnPreview: args.buildOnPreview,
          skipPush: false,
          registry: { server: this.repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
        },
        p,
      );
    };
    // Reuse the digest of an image already pushed under this tag; build only new content.
    const existing = existingImageDigest(args.name, this.tag, p);
    this.reused = existing.apply((d) => d !== undefined);
    let built: docker.Image | undefined;
    this.repoDigest = existing.apply((digest): pulumi.Output<string> => {
      if (digest !== undefined) return pulumi.interpolate`${this.repository.repositoryUrl}@${digest}`;
      built = build();
      return built.repoDigest;
    });
    this.image = this.repoDigest.apply(() => built);
    this.registerOutputs({ repoDigest: this.repoDigest, tag: this.tag, reused: this.reused });
  }
}
