/**
 * The app image: an ECR repository (scan on push, immutable tags, KMS, lifecycle)
 * and a docker.Image built from app/Dockerfile with the repository root as the
 * build context (npm workspaces need the root package.json and lockfile).
 *
 * The tag is a content hash of the app sources, Dockerfile and lockfile, and the
 * task definition uses the pushed repo digest (`repo@sha256:…`): unchanged code
 * gives an unchanged task definition, so `pulumi up` does not redeploy the service,
 * and a tag can never silently point at different bits.
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

/** Repository root (build context). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * Paths (relative to the repo root) whose content defines the image. This must
 * cover every file app/Dockerfile.dockerignore lets into the build context
 * (a test checks the allow-list against it): @pulumi/docker rebuilds and pushes
 * whenever the context digest changes, and if the tag stayed the same the push
 * would be refused by the IMMUTABLE repository (ImageTagAlreadyExistsException).
 * policy/package.json is in the context because `npm ci` validates every
 * workspace manifest against the lockfile.
 */
export const HASHED_PATHS = ["app", "package.json", "package-lock.json", "policy/package.json"];
/** Never part of the image's identity (build outputs, local state, dependencies). */
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

/**
 * A deterministic content hash (first 12 hex chars of SHA-256 over paths and
 * bytes) of everything that goes into the image, plus the build settings
 * (`build`: platform, build args). A build setting change makes @pulumi/docker
 * rebuild just like a file change does, so it must give a new tag too —
 * otherwise switching paved:imagePlatform or paved:baseImage would push a
 * different image under an existing tag, which the IMMUTABLE repository refuses.
 */
export function appContentHash(root: string = REPO_ROOT, build: Record<string, unknown> = {}, inputs: readonly string[] = HASHED_PATHS): string {
    const files: string[] = [];
    for (const p of inputs) collect(root, p, files);
    const h = crypto.createHash("sha256");
    h.update(JSON.stringify(Object.keys(build).sort().map((k) => [k, build[k]]))).update("\0");
    for (const f of files.sort()) {
        h.update(f).update("\0").update(fs.readFileSync(path.join(root, f))).update("\0");
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

export function existingImageDigest(repositoryName: string, tag: string, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string | undefined> {
    return aws.ecr.getRepositoriesOutput({}, opts).names.apply((names): pulumi.Output<string | undefined> => {
        if (!names.includes(repositoryName)) return pulumi.output(undefined);
        return aws.ecr.getImagesOutput({ repositoryName }, opts).imageIds.apply((ids) => ids.find((i) => i.imageTag === tag)?.imageDigest || undefined);
    });
}

export interface ImageArgs {
    /** Resource name prefix, e.g. `paved-staging`; also the ECR repository name. */
    name: string;
    /** KMS key that encrypts the repository. */
    kmsKey: aws.kms.Key;
    /** Tagged images to keep; older ones expire. */
    keepImages: number;
    /** Target platform, `linux/amd64` or `linux/arm64`. */
    platform: string;
    /** BASE_IMAGE build arg; empty keeps the Dockerfile's default. */
    baseImage: string;
    /** Build during `pulumi preview` (CI catches broken images before merge). */
    buildOnPreview: boolean;
    /** Let `pulumi destroy` delete the repository with its images (config destroyWithContents; never prod). */
    forceDelete: boolean;
    /** Dockerfile path relative to the repo root (the app contract's `build.dockerfile`). @default "app/Dockerfile" */
    dockerfile?: string;
    /** Build context relative to the repo root (the app contract's `build.context`). @default "." */
    context?: string;
    /** Paths (relative to the repo root) whose content defines the image tag (the contract's `build.inputs`). @default HASHED_PATHS */
    inputs?: string[];
    /** Tags applied to the repository. */
    tags: Record<string, string>;
}

export class AppImage extends pulumi.ComponentResource {
    public readonly repository: aws.ecr.Repository;
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

    constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("paved:aws:Image", name, {}, opts);
        const p = { parent: this };
        const dockerfile = args.dockerfile ?? "app/Dockerfile";
        const context = args.context ?? ".";
        if (!fs.existsSync(path.join(REPO_ROOT, dockerfile))) {
            throw new Error(`Image build: ${dockerfile} not found in the repository root; the app image is built from it (build context = ${context}).`);
        }
        this.repository = new aws.ecr.Repository(`${name}-repo`, {
            name: args.name,
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKey.arn }],
            // Without forceDelete, `pulumi destroy` fails with RepositoryNotEmptyException as soon
            // as one image was pushed. Staging images are rebuilt from source, so its repository
            // goes with the stack; prod keeps its images (delete them deliberately before teardown).
            forceDelete: args.forceDelete,
            tags: args.tags,
        }, p);
        new aws.ecr.LifecyclePolicy(`${name}-lifecycle`, {
            repository: this.repository.name,
            policy: JSON.stringify({
                rules: [
                    { rulePriority: 1, description: "Drop untagged layers after 7 days", selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 }, action: { type: "expire" } },
                    { rulePriority: 2, description: `Keep the last ${args.keepImages} images`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.keepImages }, action: { type: "expire" } },
                ],
            }),
        }, p);

        const buildArgs: Record<string, string> = args.baseImage ? { BASE_IMAGE: args.baseImage } : {};
        // The default context (".") keeps the settings' shape, and so the tag, of images built before
        // the context became configurable.
        const settings = context === "." ? imageBuildSettings(args.platform, buildArgs, dockerfile) : { ...imageBuildSettings(args.platform, buildArgs, dockerfile), context };
        this.tag = appContentHash(REPO_ROOT, settings, args.inputs ?? HASHED_PATHS);
        const build = (): docker.Image => {
            const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, p);
            return new docker.Image(`${name}-image`, {
                imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${this.tag}`,
                build: {
                    // Relative to the project directory, where the Pulumi CLI runs the program.
                    // The context is the whole repository, so what reaches the engine is decided by
                    // app/Dockerfile.dockerignore (an allow-list: no node_modules, dist/, .env files or
                    // state): @pulumi/docker v4 prefers `<dockerfile>.dockerignore` over the context's
                    // .dockerignore, for both the tarball it sends and the context digest it diffs on.
                    context,
                    dockerfile,
                    platform: args.platform,
                    builderVersion: "BuilderBuildKit",
                    args: buildArgs,
                },
                buildOnPreview: args.buildOnPreview,
                skipPush: false,
                registry: { server: this.repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
            }, p);
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
