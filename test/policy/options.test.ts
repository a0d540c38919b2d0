import assert from "node:assert/strict";
import { closest, parseOptions, renderHelp, runCommand, UsageError, type CommandSpec } from "../../policy/cli/options";

const spec: CommandSpec = {
  command: "npm run demo --",
  summary: "A demo command.",
  standard: ["stack", "json", "config"],
  options: { out: { type: "string", short: "o", placeholder: "FILE", description: "Write here." } },
};

describe("policy/cli: the shared option parser", () => {
  it("takes the stack as first positional or --stack, options in any order", () => {
    const a = parseOptions(spec, ["--json", "staging", "--out", "x.json", "--config", "compute=ec2", "--config=paved:dbMultiAz=true"]);
    assert.equal(a.stack, "staging");
    assert.equal(a.json, true);
    assert.equal(a.values.out, "x.json");
    assert.deepEqual(a.config, { "paved:compute": "ec2", "paved:dbMultiAz": "true" });
    const b = parseOptions(spec, ["-o", "y.json", "--stack=prod"]);
    assert.equal(b.stack, "prod");
    assert.equal(b.values.out, "y.json");
  });

  it("refuses unknown options with a suggestion, malformed --config and missing values", () => {
    assert.throws(
      () => parseOptions(spec, ["staging", "--jsn"]),
      (e: Error) => e instanceof UsageError && /unknown option --jsn \(did you mean --json\?\)/.test(e.message),
    );
    assert.throws(() => parseOptions(spec, ["staging", "--config", "compute"]), /--config needs KEY=VALUE/);
    assert.throws(() => parseOptions(spec, ["staging", "--out"]), /--out needs a value \(FILE\)/);
    assert.throws(() => parseOptions(spec, ["staging", "extra"]), /unexpected argument "extra"/);
    assert.throws(() => parseOptions(spec, ["bad/stack"]), /invalid stack name/);
  });

  it("passes unknown arguments through when the command forwards them", () => {
    const p = parseOptions({ ...spec, passthrough: true, options: { "print-command": { type: "boolean", description: "x" } } }, [
      "--diff",
      "staging",
      "--print-command",
      "--",
      "--yes",
    ]);
    assert.equal(p.stack, "staging");
    assert.equal(p.values["print-command"], true);
    assert.deepEqual(p.rest, ["--diff", "--yes"]);
  });

  it("prints help (exit 0) and one-line usage errors (exit 2)", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    assert.equal(await runCommand(spec, ["--help"], () => 1, io), 0);
    assert.match(out.join("\n"), /^usage: npm run demo -- <stack> \[options\]/);
    assert.match(out.join("\n"), /--config KEY=VALUE/);
    assert.equal(await runCommand(spec, ["--nope"], () => 0, io), 2);
    assert.equal(err.length, 1);
    assert.match(err[0], /unknown option --nope.*--help/);
    assert.equal(await runCommand(spec, ["prod"], (o) => (o.stack === "prod" ? 7 : 1), io), 7);
    assert.match(renderHelp(spec), /-o, --out FILE/);
  });

  it("suggests only close matches", () => {
    assert.equal(closest("dbMultiAZ", ["dbMultiAz", "dbInstanceClass"]), "dbMultiAz");
    assert.equal(closest("zzzzzz", ["dbMultiAz"]), undefined);
  });
});
