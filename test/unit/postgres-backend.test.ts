// The PostgreSQL store backend against a real server: migrations, compare-and-set under
// concurrency, one audit chain across replicas, tamper evidence, leases and the outbox.
// Needs JIT_TEST_DATABASE_URL (scripts/postgres-for-tests.sh prints one); each test gets its own database.
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { GENESIS_HASH } from "../../src/audit/chain.js";
import type { AuditNote, StoredAuditRecord } from "../../src/domain/audit-event.js";
import type { GrantStatus } from "../../src/domain/grant.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { INITIAL_SCHEMA } from "../../src/store/postgres/schema.js";
import { openPostgresBackend } from "../../src/store/postgres/postgres-backend.js";
import { inTransaction } from "../../src/store/postgres/transaction.js";
import { approving, FakeClock, HOUR, newGrant, PROD, requested, T0 } from "../support/store-fixtures.js";

const SERVER_URL = process.env.JIT_TEST_DATABASE_URL;
const LATEST = POSTGRES_MIGRATIONS.length;
const skip = SERVER_URL
  ? false
  : "JIT_TEST_DATABASE_URL is not set: run scripts/postgres-for-tests.sh <dir> and set it to the URL it prints";

/** Runs one statement as the superuser on the server or one of its databases. */
async function superuser(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

interface TestDatabase {
  readonly url: string;
  readonly clock: FakeClock;
  /** Opens a backend (a replica with its own pool) on this database; closed when the test ends. */
  open(): Promise<StoreBackend>;
  sql(text: string, values?: unknown[]): Promise<pg.QueryResultRow[]>;
}

async function freshDatabase(t: TestContext): Promise<TestDatabase> {
  const server = SERVER_URL ?? "";
  const name = `jit_test_${randomBytes(6).toString("hex")}`;
  await superuser(server, `CREATE DATABASE ${name}`);
  const address = new URL(server);
  address.pathname = `/${name}`;
  const url = address.toString();
  const clock = new FakeClock(T0);
  const opened: StoreBackend[] = [];
  t.after(async () => {
    await Promise.all(opened.map((backend) => backend.close()));
    await superuser(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return {
    url,
    clock,
    async open() {
      const backend = await openPostgresBackend(url, clock);
      opened.push(backend);
      return backend;
    },
    sql: (text, values) => superuser(url, text, values),
  };
}

/** Walks a grant along allowed transitions to `status`, with the fields each step needs. */
async function walkTo(backend: StoreBackend, clock: FakeClock, id: string, status: "approved" | "provisioning" | "active"): Promise<void> {
  const path: GrantStatus[] = ["approved", "provisioning", "active"];
  let from: GrantStatus = "pending";
  for (const to of path.slice(0, path.indexOf(status) + 1)) {
    const changes =
      to === "provisioning"
        ? { principalId: "p-alice" }
        : to === "active"
          ? { activatedAt: clock.now(), expiresAt: clock.now() + HOUR }
          : {};
    assert.ok(await backend.store.transition(id, from, to, changes, null), `${id}: ${from} → ${to}`);
    from = to;
  }
}

async function allRecords(backend: StoreBackend): Promise<StoredAuditRecord[]> {
  const records: StoredAuditRecord[] = [];
  for await (const record of backend.audit.records()) records.push(record);
  return records;
}

describe("PostgreSQL store backend", { skip, concurrency: 4 }, () => {
  describe("migrations", () => {
    it("creates the schema on a fresh database, and opening it again changes nothing", async (t) => {
      const db = await freshDatabase(t);
      const first = await db.open();
      assert.equal(first.kind, "postgres");
      assert.deepEqual(await db.sql("SELECT version FROM schema_version"), [{ version: LATEST }]);
      assert.deepEqual(await db.sql("SELECT id, seq::int, hash FROM audit_head"), [{ id: 1, seq: 0, hash: GENESIS_HASH }]);
      await first.store.insert(newGrant("g1"), requested);

      const second = await db.open();
      assert.deepEqual(await db.sql("SELECT version FROM schema_version"), [{ version: LATEST }]);
      assert.equal((await second.store.get("g1"))?.status, "pending");
      assert.deepEqual(await second.audit.verify(), { ok: true, records: 1, head: { seq: 1, hash: (await allRecords(second))[0]?.hash } });
    });

    it("lets three replicas open one fresh database at once", async (t) => {
      const db = await freshDatabase(t);
      const replicas = await Promise.all([db.open(), db.open(), db.open()]);
      assert.equal(replicas.length, 3);
      assert.deepEqual(await db.sql("SELECT version FROM schema_version"), [{ version: LATEST }]);
      assert.deepEqual(await db.sql("SELECT count(*)::int AS n FROM audit_head"), [{ n: 1 }]);
      for (const replica of replicas) await replica.check();
    });

    it("brings a database at version 1 up to date, keeping its grants", async (t) => {
      const db = await freshDatabase(t);
      await db.sql("CREATE TABLE schema_version (id SMALLINT PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
      await db.sql("INSERT INTO schema_version (id, version) VALUES (1, 1)");
      await db.sql(INITIAL_SCHEMA);
      await db.sql(
        "INSERT INTO grants (id, status, requester_id, requester_team_id, requester_email, account_id, permission_set, duration_ms, justification, rule_name, break_glass, created_at, updated_at) VALUES ('g0', 'pending', 'U0ALICE', 'T0TEAM', 'alice@example.com', $1, 'ReadOnlyAccess', 3600000, 'before the upgrade', 'prod-admin', 0, $2, $2)",
        [PROD, T0],
      );
      const upgraded = await db.open();
      assert.deepEqual(await db.sql("SELECT version FROM schema_version"), [{ version: LATEST }]);
      assert.equal((await upgraded.store.get("g0"))?.justification, "before the upgrade");
      assert.equal(await upgraded.seenRequests.firstSight("v0=abc", T0 + 60_000), true);
    });

    it("brings a database at version 5 to the session fence, keeping its operations and finding the kind's check by what it checks", async (t) => {
      const db = await freshDatabase(t);
      await db.sql("CREATE TABLE schema_version (id SMALLINT PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
      await db.sql("INSERT INTO schema_version (id, version) VALUES (1, 5)");
      for (const migration of POSTGRES_MIGRATIONS.slice(0, 5)) await db.sql(migration);
      // Not the name PostgreSQL would have given it: the migration must not rely on one.
      await db.sql("ALTER TABLE operations RENAME CONSTRAINT operations_kind_check TO legacy_kind_rule");
      await db.sql(
        "INSERT INTO grants (id, status, requester_id, requester_team_id, account_id, permission_set, duration_ms, justification, rule_name, created_at, updated_at) VALUES ('g0', 'revoked', 'U0ALICE', 'T0TEAM', $1, 'AdministratorAccess', 3600000, 'before the upgrade', 'prod-admin', $2, $2)",
        [PROD, T0],
      );
      await db.sql(
        `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, principal_type, state, request_id, created_at, updated_at)
         VALUES ('g0', 'create', $1, 'AdministratorAccess', 'p-alice', 'USER', 'succeeded', 'req-create', $2, $2),
                (NULL, 'delete', $1, 'AdministratorAccess', 'g-oncall', 'GROUP', 'started', 'req-delete', $2, $2)`,
        [PROD, T0],
      );
      const rowsBefore = await db.sql("SELECT * FROM operations ORDER BY id");

      const upgraded = await db.open();
      assert.deepEqual(await db.sql("SELECT version FROM schema_version"), [{ version: LATEST }]);
      // Group access (a later migration) adds group_id to every row, null for what came before it.
      assert.deepEqual(
        await db.sql("SELECT * FROM operations ORDER BY id"),
        rowsBefore.map((row) => ({ ...(row as object), group_id: null })),
      );
      const alice = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
      const fence = await upgraded.operations.intend("g0", "fence", alice);
      const added = await upgraded.operations.intend("g0", "add-member", { groupId: "g-1", principalId: "p-alice" });
      assert.deepEqual(added.target, { groupId: "g-1", principalId: "p-alice" });
      assert.equal((await upgraded.operations.latest("g0", "fence"))?.id, fence.id);
      assert.deepEqual(
        await db.sql(
          `SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
           WHERE c.conrelid = 'operations'::regclass AND c.contype = 'c' AND a.attname = 'kind'`,
        ),
        [{ conname: "operations_kind_check" }],
        "one check on the kind, under the name the migration gave it",
      );
      await assert.rejects(db.sql("UPDATE operations SET kind = 'grow' WHERE id = $1", [fence.id]), /operations_kind_check/);
      await upgraded.fenceEntries.put({ ...alice, fencedAt: T0, liftAt: T0 + HOUR, grantId: "g0" });
      assert.equal(await upgraded.fenceEntries.nextLift(), T0 + HOUR);
    });

    it("refuses a database at a schema version newer than this build knows", async (t) => {
      const db = await freshDatabase(t);
      await db.open();
      await db.sql("UPDATE schema_version SET version = 99");
      await assert.rejects(db.open(), new RegExp(`schema version 99, newer than this build knows \\(${LATEST}\\)`));
    });

    it("names the server without its password when it cannot connect", async () => {
      await assert.rejects(openPostgresBackend("postgres://jit:s3cret@127.0.0.1:1/jit", new FakeClock(T0)), (error: Error) => {
        assert.match(error.message, /^Cannot connect to PostgreSQL at postgres:\/\/jit:\*\*\*@127\.0\.0\.1:1\/jit: /);
        assert.doesNotMatch(error.message, /s3cret/);
        return true;
      });
    });

    it("shows its location without the password", async (t) => {
      const db = await freshDatabase(t);
      const withPassword = new URL(db.url);
      withPassword.password = "not-needed";
      const backend = await openPostgresBackend(withPassword.toString(), db.clock);
      t.after(() => backend.close());
      assert.equal(backend.location, db.url.replace("postgres@", "postgres:***@"));
    });
  });

  describe("grants", () => {
    it("moves a grant only from the status it is in", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      const stored = await backend.store.insert(newGrant("g1", { ticket: "INC-1", breakGlass: true }), requested);
      assert.equal(stored.status, "pending");
      assert.equal(stored.breakGlass, true);
      assert.equal(stored.ticket, "INC-1");

      db.clock.advance(1_000);
      const approved = await backend.store.transition(
        "g1",
        "pending",
        "approved",
        { decidedBy: "U0BOB", decidedAt: db.clock.now() },
        {
          action: "approved",
          actorId: "U0BOB",
        },
      );
      assert.equal(approved?.status, "approved");
      assert.equal(approved?.decidedBy, "U0BOB");
      assert.equal(approved?.updatedAt, T0 + 1_000);
      assert.equal(await backend.store.transition("g1", "pending", "approved", {}, { action: "approved", actorId: "U0CAROL" }), undefined);
      assert.deepEqual(
        (await backend.audit.forGrant("g1")).map((record) => [record.seq, record.action, record.detail.status]),
        [
          [1, "requested", "pending"],
          [2, "approved", "approved"],
        ],
      );
    });

    it("lets exactly one of 20 concurrent transitions from the same status win", async (t) => {
      const db = await freshDatabase(t);
      const [a, b] = await Promise.all([db.open(), db.open()]);
      assert.ok(a && b);
      await a.store.insert(newGrant("g1"), requested);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).store.transition("g1", "pending", "denied", { decidedBy: `U${i}` }, { action: "denied", actorId: `U${i}` }),
        ),
      );
      const winners = results.filter((grant) => grant !== undefined);
      assert.equal(winners.length, 1);
      assert.equal((await a.store.get("g1"))?.decidedBy, winners[0]?.decidedBy);
      assert.deepEqual(
        (await a.audit.forGrant("g1")).map((record) => record.action),
        ["requested", "denied"],
      );
    });

    it("approves exactly once when two approvers approve at once on two replicas", async (t) => {
      const db = await freshDatabase(t);
      const [a, b] = await Promise.all([db.open(), db.open()]);
      assert.ok(a && b);
      await a.store.insert(newGrant("g1"), requested);
      const note: AuditNote = { action: "approved", actorId: "approver" };
      const outcomes = await Promise.all([
        a.store.approve("g1", "U0BOB", approving("U0BOB", 2), { decidedBy: "U0BOB" }, note),
        b.store.approve("g1", "U0CAROL", approving("U0CAROL", 2), { decidedBy: "U0CAROL" }, note),
      ]);
      const byKind = outcomes
        .map((recorded) => [recorded?.outcome.kind, recorded && "approvals" in recorded.outcome ? recorded.outcome.approvals : 0])
        .sort();
      assert.deepEqual(byKind, [
        ["approved", 2],
        ["counted", 1],
      ]);
      assert.equal((await a.store.get("g1"))?.status, "approved");
      assert.deepEqual((await a.store.approversOf("g1")).sort(), ["U0BOB", "U0CAROL"]);
      assert.deepEqual((await a.store.approve("g1", "U0DAVE", approving("U0DAVE", 2), {}, note))?.outcome, {
        kind: "refused",
        reason: "closed",
        audit: null,
      });
      const approvedRecord = (await a.audit.forGrant("g1")).find((record) => record.action === "approved");
      assert.equal(approvedRecord?.detail.approvals, 2);
      assert.equal(approvedRecord?.detail.approvers?.toString().split(" ").length, 2);
    });

    it("counts an approver once", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("g1"), requested);
      const note: AuditNote = { action: "approved", actorId: "U0BOB" };
      assert.equal((await backend.store.approve("g1", "U0BOB", approving("U0BOB", 2), {}, note))?.outcome.kind, "counted");
      const again = (await backend.store.approve("g1", "U0BOB", approving("U0BOB", 2), {}, note))?.outcome;
      assert.deepEqual([again?.kind, again && "approvals" in again && again.approvals], ["duplicate", 1]);
      assert.equal(await backend.store.approve("missing", "U0BOB", approving("U0BOB", 2), {}, note), undefined);
    });

    it("extends an active grant only within the longest total duration", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("g1"), requested);
      await walkTo(backend, db.clock, "g1", "active");
      assert.equal(await backend.store.markWarned("g1", { action: "expiry_warning", actorId: "system" }), true);
      assert.equal(await backend.store.markWarned("g1", { action: "expiry_warning", actorId: "system" }), false);

      const extended = await backend.store.extend("g1", HOUR, 2 * HOUR, { action: "extended", actorId: "U0ALICE" }, false);
      assert.equal(extended?.expiresAt, T0 + 2 * HOUR);
      assert.equal(extended?.warnedAt, null);
      assert.equal(await backend.store.extend("g1", 1, 2 * HOUR, { action: "extended", actorId: "U0ALICE" }, false), undefined);
      assert.equal((await backend.store.get("g1"))?.expiresAt, T0 + 2 * HOUR);
      assert.deepEqual(
        (await backend.audit.forGrant("g1")).map((record) => record.action),
        ["requested", "expiry_warning", "extended"],
      );
    });

    it("lists grants as the SQLite store does", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("old", { createdAt: T0 }), requested);
      await backend.store.insert(newGrant("new", { createdAt: T0 + 10, breakGlass: true }), requested);
      await backend.store.insert(newGrant("bob", { createdAt: T0 + 5, requesterId: "U0BOB" }), requested);
      await walkTo(backend, db.clock, "old", "active");
      db.clock.advance(10);
      await walkTo(backend, db.clock, "new", "active");

      assert.deepEqual(
        (await backend.store.listForRequester("U0ALICE", ["active"], 10)).map((g) => g.id),
        ["new", "old"],
      );
      assert.deepEqual(
        (await backend.store.listByStatus(["active", "pending"])).map((g) => g.id),
        ["old", "bob", "new"],
      );
      assert.deepEqual(
        (await backend.store.listPendingCreatedBefore(T0 + 5)).map((g) => g.id),
        ["bob"],
      );
      assert.deepEqual(await backend.store.listPendingCreatedBefore(T0 + 4), []);
      assert.deepEqual(
        (await backend.store.listExpired(T0 + HOUR + 10)).map((g) => g.id),
        ["old", "new"],
      );
      assert.equal(await backend.store.nextExpiry(), T0 + HOUR);
      assert.deepEqual(
        (await backend.store.listUnreviewed(10)).map((g) => g.id),
        ["new"],
      );
      const target = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
      assert.deepEqual((await backend.store.holders(target, "old")).ids, ["new"]);

      const reviewed = await backend.store.markReviewed("new", "U0SEC", { action: "reviewed", actorId: "U0SEC" });
      assert.equal(reviewed?.reviewedBy, "U0SEC");
      assert.equal(await backend.store.markReviewed("new", "U0SEC", { action: "reviewed", actorId: "U0SEC" }), undefined);
      assert.deepEqual(await backend.store.listUnreviewed(10), []);
      assert.deepEqual(await backend.metrics.grantsByStatus(), { active: 2, pending: 1 });
    });

    it("records the AWS request ids and approvers in the audit detail", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("g1"), requested);
      await backend.store.approve("g1", "U0BOB", approving("U0BOB", 1), { decidedBy: "U0BOB" }, { actorId: "U0BOB" });
      const target = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
      const create = await backend.operations.intend("g1", "create", target);
      await backend.operations.started(create.id, "req-1");
      const remove = await backend.operations.intend("g1", "delete", target);
      await backend.operations.started(remove.id, "req-2");
      await backend.store.note("g1", { action: "revocation_retry", actorId: "system", detail: { attempt: 2 } });
      const last = (await backend.audit.forGrant("g1")).at(-1);
      assert.equal(last?.detail.awsRequestIds, "create:req-1 delete:req-2");
      assert.equal(last?.detail.approvers, "U0BOB");
      assert.equal(last?.detail.attempt, 2);
      assert.equal(last?.detail.status, "approved");

      await backend.store.noteUnattached(
        { accountId: PROD, permissionSet: "ReadOnly" },
        {
          action: "unmanaged_assignment",
          actorId: "system",
          detail: { principalId: "p-x", token: "xoxb-123-abc" },
        },
      );
      const unattached = (await allRecords(backend)).at(-1);
      assert.deepEqual([unattached?.grantId, unattached?.permissionSet, unattached?.detail.token], ["", "ReadOnly", "[redacted]"]);
    });
  });

  describe("extensions", () => {
    it("approves an extension once its quorum is reached, auditing it on the grant", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("g1"), requested);
      await walkTo(backend, db.clock, "g1", "active");
      const note: AuditNote = { action: "extension_requested", actorId: "U0ALICE" };
      const extension = await backend.extensions.insert(
        { id: "x1", grantId: "g1", requesterId: "U0ALICE", extraMs: HOUR, createdAt: T0 },
        note,
      );
      assert.equal(extension.status, "pending");
      await backend.extensions.setMessage("x1", "C1", "1.2");
      assert.deepEqual(
        (await backend.extensions.listPending()).map((x) => [x.id, x.approvalChannel, x.approvalTs]),
        [["x1", "C1", "1.2"]],
      );

      const approve: AuditNote = { action: "extended", actorId: "U0BOB" };
      assert.equal(
        (await backend.extensions.approve("x1", "U0BOB", T0, approving("U0BOB", 2, "extension"), approve))?.outcome.kind,
        "counted",
      );
      assert.equal(
        (await backend.extensions.approve("x1", "U0BOB", T0, approving("U0BOB", 2, "extension"), approve))?.outcome.kind,
        "duplicate",
      );
      const recorded = await backend.extensions.approve("x1", "U0CAROL", T0 + 5, approving("U0CAROL", 2, "extension"), approve);
      assert.equal(recorded?.outcome.kind, "approved");
      assert.equal(recorded?.subject.decidedBy, "U0CAROL");
      assert.equal(
        await backend.extensions.close("x1", "denied", "U0DAVE", T0, { action: "extension_denied", actorId: "U0DAVE" }),
        undefined,
      );
      assert.deepEqual(
        (await backend.audit.forGrant("g1")).map((record) => [record.action, record.detail.extensionId ?? null]),
        [
          ["requested", null],
          ["extension_requested", "x1"],
          ["approval_recorded", "x1"],
        ],
      );
    });
  });

  describe("audit chain", () => {
    it("keeps one chain when three replicas append at once", async (t) => {
      const db = await freshDatabase(t);
      const replicas = await Promise.all([db.open(), db.open(), db.open()]);
      await Promise.all(
        replicas.map(async (replica, r) => {
          await Promise.all(
            Array.from({ length: 10 }, async (_, i) => {
              const id = `g${r}-${i}`;
              await replica.store.insert(newGrant(id), requested);
              await replica.store.note(id, { action: "expiry_warning", actorId: "system" });
              await replica.store.transition(id, "pending", "cancelled", {}, { action: "cancelled", actorId: "U0ALICE" });
            }),
          );
        }),
      );
      const [first] = replicas;
      assert.ok(first);
      const verdict = await first.audit.verify();
      assert.equal(verdict.ok, true);
      assert.equal(verdict.ok && verdict.records, 90);
      assert.deepEqual(
        (await allRecords(first)).map((record) => record.seq),
        Array.from({ length: 90 }, (_, i) => i + 1),
      );
      assert.deepEqual(await db.sql("SELECT seq::int FROM audit_head"), [{ seq: 90 }]);
      assert.equal(await first.metrics.lastAuditSeq(), 90);
    });

    it("reads and verifies a trail longer than one page", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      for (let i = 0; i < 2_050; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, () => {
            db.clock.advance(1);
            return backend.store.noteUnattached(
              { accountId: PROD, permissionSet: "ReadOnly" },
              { action: "drift_detected", actorId: "system" },
            );
          }),
        );
      }
      assert.deepEqual(await backend.audit.verify(), {
        ok: true,
        records: 2_050,
        head: { seq: 2_050, hash: (await allRecords(backend)).at(-1)?.hash },
      });
      const period: StoredAuditRecord[] = [];
      for await (const record of backend.audit.records({ from: T0 + 11, until: T0 + 2_011 })) period.push(record);
      assert.equal(period.length, 2_000);
      assert.ok(period.every((record) => record.at >= T0 + 11 && record.at < T0 + 2_011));
    });

    it("refuses to delete or rewrite audit records, and to move the head back", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("g1"), requested);
      await assert.rejects(db.sql("DELETE FROM audit_events"), /append-only/);
      await assert.rejects(db.sql("TRUNCATE audit_events"), /append-only/);
      await assert.rejects(db.sql(`UPDATE audit_events SET detail = '{}'`), /append-only/);
      await assert.rejects(db.sql("UPDATE audit_events SET hash = prev_hash"), /append-only/);
      await db.sql("UPDATE audit_events SET delivered_at = 1");
      await assert.rejects(
        db.sql(
          "INSERT INTO audit_events (seq, at, action, actor_id, grant_id, account_id, permission_set, detail) VALUES (9, 0, 'requested', 'x', '', '', '', '{}')",
        ),
        /prev_hash/,
      );
      await assert.rejects(db.sql("UPDATE audit_head SET seq = 0"), /only moves forward/);
      await assert.rejects(db.sql("DELETE FROM audit_head"), /append-only/);
    });

    it("names the record whose detail was edited", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      await backend.store.insert(newGrant("g1"), requested);
      await backend.store.insert(newGrant("g2"), requested);
      await backend.store.insert(newGrant("g3"), requested);
      await db.sql("ALTER TABLE audit_events DISABLE TRIGGER USER");
      await db.sql(`UPDATE audit_events SET detail = replace(detail, 'incident 42', 'routine') WHERE seq = 2`);
      const verdict = await backend.audit.verify();
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.firstBad.seq, 2);
      assert.match(!verdict.ok ? verdict.firstBad.problem : "", /does not match its hash/);
    });

    it("reports records cut off the end of the trail", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      for (const id of ["g1", "g2", "g3", "g4", "g5"]) await backend.store.insert(newGrant(id), requested);
      await db.sql("ALTER TABLE audit_events DISABLE TRIGGER USER");
      await db.sql("DELETE FROM audit_events WHERE seq > 3");
      const verdict = await backend.audit.verify();
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.firstBad.seq, 4);
      assert.match(!verdict.ok ? verdict.firstBad.problem : "", /up to #5 but the trail ends at #3/);
    });
  });

  describe("outbox and metrics", () => {
    it("hands out undelivered records oldest first and marks them delivered through a seq", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      for (const id of ["g1", "g2", "g3"]) {
        await backend.store.insert(newGrant(id), requested);
        db.clock.advance(1_000);
      }
      assert.deepEqual(
        (await backend.outbox.undelivered(2)).map((record) => record.seq),
        [1, 2],
      );
      assert.deepEqual(await backend.metrics.outbox(), { depth: 3, oldestAt: T0 });
      await backend.outbox.notePosting({ firstSeq: 1, lastSeq: 2, startedAt: T0 });
      await backend.outbox.notePosting({ firstSeq: 1, lastSeq: 3, startedAt: T0 + 1 });
      assert.deepEqual(await backend.outbox.interruptedPost(), { firstSeq: 1, lastSeq: 3, startedAt: T0 + 1 });
      await backend.outbox.markDeliveredThrough(2);
      assert.equal(await backend.outbox.interruptedPost(), undefined, "marking delivered clears the note");
      await backend.outbox.notePosting({ firstSeq: 3, lastSeq: 3, startedAt: T0 + 2 });
      await backend.outbox.clearPosting();
      assert.equal(await backend.outbox.interruptedPost(), undefined);
      assert.deepEqual(
        (await backend.outbox.undelivered(10)).map((record) => [record.seq, record.grantId]),
        [[3, "g3"]],
      );
      assert.deepEqual(await backend.metrics.outbox(), { depth: 1, oldestAt: T0 + 2_000 });
      assert.deepEqual(await backend.metrics.auditSince(1, 10), [
        { seq: 2, action: "requested", at: T0 + 1_000, grantCreatedAt: T0, grantExpiresAt: null },
        { seq: 3, action: "requested", at: T0 + 2_000, grantCreatedAt: T0, grantExpiresAt: null },
      ]);
      assert.equal((await backend.audit.verify()).ok, true);
    });
  });

  describe("leases", () => {
    it("gives a lease to one holder at a time until it lapses or is released", async (t) => {
      const db = await freshDatabase(t);
      const [a, b] = await Promise.all([db.open(), db.open()]);
      assert.ok(a && b);
      assert.equal(await a.leases.acquire("grant:g1", "replica-a", T0, 30_000), true);
      assert.equal(await b.leases.acquire("grant:g1", "replica-b", T0 + 1_000, 30_000), false);
      assert.equal(await a.leases.acquire("grant:g1", "replica-a", T0 + 20_000, 30_000), true, "the holder renews its own");
      assert.equal(await b.leases.acquire("grant:g1", "replica-b", T0 + 40_000, 30_000), false, "renewed until T0 + 50 s");
      await a.leases.renewAll("replica-a", T0 + 45_000, 30_000);
      assert.equal(await b.leases.acquire("grant:g1", "replica-b", T0 + 60_000, 30_000), false, "renewed until T0 + 75 s");
      assert.equal(await b.leases.acquire("grant:g1", "replica-b", T0 + 75_000, 30_000), true, "lapsed");
      await a.leases.release("grant:g1", "replica-a");
      assert.equal(await a.leases.acquire("grant:g1", "replica-a", T0 + 76_000, 30_000), false, "not a's to release");
      await b.leases.release("grant:g1", "replica-b");
      assert.equal(await a.leases.acquire("grant:g1", "replica-a", T0 + 77_000, 30_000), true);
    });
  });

  describe("transactions", () => {
    it("retries work that PostgreSQL aborted for a deadlock or serialization failure, and nothing else", async (t) => {
      const db = await freshDatabase(t);
      await db.open();
      const pool = createPool(db.url);
      t.after(() => pool.end());
      let attempts = 0;
      const written = await inTransaction(pool, async (client) => {
        attempts += 1;
        await client.query("INSERT INTO leases (key, holder, expires_at) VALUES ($1, 'x', 0)", [`k${attempts}`]);
        if (attempts < 3) throw Object.assign(new Error("collided"), { code: attempts === 1 ? "40P01" : "40001" });
        return attempts;
      });
      assert.equal(written, 3);
      assert.deepEqual(await db.sql("SELECT key FROM leases"), [{ key: "k3" }], "the aborted attempts were rolled back");

      let failures = 0;
      await assert.rejects(
        inTransaction(pool, async () => {
          failures += 1;
          throw Object.assign(new Error("unique"), { code: "23505" });
        }),
        /unique/,
      );
      assert.equal(failures, 1);
    });
  });

  describe("operation log", () => {
    it("follows each operation from intended to its outcome and knows which assignments the bot created", async (t) => {
      const db = await freshDatabase(t);
      const backend = await db.open();
      const log = backend.operations;
      await backend.store.insert(newGrant("g1"), requested);
      await backend.store.insert(newGrant("g2"), requested);
      const alice = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
      const bob = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-bob" };

      const created = await log.intend("g1", "create", alice);
      assert.deepEqual([created.state, created.requestId, created.createdAt, created.target], ["intended", null, T0, alice]);
      await log.started(created.id, "req-1");
      await log.finished(created.id, "succeeded");
      await log.started(created.id, "req-other");
      await log.finished(created.id, "failed", "too late");
      assert.deepEqual((await log.latest("g1", "create"))?.state, "succeeded");
      assert.equal((await log.latest("g1", "create"))?.requestId, "req-1");

      const bobCreated = await log.intend("g2", "create", bob);
      await log.finished(bobCreated.id, "succeeded");
      assert.deepEqual(
        (await log.createdByUs()).map((operation) => operation.id),
        [created.id, bobCreated.id],
      );

      const removed = await log.intend("g1", "delete", alice);
      await log.finished(removed.id, "absent");
      assert.deepEqual(
        (await log.createdByUs()).map((operation) => operation.id),
        [bobCreated.id],
      );
      assert.equal((await log.lastFinishedOn(alice))?.id, removed.id);
      assert.deepEqual(
        (await log.forGrant("g1")).map((operation) => operation.kind),
        ["create", "delete"],
      );
    });
  });

  describe("seen requests", () => {
    it("sees a signature once across replicas, and forgets it once it has expired", async (t) => {
      const db = await freshDatabase(t);
      const [one, two] = await Promise.all([db.open(), db.open()]);
      const expiresAt = T0 + 300_000;
      const firsts = await Promise.all([one, two, one, two].map((replica) => replica.seenRequests.firstSight("v0=aaa", expiresAt)));
      assert.deepEqual(firsts.filter(Boolean).length, 1, "exactly one replica saw it first");
      assert.equal(await two.seenRequests.firstSight("v0=bbb", expiresAt), true);

      db.clock.advance(300_001);
      // A fresh replica purges what has expired before its first check.
      const three = await db.open();
      assert.equal(await three.seenRequests.firstSight("v0=ccc", db.clock.now() + 300_000), true);
      assert.deepEqual(await db.sql("SELECT signature FROM seen_requests ORDER BY signature"), [{ signature: "v0=ccc" }]);
    });
  });
});
