// The grants of a multi-target request, on the engine this leg of the suite runs: stored together
// in one transaction (all or none) and listed back by their bundle id.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { newGrant, requested } from "../support/store-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "jit-bundles-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(`multi-target requests in the store (${LEG_ENGINE})`, () => {
  it("stores every grant of the request with its audit record and lists them by bundle", async (t) => {
    const { store } = await legBackend(t, dir);
    const entries = ["jit-bundle01", "jit-bundle02", "jit-bundle03"].map((id, index) => ({
      grant: newGrant(id, { bundleId: "req-abcdefgh", accountId: `11112222333${index}` }),
      note: requested,
    }));
    const stored = await store.insertAll(entries);
    assert.deepEqual(
      stored.map((grant) => [grant.id, grant.bundleId, grant.status]),
      entries.map(({ grant }) => [grant.id, "req-abcdefgh", "pending"]),
    );
    await store.insert(newGrant("jit-single01"), requested);
    const listed = await store.listBundle("req-abcdefgh");
    assert.deepEqual(listed.map((grant) => grant.id).sort(), ["jit-bundle01", "jit-bundle02", "jit-bundle03"]);
    assert.equal((await store.get("jit-single01"))?.bundleId, null, "a single-target grant has no bundle");
    assert.deepEqual(await store.listBundle("req-nothing0"), []);
  });

  it("stores none of them when one cannot be stored", async (t) => {
    const { store } = await legBackend(t, dir);
    await store.insert(newGrant("jit-taken001"), requested);
    await assert.rejects(
      store.insertAll([
        { grant: newGrant("jit-fresh001", { bundleId: "req-halfhalf" }), note: requested },
        { grant: newGrant("jit-taken001", { bundleId: "req-halfhalf" }), note: requested },
      ]),
    );
    assert.equal(await store.get("jit-fresh001"), undefined, "the first grant was rolled back with the second");
    assert.deepEqual(await store.listBundle("req-halfhalf"), []);
  });
});
