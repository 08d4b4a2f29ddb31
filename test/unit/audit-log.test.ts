// The audit trail in SQLite: records chained as they are appended, hashes as unchangeable as the
// rest of a record, databases from before the chain hashed on upgrade, and tampering found.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { chainHash, GENESIS_HASH } from "../../src/audit/chain.js";
import type { NewGrant } from "../../src/domain/grant.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/sqlite/database.js";
import { GRANTS_AND_AUDIT } from "../../src/store/sqlite/migrations/001-grants-and-audit.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.js";
import { SqliteOperationLog } from "../../src/store/sqlite/operation-log.js";
import { SqliteOutbox } from "../../src/store/sqlite/outbox.js";
import { SqliteStore } from "../../src/store/sqlite/grant-store.js";
import { collect } from "../support/collect.js";
import { FakeClock, newGrant as fixtureGrant, requested } from "../support/store-fixtures.js";

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

const newGrant = (id: string): NewGrant => fixtureGrant(id, { ruleName: "engineers", createdAt: T0 });

let db: SqliteDatabase;
let clock: FakeClock;
let store: SqliteStore;

beforeEach(() => {
  db = openDatabase(":memory:");
  clock = new FakeClock(T0);
  store = new SqliteStore(db, clock);
});

afterEach(() => {
  if (db.open) db.close();
});

interface HashRow {
  seq: number;
  prev_hash: string;
  hash: string;
}
const hashes = () => db.prepare<[], HashRow>("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq").all();

/** What an attacker with the file does first. */
function dropTriggers(target: SqliteDatabase = db): void {
  target.exec("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;");
}

async function threeRecords(): Promise<void> {
  await store.insert(newGrant("jit-a"), requested);
  await store.insert(newGrant("jit-b"), requested);
  await store.transition(
    "jit-a",
    "pending",
    "denied",
    { decidedBy: "U0BOB" },
    { action: "denied", actorId: "U0BOB", actorEmail: "bob@example.com" },
  );
}

describe("appending", () => {
  it("chains every record to the one before, from the genesis hash", async () => {
    await threeRecords();
    const rows = hashes();
    assert.deepEqual(
      rows.map((r) => r.seq),
      [1, 2, 3],
    );
    assert.equal(rows[0]?.prev_hash, GENESIS_HASH);
    assert.equal(rows[1]?.prev_hash, rows[0]?.hash);
    assert.equal(rows[2]?.prev_hash, rows[1]?.hash);
    const [first] = await collect(store.audit.records());
    assert.equal(first?.hash, chainHash(GENESIS_HASH, first!));
    assert.deepEqual(await store.audit.verify(), { ok: true, records: 3, head: { seq: 3, hash: rows[2]?.hash } });
  });

  it("records who acted with their email, and the grant's context", async () => {
    await threeRecords();
    const denied = (await store.audit.forGrant("jit-a")).at(-1);
    assert.equal(denied?.action, "denied");
    assert.equal(denied?.detail.actorEmail, "bob@example.com");
    assert.equal(denied?.detail.decidedBy, "U0BOB");
    assert.equal(denied?.detail.justification, "incident 42");
    assert.equal(denied?.detail.durationMs, HOUR);
  });

  it("records the AWS request ids of the grant's assignment changes", async () => {
    await store.insert(newGrant("jit-a"), requested);
    const operations = new SqliteOperationLog(db, clock);
    const target = { accountId: "111122223333", permissionSetName: "AdministratorAccess", principalId: "p-alice" };
    const create = await operations.intend("jit-a", "create", target);
    await operations.started(create.id, "req-create-1");
    await store.note("jit-a", { action: "revocation_retry", actorId: "system" });
    assert.equal((await store.audit.forGrant("jit-a")).at(-1)?.detail.awsRequestIds, "create:req-create-1");
    assert.equal((await store.audit.forGrant("jit-a"))[0]?.detail.awsRequestIds, null);
  });

  it("masks tokens and access keys that reach a record through error texts", async () => {
    await store.insert(newGrant("jit-a"), requested);
    await store.note("jit-a", {
      action: "revocation_retry",
      actorId: "system",
      detail: { error: "failed with xoxb-1234-5678-abcdef and AKIAABCDEFGHIJKLMNOP via https://hooks.slack.com/services/T0/B0/x" },
    });
    assert.equal(
      (await store.audit.forGrant("jit-a")).at(-1)?.detail.error,
      "failed with [redacted] and [redacted] via https://[redacted]",
    );
  });

  it("refuses to append outside the transaction of the change it records", async () => {
    assert.throws(
      () =>
        store.audit.append({
          at: T0,
          action: "requested",
          actorId: "U0ALICE",
          grantId: "jit-a",
          accountId: "1",
          permissionSet: "p",
          detail: {},
        }),
      /inside the transaction/,
    );
  });

  it("refuses a record written without its hashes", async () => {
    await store.insert(newGrant("jit-a"), requested);
    assert.throws(
      () =>
        db
          .prepare(
            "INSERT INTO audit_events (at, action, actor_id, grant_id, account_id, permission_set, detail) VALUES (1, 'requested', 'U0X', 'jit-a', '1', 'p', '{}')",
          )
          .run(),
      /must carry their chain hashes/,
    );
  });

  it("refuses to change a hash, but still lets the feed mark delivery", async () => {
    await threeRecords();
    assert.throws(() => db.prepare("UPDATE audit_events SET hash = 'x' WHERE seq = 1").run(), /append-only/);
    assert.throws(() => db.prepare("UPDATE audit_events SET prev_hash = 'x' WHERE seq = 2").run(), /append-only/);
    await new SqliteOutbox(db, clock).markDeliveredThrough(1);
    assert.equal((await store.audit.verify()).ok, true);
  });
});

describe("reading", () => {
  it("hands out records in a time window, oldest first", async () => {
    for (const [i, id] of ["jit-a", "jit-b", "jit-c", "jit-d"].entries()) {
      clock.time = T0 + i * HOUR;
      await store.insert(newGrant(id), requested);
    }
    const window = await collect(store.audit.records({ from: T0 + HOUR, until: T0 + 3 * HOUR }));
    assert.deepEqual(
      window.map((r) => r.grantId),
      ["jit-b", "jit-c"],
    );
    assert.deepEqual(
      (await collect(store.audit.records({ from: T0 + 3 * HOUR }))).map((r) => r.seq),
      [4],
    );
    assert.equal((await collect(store.audit.records())).length, 4);
  });
});

describe("verification of a tampered database", () => {
  beforeEach(async () => {
    for (const id of ["jit-a", "jit-b", "jit-c", "jit-d", "jit-e"]) await store.insert(newGrant(id), requested);
    dropTriggers();
  });

  const firstBad = async () => {
    const verdict = await store.audit.verify();
    if (verdict.ok) assert.fail("the chain verified");
    return verdict.firstBad;
  };

  it("names an edited record", async () => {
    db.prepare("UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = 3").run();
    assert.deepEqual(await firstBad(), { seq: 3, problem: "its content does not match its hash (edited after it was written)" });
  });

  it("names the record after a deleted one", async () => {
    db.prepare("DELETE FROM audit_events WHERE seq = 2").run();
    assert.equal((await firstBad()).seq, 3);
  });

  it("names records cut off the end, by SQLite's own counter", async () => {
    db.prepare("DELETE FROM audit_events WHERE seq >= 4").run();
    assert.deepEqual(await firstBad(), {
      seq: 4,
      problem: "the database issued records up to #5 but the trail ends at #3: the last records were deleted",
    });
  });

  it("keeps a cut-off end visible after new records are appended", async () => {
    db.prepare("DELETE FROM audit_events WHERE seq = 5").run();
    await store.note("jit-a", { action: "revocation_retry", actorId: "system" });
    assert.deepEqual(
      hashes().map((r) => r.seq),
      [1, 2, 3, 4, 6],
    );
    assert.equal((await firstBad()).seq, 6);
  });

  it("names the first of two records whose contents were swapped", async () => {
    const swap = db.transaction(() => {
      db.prepare("UPDATE audit_events SET seq = -1 WHERE seq = 2").run();
      db.prepare("UPDATE audit_events SET seq = 2 WHERE seq = 4").run();
      db.prepare("UPDATE audit_events SET seq = 4 WHERE seq = -1").run();
    });
    swap();
    assert.equal((await firstBad()).seq, 2);
  });
});

describe("upgrading a database from before the chain", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "jit-audit-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A version-1 database with records as version 1 wrote them. */
  function versionOneDatabase(file: string): void {
    const old = new Database(file);
    old.exec(GRANTS_AND_AUDIT);
    old.pragma("user_version = 1");
    const insert = old.prepare(
      "INSERT INTO audit_events (at, action, actor_id, grant_id, account_id, permission_set, detail, delivered_at) VALUES (?, ?, ?, 'jit-old', '111122223333', 'AdministratorAccess', ?, ?)",
    );
    insert.run(T0, "requested", "U0ALICE", JSON.stringify({ status: "pending", justification: "old", durationMs: HOUR }), T0);
    insert.run(T0 + 1, "approved", "U0BOB", JSON.stringify({ status: "approved", deciderEmail: "bob@example.com" }), null);
    old.close();
  }

  it("hashes the existing records in order, then chains new ones after them", async () => {
    const file = join(dir, "jit.sqlite");
    versionOneDatabase(file);
    db = openDatabase(file);
    assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
    const rows = hashes();
    assert.equal(rows.length, 2);
    assert.equal(rows[0]?.prev_hash, GENESIS_HASH);
    assert.equal(rows[1]?.prev_hash, rows[0]?.hash);

    store = new SqliteStore(db, clock);
    await store.insert(newGrant("jit-new"), requested);
    assert.equal(hashes()[2]?.prev_hash, rows[1]?.hash);
    assert.deepEqual(await store.audit.verify(), { ok: true, records: 3, head: { seq: 3, hash: hashes()[2]?.hash } });
    assert.deepEqual(
      (await new SqliteOutbox(db, clock).undelivered(10)).map((r) => r.seq),
      [2, 3],
      "delivery marks survive the upgrade",
    );
  });

  it("makes the backfilled hashes as unchangeable as new ones", async () => {
    const file = join(dir, "jit.sqlite");
    versionOneDatabase(file);
    db = openDatabase(file);
    assert.throws(() => db.prepare("UPDATE audit_events SET hash = NULL WHERE seq = 1").run(), /append-only/);
  });

  it("leaves an upgraded database as it was when a record cannot be hashed", async () => {
    const file = join(dir, "jit.sqlite");
    versionOneDatabase(file);
    const old = new Database(file);
    old.exec("DROP TRIGGER audit_events_no_update");
    old.prepare("UPDATE audit_events SET detail = '{broken' WHERE seq = 2").run();
    old.close();
    assert.throws(() => openDatabase(file), /audit record #2 cannot be hashed/);
    const after = new Database(file, { readonly: true });
    assert.equal(after.pragma("user_version", { simple: true }), 1);
    after.close();
  });
});
