// `npm run test:infra | test:policy | test:app` run exactly their area. The trap: mocha merges
// .mocharc.json's `spec` (test/**/*.test.ts) into any spec given on the command line, so
// `npx mocha 'test/policy/**/*.test.ts'` runs the whole suite; the area scripts use --no-config.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../infra/offline/plan";

const { loadOptions } = require("mocha/lib/cli/options");

const lookupFiles = require("mocha/lib/cli/lookup-files");

const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
const argv = (script: string) =>
  script
    .split(/\s+/)
    .slice(1)
    .map((a) => a.replace(/^'(.*)'$/, "$1"));

/** The test files a mocha command line would run (spec after config merging, minus ignores). */
function filesOf(args: string[]): string[] {
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  try {
    const o = loadOptions(args);
    const ignore: string[] = [].concat(o.ignore ?? []);
    return o._.flatMap((spec: string) => lookupFiles(spec, ["ts"], true))
      .map((f: string) => path.relative(REPO_ROOT, path.resolve(f)))
      .filter((f: string) => !ignore.includes(f))
      .sort();
  } finally {
    process.chdir(cwd);
  }
}

const allTests = (dir: string): string[] =>
  fs
    .readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? allTests(path.join(dir, e.name)) : e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : []));

describe("package.json test scripts", () => {
  it("the trap is real: a spec on the command line is merged with .mocharc.json's", () => {
    const merged = filesOf(["test/policy/**/*.test.ts"]);
    assert.ok(
      merged.some((f) => f.startsWith("test/app/")),
      "without --no-config the whole suite runs",
    );
  });

  for (const area of ["infra", "policy", "app", "github"]) {
    it(`npm run test:${area} runs exactly test/${area}/`, () => {
      const files = filesOf(argv(scripts[`test:${area}`]));
      assert.ok(files.length > (area === "github" ? 0 : 3), files.join(" "));
      assert.deepStrictEqual(
        files.filter((f) => !f.startsWith(`test/${area}/`)),
        [],
      );
      const expected = allTests(`test/${area}`)
        .filter((f) => f !== "test/app/container.test.ts")
        .sort();
      assert.deepStrictEqual(files, expected);
    });
  }

  it("the areas plus the container test cover every test file of `npm test`", () => {
    const areas = ["infra", "policy", "app", "github"].flatMap((a) => filesOf(argv(scripts[`test:${a}`])));
    const full = filesOf([]);
    assert.deepStrictEqual([...areas].sort(), full);
    assert.deepStrictEqual(filesOf(argv(scripts["test:container"])), ["test/app/container.test.ts"]);
  });
});
