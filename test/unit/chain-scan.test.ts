// The chain checked in ranges (on worker threads for a large SQLite trail) gives the verdict a single
// walk from the first record gives: the same first broken record and problem, the same counts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { joinRanges, scanRange, type ScanRequest } from "../../src/audit/chain-ranges.js";
import { chainHash, GENESIS_HASH, verifyChain, type ChainLink } from "../../src/audit/chain.js";
import type { AuditRecord } from "../../src/domain/audit-event.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { SqliteStore } from "../../src/store/sqlite/grant-store.js";
import { scanChain } from "../../src/store/sqlite/chain-scan.js";
import { FakeClock, newGrant, requested } from "../support/store-fixtures.js";

const T0 = Date.UTC(2026, 0, 1);

function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const record: AuditRecord = {
      seq,
      at: T0 + seq,
      action: "requested",
      actorId: "U0ALICE",
      grantId: `jit-${seq}`,
      accountId: "111122223333",
      permissionSet: "ReadOnlyAccess",
      detail: { step: seq, status: "pending" },
    };
    const hash = chainHash(prevHash, record);
    links.push({ ...record, detailJson: JSON.stringify(record.detail), prevHash, hash });
    prevHash = hash;
  }
  return links;
}

/** The links split at the given seqs into ranges, each scanned alone, then joined. */
function inRanges(links: readonly ChainLink[], cuts: readonly number[], request: ScanRequest, highestIssuedSeq?: number) {
  const bounds = [0, ...cuts, Number.MAX_SAFE_INTEGER];
  const ranges = bounds.slice(1).map((through, index) => {
    const after = bounds[index] ?? 0;
    return scanRange(
      links.filter((link) => link.seq > after && link.seq <= through),
      index === 0,
      request,
    );
  });
  return joinRanges(ranges, { highestIssuedSeq });
}

const none: ScanRequest = { wanted: new Set() };
const tamperings: Record<string, (links: ChainLink[]) => ChainLink[]> = {
  intact: (links) => links,
  "an edited record in the second range": (links) => links.map((l) => (l.seq === 57 ? { ...l, detailJson: '{"step":1}' } : l)),
  "an edited first record of a range": (links) => links.map((l) => (l.seq === 41 ? { ...l, actorId: "U0MALLORY" } : l)),
  "a record deleted at a boundary": (links) => links.filter((l) => l.seq !== 41),
  "the last record of a range deleted": (links) => links.filter((l) => l.seq !== 40),
  "a whole range deleted": (links) => links.filter((l) => l.seq <= 40 || l.seq > 80),
  "the first record deleted": (links) => links.filter((l) => l.seq !== 1),
  "a range's first prev_hash replaced": (links) => links.map((l) => (l.seq === 81 ? { ...l, prevHash: GENESIS_HASH } : l)),
  "two breaks, the later in an earlier-finishing range": (links) =>
    links.map((l) => (l.seq === 30 || l.seq === 90 ? { ...l, detailJson: "{}" } : l)),
  "no hash on a range's first record": (links) => links.map((l) => (l.seq === 81 ? { ...l, hash: null } : l)),
  "the tail cut off": (links) => links.filter((l) => l.seq <= 110),
};

describe("chain checked in ranges", () => {
  for (const [name, tamper] of Object.entries(tamperings)) {
    it(`gives the single walk's verdict: ${name}`, () => {
      const links = tamper(chain(120));
      const walk = verifyChain(links, { highestIssuedSeq: 120 });
      for (const cuts of [[], [40, 80], [1, 2, 3], [40, 41, 80, 81, 200]]) {
        const joined = inRanges(links, cuts, none, 120);
        assert.deepEqual(joined.chain, walk, `cut at ${cuts.join(", ")}`);
        assert.equal(joined.records, links.length);
      }
    });
  }

  it("notes the wanted hashes and the records in the window, across ranges", () => {
    const links = chain(100);
    const joined = inRanges(links, [33, 66], { wanted: new Set([10, 50, 99, 500]), window: { from: T0 + 20, until: T0 + 70 } });
    assert.deepEqual(
      [...joined.hashesAt.keys()].sort((a, b) => a - b),
      [10, 50, 99],
    );
    assert.equal(joined.hashesAt.get(50), links[49]?.hash);
    assert.equal(joined.inWindow, 50);
    assert.deepEqual(joined.last, { seq: 100, hash: links[99]?.hash });
  });
});

describe("scanChain on a SQLite file", () => {
  const dir = mkdtempSync(join(tmpdir(), "jit-chain-scan-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("checks the chain on worker threads with the verdict of the one-thread check, tampering included", async () => {
    const file = join(dir, "trail.sqlite");
    const db = openDatabase(file);
    const store = new SqliteStore(db, new FakeClock(T0));
    for (let n = 0; n < 90; n += 1) await store.insert(newGrant(`jit-${String(n).padStart(8, "0")}`), requested);
    const spread = { parallelFrom: 0, workers: 3 };
    const before = await scanChain(db, { wanted: new Set([45]) }, {}, spread);
    assert.deepEqual(before.chain, await store.audit.verify());
    assert.equal(before.chain.ok, true);
    assert.equal(before.records, 90);
    assert.equal(before.threads, 3, "scanned on three worker threads");
    assert.ok(before.hashesAt.get(45));

    db.exec("DROP TRIGGER audit_events_no_update");
    db.prepare("UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = 61").run();
    const after = await scanChain(db, { wanted: new Set() }, {}, spread);
    assert.equal(after.chain.ok, false);
    assert.equal(after.threads, 3);
    assert.deepEqual(after.chain, await store.audit.verify());
    db.close();
  });
});
