import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { listReferences, loadReference } from "../../infra/reference";

describe("infra/reference: offline tables", () => {
  it("every table in the folder is dated and sourced", () => {
    for (const name of listReferences()) {
      const t = loadReference(name);
      assert.match(t.asOf, /^\d{4}-\d{2}-\d{2}$/, name);
      assert.ok(t.source.length > 10, name);
    }
  });

  it("a table without a date is refused with a message naming the file and the field", () => {
    const tmp = path.join(__dirname, "../../infra/reference/__undated-test.json");
    fs.writeFileSync(tmp, JSON.stringify({ source: "somewhere", rows: [] }));
    try {
      assert.throws(() => loadReference("__undated-test"), /__undated-test\.json: "asOf" must be the date/);
    } finally {
      fs.rmSync(tmp);
    }
  });
});
