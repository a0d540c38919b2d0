// The README is the ten-minute entry point: at most 12 KB, the two fresh-machine commands first,
// and every link into docs/ resolves.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../infra/offline/plan";

const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

describe("README and docs/", () => {
  it("README.md is at most 12 KB", () => {
    const size = Buffer.byteLength(readme, "utf8");
    assert.ok(size <= 12 * 1024, `README.md is ${size} bytes; move detail into docs/`);
  });

  it("starts with the two fresh-machine commands, exactly, and both are scripts", () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)!;
    assert.ok(firstBlock.index < 1500, "the commands are in the first lines");
    const cmds = firstBlock[1]
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("#")[0].trim());
    assert.deepStrictEqual(cmds, ["npm ci && npm run plan -- staging", "npm ci && npm test"]);
    const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
    assert.ok(scripts.plan && scripts.test);
  });

  it("every relative link in README.md and docs/*.md points at a file that exists", () => {
    const files = [
      "README.md",
      ...fs
        .readdirSync(path.join(REPO_ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    for (const f of files) {
      const text = fs.readFileSync(path.join(REPO_ROOT, f), "utf8");
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        assert.ok(fs.existsSync(path.join(REPO_ROOT, path.dirname(f), target)), `${f} links to ${target}, which does not exist`);
      }
    }
  });
});
