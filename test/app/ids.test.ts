import assert from "node:assert/strict";
import { newId } from "../../app/src/ids";

describe("app: row ids", () => {
  it("are canonical UUIDv7 strings, strictly increasing even within one millisecond", () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `id ${i} is not after id ${i - 1}`);
    // 20,000 ids take far less than 20,000 ms, so many shared a millisecond: the counter ordered them.
    const millis = new Set(ids.map((id) => id.slice(0, 13)));
    assert.ok(millis.size < ids.length);
  });
});
