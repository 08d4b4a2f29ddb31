// The session fence's entries, on the engine this leg of the suite runs (PostgreSQL with
// JIT_TEST_DATABASE_URL, SQLite otherwise) and in memory, held to one contract: an entry fenced
// again only moves forward, removal is a compare-and-set, and the next lift is the earliest.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import type { FenceEntry } from "../../src/domain/session-fence.js";
import type { FenceEntries } from "../../src/services/ports.js";
import { MemoryFenceEntries } from "../support/memory-ports.js";
import { legBackend, LEG_ENGINE } from "../support/leg-backend.js";
import { HOUR, newGrant, PROD, requested, T0 } from "../support/store-fixtures.js";

const GRANTS = ["g1", "g2", "g3"] as const;

function entry(overrides: Partial<FenceEntry> = {}): FenceEntry {
  return {
    principalId: "p-alice",
    accountId: PROD,
    permissionSetName: "AdministratorAccess",
    fencedAt: T0,
    liftAt: T0 + HOUR,
    grantId: "g1",
    ...overrides,
  };
}

const dir = mkdtempSync(join(tmpdir(), "jit-fence-entries-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A new, empty store of the engine this leg runs, holding the grants GRANTS (entries name one); closed when the test ends. */
async function engineEntries(t: TestContext): Promise<FenceEntries> {
  const backend = await legBackend(t, dir);
  for (const id of GRANTS) await backend.store.insert(newGrant(id), requested);
  return backend.fenceEntries;
}

const stores: readonly { name: string; open: (t: TestContext) => Promise<FenceEntries> }[] = [
  { name: LEG_ENGINE, open: engineEntries },
  { name: "memory", open: async () => new MemoryFenceEntries() },
];

for (const { name, open } of stores) {
  describe(`the session fence's entries (${name})`, () => {
    it("keeps the later fencedAt and the later liftAt, each on its own, and the grant of the later fencedAt", async (t) => {
      const entries = await open(t);
      await entries.put(entry({ fencedAt: T0 + 10, liftAt: T0 + 100, grantId: "g1" }));
      await entries.put(entry({ fencedAt: T0 + 5, liftAt: T0 + 200, grantId: "g2" }));
      assert.deepEqual(
        await entries.all(),
        [entry({ fencedAt: T0 + 10, liftAt: T0 + 200, grantId: "g1" })],
        "an older fence moves only the lift",
      );
      await entries.put(entry({ fencedAt: T0 + 20, liftAt: T0 + 150, grantId: "g3" }));
      assert.deepEqual(
        await entries.all(),
        [entry({ fencedAt: T0 + 20, liftAt: T0 + 200, grantId: "g3" })],
        "a later fence takes its grant",
      );
      await entries.put(entry({ fencedAt: T0 + 20, liftAt: T0 + 300, grantId: "g1" }));
      assert.deepEqual(
        await entries.all(),
        [entry({ fencedAt: T0 + 20, liftAt: T0 + 300, grantId: "g3" })],
        "on a tie the stored grant stays",
      );
    });

    it("ends at the latest of many puts made at once, whatever order they land in", async (t) => {
      const entries = await open(t);
      const puts = Array.from({ length: 24 }, (_, i) =>
        entry({ fencedAt: T0 + ((i * 7) % 24), liftAt: T0 + HOUR + ((i * 5) % 24), grantId: GRANTS[i % 3] }),
      );
      await Promise.all(puts.map((put) => entries.put(put)));
      const latest = puts.find((put) => put.fencedAt === T0 + 23);
      assert.deepEqual(await entries.all(), [entry({ fencedAt: T0 + 23, liftAt: T0 + HOUR + 23, grantId: latest?.grantId })]);
    });

    it("keeps one entry per user, account and permission set, listed in that order", async (t) => {
      const entries = await open(t);
      const bob = entry({ principalId: "p-bob" });
      const readOnly = entry({ permissionSetName: "ReadOnlyAccess" });
      const sandbox = entry({ accountId: "444455556666" });
      for (const each of [bob, readOnly, sandbox, entry()]) await entries.put(each);
      assert.deepEqual(await entries.all(), [entry(), readOnly, sandbox, bob]);
    });

    it("removes only the entries still as they were read, and says how many it removed", async (t) => {
      const entries = await open(t);
      await entries.put(entry());
      await entries.put(entry({ principalId: "p-bob" }));
      await entries.put(entry({ principalId: "p-carol" }));
      const read = await entries.all();
      // Fenced again since: alice by a later revocation, carol's lift moved on by an older one.
      await entries.put(entry({ fencedAt: T0 + 1, liftAt: T0 + HOUR + 1, grantId: "g2" }));
      await entries.put(entry({ principalId: "p-carol", liftAt: T0 + 2 * HOUR }));

      assert.equal(await entries.remove(read), 1);
      assert.deepEqual(await entries.all(), [
        entry({ fencedAt: T0 + 1, liftAt: T0 + HOUR + 1, grantId: "g2" }),
        entry({ principalId: "p-carol", liftAt: T0 + 2 * HOUR }),
      ]);
      assert.equal(await entries.remove(read), 0, "nothing left as it was read");
      assert.equal(await entries.remove([]), 0);
    });

    it("names the earliest lift, and none once the fence is empty", async (t) => {
      const entries = await open(t);
      assert.equal(await entries.nextLift(), undefined);
      await entries.put(entry({ liftAt: T0 + 3 * HOUR }));
      await entries.put(entry({ principalId: "p-bob", liftAt: T0 + 2 * HOUR }));
      assert.equal(await entries.nextLift(), T0 + 2 * HOUR);
      await entries.remove(await entries.all());
      assert.equal(await entries.nextLift(), undefined);
    });
  });
}
