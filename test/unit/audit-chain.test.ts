// The audit hash chain: its canonical encoding (a storage format that must never change), the hash,
// and verification naming the first record that does not hold.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalEncoding,
  chainHash,
  GENESIS_HASH,
  verifyChain,
  type BrokenLink,
  type ChainLink,
  type VerifyOptions,
} from "../../src/audit/chain.js";
import type { AuditRecord } from "../../src/domain/audit-event.js";

const T0 = Date.UTC(2026, 0, 1);

const sample: AuditRecord = {
  seq: 1,
  at: T0,
  action: "requested",
  actorId: "U0ALICE",
  grantId: "jit-abcdefgh",
  accountId: "111122223333",
  permissionSet: "AdministratorAccess",
  detail: { status: "pending", justification: 'INC-42 "db" é', durationMs: 3_600_000 },
};

const SAMPLE_ENCODING =
  '{"accountId":"111122223333","action":"requested","actorId":"U0ALICE","at":1767225600000,' +
  '"detail":{"durationMs":3600000,"justification":"INC-42 \\"db\\" é","status":"pending"},' +
  '"grantId":"jit-abcdefgh","permissionSet":"AdministratorAccess","seq":1}';

/** A valid chain of `n` records, as the database would hold them. */
function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const record: AuditRecord = { ...sample, seq, at: T0 + seq, detail: { status: "pending", step: seq } };
    const hash = chainHash(prevHash, record);
    links.push({ ...record, detailJson: JSON.stringify(record.detail), prevHash, hash });
    prevHash = hash;
  }
  return links;
}

/** The first bad record, failing the test when the chain verifies. */
function firstBad(links: Iterable<ChainLink>, options?: VerifyOptions): BrokenLink {
  const verdict = verifyChain(links, options);
  if (verdict.ok) assert.fail("the chain verified");
  return verdict.firstBad;
}

function relink(link: ChainLink, prevHash: string): ChainLink {
  const detail = JSON.parse(link.detailJson) as AuditRecord["detail"];
  return { ...link, prevHash, hash: chainHash(prevHash, { ...link, action: link.action as AuditRecord["action"], detail }) };
}

describe("canonicalEncoding", () => {
  it("is JSON without whitespace, keys sorted at every level, of exactly the record's fields", () => {
    assert.equal(canonicalEncoding(sample), SAMPLE_ENCODING);
  });

  it("does not depend on the order keys were written in", () => {
    const reordered: AuditRecord = {
      detail: { durationMs: 3_600_000, status: "pending", justification: 'INC-42 "db" é' },
      permissionSet: "AdministratorAccess",
      accountId: "111122223333",
      grantId: "jit-abcdefgh",
      actorId: "U0ALICE",
      action: "requested",
      at: T0,
      seq: 1,
    };
    assert.equal(canonicalEncoding(reordered), SAMPLE_ENCODING);
  });

  it("leaves out fields that are not part of a record, such as the delivery mark or the hashes", () => {
    const extra = { ...sample, deliveredAt: 5, hash: "x", prevHash: "y" } as AuditRecord;
    assert.equal(canonicalEncoding(extra), SAMPLE_ENCODING);
  });

  it("reads the same after a round trip through stored JSON (undefined dropped, non-finite numbers null)", () => {
    const odd: AuditRecord = {
      ...sample,
      detail: { gone: undefined as unknown as null, nan: Number.NaN, zero: -0, control: "a\u0000b\u2028" },
    };
    const stored = JSON.parse(JSON.stringify(odd.detail)) as AuditRecord["detail"];
    assert.equal(canonicalEncoding({ ...odd, detail: stored }), canonicalEncoding(odd));
    assert.match(canonicalEncoding(odd), /"detail":\{"control":"a\\u0000b\u2028","nan":null,"zero":0\}/);
  });

  it("changes with every field", () => {
    const variants: Array<Partial<AuditRecord>> = [
      { seq: 2 },
      { at: T0 + 1 },
      { action: "approved" },
      { actorId: "U0BOB" },
      { grantId: "jit-other" },
      { accountId: "444455556666" },
      { permissionSet: "ReadOnlyAccess" },
      { detail: { ...sample.detail, status: "approved" } },
    ];
    for (const variant of variants) assert.notEqual(canonicalEncoding({ ...sample, ...variant }), SAMPLE_ENCODING);
  });

  it("is byte for byte what the first encoder wrote (a sorted copy through JSON.stringify), for varied details", () => {
    // The first encoder, kept as the reference: records already written were hashed with it.
    const sortedCopy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortedCopy);
      if (value === null || typeof value !== "object") return value;
      const source = value as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(source)
          .sort()
          .map((key) => [key, sortedCopy(source[key])]),
      );
    };
    const reference = (record: AuditRecord): string =>
      JSON.stringify(
        sortedCopy({
          seq: record.seq,
          at: record.at,
          action: record.action,
          actorId: record.actorId,
          grantId: record.grantId,
          accountId: record.accountId,
          permissionSet: record.permissionSet,
          detail: record.detail,
        }),
      );
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const keys = [
      "b",
      "a",
      "Z",
      "é",
      "10",
      "2",
      "",
      "a b",
      "\u2028",
      '"q"',
      "ä",
      "\ud83d\ude00",
      "__proto__x",
      "4294967295",
      "4294967294",
      "01",
    ];
    const leaf = (): unknown =>
      [
        () => 'x\u0000\n"é😀',
        () => next() * 1e22,
        () => -0,
        () => Number.NaN,
        () => Number.POSITIVE_INFINITY,
        () => null,
        () => true,
        () => undefined,
        () => 42,
      ][Math.floor(next() * 9)]?.();
    const value = (depth: number): unknown => {
      const pick = next();
      if (depth > 3 || pick < 0.4) return leaf();
      if (pick < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let k = Math.floor(next() * 5); k > 0; k -= 1) object[keys[Math.floor(next() * keys.length)] ?? "k"] = value(depth + 1);
      return object;
    };
    for (let n = 0; n < 2_000; n += 1) {
      const record = { ...sample, seq: n, at: T0 + n, detail: value(0) as AuditRecord["detail"] };
      assert.equal(canonicalEncoding(record), reference(record));
    }
    assert.match(canonicalEncoding({ ...sample, detail: { b: 1, "10": 2, a: 3, "2": 4 } }), /"detail":\{"2":4,"10":2,"a":3,"b":1\}/);
    const ownProto = { ...sample, detail: JSON.parse('{"z":1,"__proto__":{"b":2,"a":1},"a":0}') as AuditRecord["detail"] };
    assert.equal(canonicalEncoding(ownProto), reference(ownProto));
    assert.match(canonicalEncoding(ownProto), /"detail":\{"__proto__":\{"a":1,"b":2\},"a":0,"z":1\}/);
    const unusual = { ...sample, actorId: undefined as unknown as string, detail: { list: [undefined, () => 1, Symbol("s")] } };
    assert.equal(canonicalEncoding(unusual as unknown as AuditRecord), reference(unusual as unknown as AuditRecord));
    assert.throws(() => canonicalEncoding({ ...sample, detail: { big: 1n } as unknown as AuditRecord["detail"] }), TypeError);
  });
});

describe("chainHash", () => {
  it("is the hex SHA-256 of the previous hash followed by the canonical encoding", () => {
    // Computed independently: printf '%s' "$GENESIS$SAMPLE_ENCODING" | sha256sum
    assert.equal(chainHash(GENESIS_HASH, sample), "d79a7b32d486faea6223c0e5e5c7597a9d36eea4eccd67fc8824fc7febb01679");
  });

  it("depends on the previous hash", () => {
    assert.notEqual(chainHash("f".repeat(64), sample), chainHash(GENESIS_HASH, sample));
  });

  it("starts the chain from 64 zeros", () => {
    assert.equal(GENESIS_HASH, "0".repeat(64));
  });
});

describe("verifyChain", () => {
  it("accepts an intact chain and reports its head", () => {
    const links = chain(5);
    assert.deepEqual(verifyChain(links), { ok: true, records: 5, head: { seq: 5, hash: links[4]?.hash } });
  });

  it("accepts an empty trail", () => {
    assert.deepEqual(verifyChain([]), { ok: true, records: 0, head: null });
  });

  it("names an edited record", () => {
    const links = chain(5);
    links[2] = { ...links[2]!, detailJson: JSON.stringify({ status: "pending", step: 99 }) };
    assert.deepEqual(verifyChain(links), {
      ok: false,
      intactRecords: 2,
      firstBad: { seq: 3, problem: "its content does not match its hash (edited after it was written)" },
    });
  });

  it("names an edited column, not only the detail", () => {
    for (const edit of [{ actorId: "U0MALLORY" }, { at: T0 }, { action: "denied" }, { accountId: "999999999999" }]) {
      const links = chain(3);
      links[1] = { ...links[1]!, ...edit };
      assert.equal(firstBad(links).seq, 2, JSON.stringify(edit));
    }
  });

  it("names an edited record whose hash was recomputed, at the record after it", () => {
    const links = chain(5);
    const edited = { ...links[2]!, detailJson: JSON.stringify({ status: "pending", step: 99 }) };
    links[2] = relink(edited, edited.prevHash as string);
    const bad = firstBad(links);
    assert.equal(bad.seq, 4);
    assert.match(bad.problem, /prev_hash is not the hash of record #3/);
  });

  it("names a record whose detail is no longer JSON", () => {
    const links = chain(3);
    links[1] = { ...links[1]!, detailJson: "{not json" };
    assert.deepEqual(firstBad(links), { seq: 2, problem: "its detail is not a JSON object (edited after it was written)" });
  });

  it("names the record after a deleted one", () => {
    const links = chain(5);
    links.splice(2, 1);
    assert.deepEqual(firstBad(links), { seq: 4, problem: "expected record #3 here, found #4: record #3 is missing (deleted)" });
  });

  it("names the record after several deleted ones", () => {
    const links = chain(6);
    links.splice(1, 3);
    assert.deepEqual(firstBad(links), { seq: 5, problem: "expected record #2 here, found #5: records #2–#4 are missing (deleted)" });
  });

  it("names a deletion even when the records after it were renumbered", () => {
    const links = chain(5);
    links.splice(2, 1);
    const renumbered = links.map((link, i) => ({ ...link, seq: i + 1 }));
    assert.equal(firstBad(renumbered).seq, 3);
  });

  it("names a first record that is missing", () => {
    const bad = firstBad(chain(3).slice(1));
    assert.equal(bad.seq, 2);
    assert.match(bad.problem, /expected record #1 here/);
  });

  it("names the first of two records that swapped places", () => {
    const links = chain(5);
    const [third, fourth] = [links[2]!, links[3]!];
    links[2] = { ...fourth, seq: 3 };
    links[3] = { ...third, seq: 4 };
    assert.equal(firstBad(links).seq, 3);
  });

  it("names records handed over out of order", () => {
    const links = chain(4);
    assert.equal(firstBad([links[0]!, links[2]!, links[1]!, links[3]!]).seq, 3);
  });

  it("names a record without hashes", () => {
    const links = chain(3);
    links[1] = { ...links[1]!, hash: null };
    assert.deepEqual(firstBad(links), { seq: 2, problem: "it has no chain hash" });
  });

  it("notices records cut off the end when told the highest seq ever issued", () => {
    const links = chain(5).slice(0, 3);
    assert.equal(verifyChain(links, { highestIssuedSeq: 3 }).ok, true);
    assert.deepEqual(firstBad(links, { highestIssuedSeq: 5 }), {
      seq: 4,
      problem: "the database issued records up to #5 but the trail ends at #3: the last records were deleted",
    });
  });

  it("reads the links lazily, one at a time", () => {
    let read = 0;
    const links = chain(4);
    links[1] = { ...links[1]!, actorId: "U0MALLORY" };
    const lazy = (function* () {
      for (const link of links) {
        read += 1;
        yield link;
      }
    })();
    verifyChain(lazy);
    assert.equal(read, 2, "stops at the first bad record");
  });
});
