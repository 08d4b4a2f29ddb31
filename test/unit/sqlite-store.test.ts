// The SQLite grant store and audit outbox: transactions, compare-and-set, and an append-only trail.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GENESIS_HASH } from "../../src/audit/chain.js";
import { Conflict } from "../../src/domain/errors.js";
import type { GrantStatus, NewGrant } from "../../src/domain/grant.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/sqlite/database.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.js";
import { SqliteOutbox } from "../../src/store/sqlite/outbox.js";
import { SqliteStore } from "../../src/store/sqlite/grant-store.js";
import { HOLDER_IDS_SHOWN } from "../../src/services/ports.js";
import { FakeClock, HOUR, newGrant, PROD, requested, T0 } from "../support/store-fixtures.js";

let db: SqliteDatabase;
let clock: FakeClock;
let store: SqliteStore;
const outbox = () => new SqliteOutbox(db, clock);

const auditCount = () => (db.prepare("SELECT count(*) AS n FROM audit_events").get() as { n: number }).n;

/** Walks a grant along allowed transitions to `status`, with the fields each step needs. */
async function walkTo(id: string, status: GrantStatus, principalId = "p-alice"): Promise<void> {
  const path: Record<GrantStatus, GrantStatus[]> = {
    pending: [],
    approved: ["approved"],
    denied: ["denied"],
    expired: ["expired"],
    cancelled: ["cancelled"],
    provisioning: ["approved", "provisioning"],
    active: ["approved", "provisioning", "active"],
    failed: ["failed"],
    revoking: ["approved", "provisioning", "active", "revoking"],
    revoked: ["approved", "provisioning", "active", "revoking", "revoked"],
  };
  let from: GrantStatus = "pending";
  for (const to of path[status]) {
    const changes =
      to === "provisioning" ? { principalId } : to === "active" ? { activatedAt: clock.now(), expiresAt: clock.now() + HOUR } : {};
    const moved = await store.transition(id, from, to, changes, null);
    assert.ok(moved, `${id}: ${from} → ${to}`);
    from = to;
  }
}

beforeEach(() => {
  db = openDatabase(":memory:");
  clock = new FakeClock(T0);
  store = new SqliteStore(db, clock);
});

afterEach(() => {
  db.close();
});

describe("insert", () => {
  it("stores a pending grant with every optional field empty", async () => {
    const grant = await store.insert(newGrant("jit-a"), requested);
    assert.deepEqual(grant, {
      ...newGrant("jit-a"),
      ticket: null,
      bundleId: null,
      groupId: null,
      groupName: null,
      groupAccess: [],
      status: "pending",
      updatedAt: T0,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      breakGlass: false,
      reviewedBy: null,
      reviewedAt: null,
      approvalChannel: null,
      approvalTs: null,
      principalId: null,
      keepsAssignment: false,
      activatedAt: null,
      expiresAt: null,
      warnedAt: null,
      endedAt: null,
      failureReason: null,
    });
    assert.deepEqual(await store.get("jit-a"), grant);
  });

  it("records the 'requested' audit event with the grant and its context, stamped by the clock", async () => {
    clock.advance(5);
    await store.insert(newGrant("jit-a"), { ...requested, detail: { ruleName: "prod-admin" } });
    // The outbox hands out records with their place in the chain, which the audit channel shows.
    const waiting = (await outbox().undelivered(10)).map(({ prevHash, hash, ...record }) => {
      assert.equal(prevHash, GENESIS_HASH);
      assert.match(hash, /^[0-9a-f]{64}$/);
      return record;
    });
    assert.deepEqual(waiting, [
      {
        seq: 1,
        at: T0 + 5,
        action: "requested",
        actorId: "U0ALICE",
        grantId: "jit-a",
        accountId: PROD,
        permissionSet: "AdministratorAccess",
        detail: {
          status: "pending",
          actorEmail: "alice@example.com",
          requesterId: "U0ALICE",
          requesterEmail: "alice@example.com",
          rule: "prod-admin",
          durationMs: HOUR,
          justification: "incident 42",
          decidedBy: null,
          expiresAt: null,
          awsRequestIds: null,
          ruleName: "prod-admin",
        },
      },
    ]);
  });

  it("stores neither the grant nor its audit record when the audit record cannot be written", async () => {
    db.exec("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;");
    await assert.rejects(store.insert(newGrant("jit-a"), requested), /audit unavailable/);
    assert.equal(await store.get("jit-a"), undefined);
    assert.equal(auditCount(), 0);
  });

  it("refuses a second grant with the same id and writes no second audit record", async () => {
    await store.insert(newGrant("jit-a"), requested);
    await assert.rejects(store.insert(newGrant("jit-a", { justification: "again" }), requested), /UNIQUE/);
    assert.equal((await store.get("jit-a"))?.justification, "incident 42");
    assert.equal(auditCount(), 1);
  });

  it("refuses a grant of zero duration", async () => {
    await assert.rejects(store.insert(newGrant("jit-a", { durationMs: 0 }), requested), /CHECK/);
    assert.equal(auditCount(), 0);
  });
});

describe("get", () => {
  it("returns undefined for an unknown id", async () => {
    assert.equal(await store.get("jit-nope"), undefined);
  });
});

describe("transition", () => {
  beforeEach(async () => {
    await store.insert(newGrant("jit-a"), requested);
  });

  it("moves the grant, applies the changes, stamps updatedAt and appends the note", async () => {
    clock.advance(1000);
    const approved = await store.transition(
      "jit-a",
      "pending",
      "approved",
      { decidedBy: "U0BOSS", decidedAt: clock.now() },
      { action: "approved", actorId: "U0BOSS" },
    );
    assert.equal(approved?.status, "approved");
    assert.equal(approved?.decidedBy, "U0BOSS");
    assert.equal(approved?.decidedAt, T0 + 1000);
    assert.equal(approved?.updatedAt, T0 + 1000);
    assert.equal(approved?.createdAt, T0);
    assert.deepEqual(await store.get("jit-a"), approved);
    const audit = await outbox().undelivered(10);
    assert.deepEqual(
      audit.map((record) => [record.action, record.actorId, record.detail.status, record.at]),
      [
        ["requested", "U0ALICE", "pending", T0],
        ["approved", "U0BOSS", "approved", T0 + 1000],
      ],
    );
  });

  it("is compare-and-set: a second transition from the same state changes nothing and writes no audit", async () => {
    const first = await store.transition(
      "jit-a",
      "pending",
      "approved",
      { decidedBy: "U0BOSS" },
      { action: "approved", actorId: "U0BOSS" },
    );
    assert.equal(first?.status, "approved");
    const second = await store.transition("jit-a", "pending", "denied", { decidedBy: "U0CAROL" }, { action: "denied", actorId: "U0CAROL" });
    assert.equal(second, undefined);
    const stored = await store.get("jit-a");
    assert.equal(stored?.status, "approved");
    assert.equal(stored?.decidedBy, "U0BOSS");
    assert.equal(auditCount(), 2);
  });

  it("lets exactly one of two racing decisions win", async () => {
    const outcomes = await Promise.all([
      store.transition("jit-a", "pending", "approved", { decidedBy: "U0BOSS" }, { action: "approved", actorId: "U0BOSS" }),
      store.transition("jit-a", "pending", "denied", { decidedBy: "U0CAROL" }, { action: "denied", actorId: "U0CAROL" }),
    ]);
    assert.equal(outcomes.filter((grant) => grant !== undefined).length, 1);
    assert.equal(auditCount(), 2);
  });

  it("returns undefined for an unknown grant", async () => {
    assert.equal(await store.transition("jit-nope", "pending", "approved", {}, { action: "approved", actorId: "U0BOSS" }), undefined);
    assert.equal(auditCount(), 1);
  });

  it("throws Conflict for a transition the state machine does not allow, before touching the database", async () => {
    await assert.rejects(store.transition("jit-a", "pending", "active", {}, null), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.equal(error.message, "A grant cannot go from pending to active.");
      return true;
    });
    await assert.rejects(store.transition("jit-a", "pending", "pending", {}, null), Conflict);
    assert.equal((await store.get("jit-a"))?.status, "pending");
    assert.equal(auditCount(), 1);
  });

  it("writes no audit record when the note is null", async () => {
    assert.ok(await store.transition("jit-a", "pending", "approved", {}, null));
    assert.equal(auditCount(), 1);
  });

  it("changes only the fields it is given, and can clear one with null", async () => {
    await walkTo("jit-a", "provisioning");
    await store.amend("jit-a", "provisioning", { keepsAssignment: true, failureReason: "a transient note" });
    const active = await store.transition("jit-a", "provisioning", "active", { expiresAt: T0 + HOUR, failureReason: null }, null);
    assert.equal(active?.keepsAssignment, true);
    assert.equal(active?.failureReason, null);
    assert.equal(active?.principalId, "p-alice");
    assert.equal(active?.expiresAt, T0 + HOUR);
  });

  it("refuses, by CHECK constraint, an active grant without an expiry, and writes no audit", async () => {
    await walkTo("jit-a", "provisioning");
    await assert.rejects(
      store.transition("jit-a", "provisioning", "active", { activatedAt: T0 }, { action: "provisioned", actorId: "system" }),
      /CHECK constraint failed/,
    );
    assert.equal((await store.get("jit-a"))?.status, "provisioning");
    assert.equal(auditCount(), 1);
  });

  it("refuses, by CHECK constraint, an active grant without a principal", async () => {
    await walkTo("jit-a", "approved");
    assert.ok(await store.transition("jit-a", "approved", "provisioning", {}, null));
    await assert.rejects(store.transition("jit-a", "provisioning", "active", { expiresAt: T0 + HOUR }, null), /CHECK constraint failed/);
  });
});

describe("amend", () => {
  beforeEach(async () => {
    await store.insert(newGrant("jit-a"), requested);
  });

  it("updates fields while the grant is still in the given status, without an audit record", async () => {
    clock.advance(7);
    const amended = await store.amend("jit-a", "pending", { approvalChannel: "C0APPROVALS", approvalTs: "1700000000.000100" });
    assert.equal(amended?.status, "pending");
    assert.equal(amended?.approvalChannel, "C0APPROVALS");
    assert.equal(amended?.approvalTs, "1700000000.000100");
    assert.equal(amended?.updatedAt, T0 + 7);
    assert.equal(auditCount(), 1);
  });

  it("changes nothing once the grant has moved on", async () => {
    await walkTo("jit-a", "approved");
    assert.equal(await store.amend("jit-a", "pending", { approvalTs: "1.2" }), undefined);
    assert.equal((await store.get("jit-a"))?.approvalTs, null);
  });

  it("returns undefined for an unknown grant", async () => {
    assert.equal(await store.amend("jit-nope", "pending", { approvalTs: "1.2" }), undefined);
  });

  it("stores keepsAssignment as a boolean both ways", async () => {
    assert.equal((await store.amend("jit-a", "pending", { keepsAssignment: true }))?.keepsAssignment, true);
    assert.equal((await store.amend("jit-a", "pending", { keepsAssignment: false }))?.keepsAssignment, false);
  });
});

describe("note", () => {
  it("appends an audit record about the grant in its current status", async () => {
    await store.insert(newGrant("jit-a"), requested);
    await walkTo("jit-a", "active");
    await store.note("jit-a", { action: "revocation_retry", actorId: "system", detail: { attempt: 2, ok: false, why: null } });
    const last = (await outbox().undelivered(10)).at(-1);
    assert.deepEqual(last?.detail, {
      status: "active",
      requesterId: "U0ALICE",
      requesterEmail: "alice@example.com",
      rule: "prod-admin",
      durationMs: HOUR,
      justification: "incident 42",
      decidedBy: null,
      expiresAt: new Date(T0 + HOUR).toISOString(),
      awsRequestIds: null,
      attempt: 2,
      ok: false,
      why: null,
    });
    assert.equal(last?.action, "revocation_retry");
    assert.equal(last?.grantId, "jit-a");
  });

  it("refuses a note about an unknown grant", async () => {
    await assert.rejects(store.note("jit-nope", { action: "revocation_retry", actorId: "system" }));
    assert.equal(auditCount(), 0);
  });
});

describe("listing", () => {
  it("lists grants in the given statuses, oldest first", async () => {
    await store.insert(newGrant("jit-c", { createdAt: T0 + 2 }), requested);
    await store.insert(newGrant("jit-a", { createdAt: T0 }), requested);
    await store.insert(newGrant("jit-b", { createdAt: T0 + 1 }), requested);
    await store.insert(newGrant("jit-d", { createdAt: T0 + 3 }), requested);
    await walkTo("jit-b", "denied");
    await walkTo("jit-d", "active");
    const ids = async (statuses: GrantStatus[]) => (await store.listByStatus(statuses)).map((g) => g.id);
    assert.deepEqual(await ids(["pending"]), ["jit-a", "jit-c"]);
    assert.deepEqual(await ids(["pending", "active"]), ["jit-a", "jit-c", "jit-d"]);
    assert.deepEqual(await ids(["revoked"]), []);
    assert.deepEqual(await ids([]), []);
  });

  it("lists active grants whose expiry is at or before now, soonest first", async () => {
    for (const [id, expiresIn] of [
      ["jit-late", 30],
      ["jit-early", 10],
      ["jit-now", 20],
      ["jit-future", 21],
    ] as const) {
      await store.insert(newGrant(id), requested);
      await walkTo(id, "provisioning");
      await store.transition(id, "provisioning", "active", { expiresAt: T0 + expiresIn }, null);
    }
    await store.insert(newGrant("jit-pending"), requested);
    await store.insert(newGrant("jit-revoking"), requested);
    await walkTo("jit-revoking", "revoking");
    const expired = await store.listExpired(T0 + 20);
    assert.deepEqual(
      expired.map((g) => g.id),
      ["jit-early", "jit-now"],
    );
    assert.deepEqual(await store.listExpired(T0 + 9), []);
  });

  it("lists pending requests made at or before a time, oldest first", async () => {
    for (const [id, age] of [
      ["jit-b", 20],
      ["jit-a", 30],
      ["jit-new", 5],
    ] as const) {
      await store.insert(newGrant(id, { createdAt: T0 - age }), requested);
    }
    await store.insert(newGrant("jit-decided", { createdAt: T0 - 40 }), requested);
    await walkTo("jit-decided", "approved");
    assert.deepEqual(
      (await store.listPendingCreatedBefore(T0 - 20)).map((g) => g.id),
      ["jit-a", "jit-b"],
    );
    assert.deepEqual(await store.listPendingCreatedBefore(T0 - 31), []);
  });

  it("lists the other grants holding or acquiring the same assignment", async () => {
    const target = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
    const setups: Array<[string, GrantStatus, Partial<NewGrant>, string]> = [
      ["jit-self", "active", {}, "p-alice"],
      ["jit-active", "active", {}, "p-alice"],
      ["jit-provisioning", "provisioning", {}, "p-alice"],
      ["jit-approved", "approved", {}, "p-alice"],
      ["jit-revoking", "revoking", {}, "p-alice"],
      ["jit-revoked", "revoked", {}, "p-alice"],
      ["jit-other-user", "active", {}, "p-bob"],
      ["jit-other-account", "active", { accountId: "444455556666" }, "p-alice"],
      ["jit-other-set", "active", { permissionSetName: "ReadOnlyAccess" }, "p-alice"],
    ];
    for (const [id, status, overrides, principal] of setups) {
      await store.insert(newGrant(id, overrides), requested);
      await walkTo(id, status, principal);
    }
    const holding = await store.holders(target, "jit-self");
    assert.deepEqual([...holding.ids].sort(), ["jit-active", "jit-provisioning"]);
    assert.equal(holding.count, 2);
  });

  it("sums up many holders of one target: how many, the oldest few, and whether any found the access there first", async () => {
    const target = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
    for (let n = 0; n < HOLDER_IDS_SHOWN + 3; n += 1) {
      await store.insert(newGrant(`jit-h${n}`, { createdAt: T0 + n }), requested);
      await walkTo(`jit-h${n}`, "active");
    }
    const noneKept = await store.holders(target, "jit-h0");
    assert.equal(noneKept.count, HOLDER_IDS_SHOWN + 2);
    assert.deepEqual(noneKept.ids, ["jit-h1", "jit-h2", "jit-h3", "jit-h4", "jit-h5"]);
    assert.equal(noneKept.keepsAssignment, false);
    await store.amend("jit-h7", "active", { keepsAssignment: true });
    assert.equal((await store.holders(target, "jit-h0")).keepsAssignment, true);
    assert.deepEqual(await store.holders({ ...target, principalId: "p-bob" }, ""), { count: 0, ids: [], keepsAssignment: false });
  });
});

describe("audit outbox", () => {
  beforeEach(async () => {
    await store.insert(newGrant("jit-a"), requested);
    await store.insert(newGrant("jit-b"), { action: "requested", actorId: "U0BOB" });
    await store.transition("jit-a", "pending", "denied", { decidedBy: "U0BOSS" }, { action: "denied", actorId: "U0BOSS" });
  });

  it("hands out undelivered records oldest first, up to the limit", async () => {
    const all = await outbox().undelivered(10);
    assert.deepEqual(
      all.map((r) => [r.seq, r.grantId, r.action]),
      [
        [1, "jit-a", "requested"],
        [2, "jit-b", "requested"],
        [3, "jit-a", "denied"],
      ],
    );
    assert.deepEqual(
      (await outbox().undelivered(2)).map((r) => r.seq),
      [1, 2],
    );
  });

  it("stops handing out records once they are marked delivered, stamping the time", async () => {
    clock.advance(42);
    await outbox().markDeliveredThrough(2);
    assert.deepEqual(
      (await outbox().undelivered(10)).map((r) => r.seq),
      [3],
    );
    const row = db.prepare("SELECT delivered_at FROM audit_events WHERE seq = 1").get() as { delivered_at: number };
    assert.equal(row.delivered_at, T0 + 42);
  });

  it("keeps one note of the post under way until its records are marked delivered or it is cleared", async () => {
    assert.equal(await outbox().interruptedPost(), undefined);
    await outbox().notePosting({ firstSeq: 1, lastSeq: 3, startedAt: T0 });
    await outbox().notePosting({ firstSeq: 2, lastSeq: 3, startedAt: T0 + 1 });
    assert.deepEqual(await outbox().interruptedPost(), { firstSeq: 2, lastSeq: 3, startedAt: T0 + 1 }, "one note, the latest");
    await outbox().markDeliveredThrough(3);
    assert.equal(await outbox().interruptedPost(), undefined);
    await outbox().notePosting({ firstSeq: 4, lastSeq: 4, startedAt: T0 + 2 });
    await outbox().clearPosting();
    assert.equal(await outbox().interruptedPost(), undefined);
  });

  it("refuses to change what an audit record says", () => {
    assert.throws(() => db.prepare("UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = 1").run(), /append-only/);
    assert.throws(() => db.prepare("UPDATE audit_events SET detail = '{}' WHERE seq = 1").run(), /append-only/);
    assert.throws(() => db.prepare("UPDATE audit_events SET at = 0, delivered_at = 1 WHERE seq = 1").run(), /append-only/);
    const row = db.prepare("SELECT actor_id, delivered_at FROM audit_events WHERE seq = 1").get() as {
      actor_id: string;
      delivered_at: number | null;
    };
    assert.deepEqual({ ...row }, { actor_id: "U0ALICE", delivered_at: null });
  });

  it("refuses to delete audit records", () => {
    assert.throws(() => db.prepare("DELETE FROM audit_events WHERE seq = 1").run(), /append-only/);
    assert.throws(() => db.prepare("DELETE FROM audit_events").run(), /append-only/);
    assert.equal(auditCount(), 3);
  });
});

describe("openDatabase", () => {
  it("brings a new database to the latest schema version", () => {
    assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
  });

  it("opens an existing file again without re-running migrations or losing data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jit-store-"));
    try {
      const file = join(dir, "jit.sqlite");
      const first = openDatabase(file);
      await new SqliteStore(first, clock).insert(newGrant("jit-a"), requested);
      first.close();

      const second = openDatabase(file);
      try {
        assert.equal(second.pragma("user_version", { simple: true }), MIGRATIONS.length);
        const reopened = new SqliteStore(second, clock);
        assert.equal((await reopened.get("jit-a"))?.status, "pending");
        assert.equal((await new SqliteOutbox(second, clock).undelivered(10)).length, 1);
      } finally {
        second.close();
      }
      openDatabase(file).close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a database written by a newer build", () => {
    const dir = mkdtempSync(join(tmpdir(), "jit-store-"));
    try {
      const file = join(dir, "jit.sqlite");
      const newer = openDatabase(file);
      newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      newer.close();
      assert.throws(() => openDatabase(file), /newer than this build knows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
