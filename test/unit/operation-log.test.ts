// The operation log on the engine this leg of the suite runs (PostgreSQL with JIT_TEST_DATABASE_URL,
// SQLite otherwise): operations of no grant, whose principal they changed, which are unfinished,
// an outcome recorded once, and fence operations, which change no assignment's history. A SQLite
// database from before migration 010 or 011 keeps its operations.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { AssignmentTarget, OperationKind } from "../../src/services/ports.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { UNATTACHED_OPERATIONS } from "../../src/store/sqlite/migrations/010-unattached-operations.js";
import { GROUP_ACCESS } from "../../src/store/sqlite/migrations/015-group-access.js";
import { SESSION_FENCE } from "../../src/store/sqlite/migrations/011-session-fence.js";
import { MIGRATIONS, type Migration } from "../../src/store/sqlite/migrations/index.js";
import { openPostgresBackend } from "../../src/store/postgres/postgres-backend.js";
import { openSqliteBackend } from "../../src/store/sqlite/sqlite-backend.js";
import { FakeClock, HOUR, newGrant, PROD, requested, T0 } from "../support/store-fixtures.js";
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from "../support/test-database.js";

const alice: AssignmentTarget = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
const oncall: AssignmentTarget = {
  accountId: PROD,
  permissionSetName: "AdministratorAccess",
  principalId: "g-oncall",
  principalType: "GROUP",
};

/** A SQLite database at the schema version just before `migration`, holding the revoked grant g-old. */
function sqliteBefore(file: string, migration: Migration): Database.Database {
  const db = new Database(file);
  const before = MIGRATIONS.indexOf(migration);
  for (const earlier of MIGRATIONS.slice(0, before)) {
    if (typeof earlier === "string") db.exec(earlier);
    else earlier(db);
  }
  db.pragma(`user_version = ${before}`);
  db.prepare(
    `INSERT INTO grants (id, requester_id, requester_team_id, account_id, permission_set, duration_ms, justification,
       rule_name, status, created_at, updated_at)
     VALUES ('g-old', 'U0ALICE', 'T0TEAM', ?, 'AdministratorAccess', 3600000, 'old', 'prod-admin', 'revoked', ?, ?)`,
  ).run(PROD, T0, T0);
  return db;
}

describe(`the operation log (${TEST_SERVER_URL ? "PostgreSQL" : "SQLite"})`, () => {
  const clock = new FakeClock(T0);
  const dir = mkdtempSync(join(tmpdir(), "jit-operation-log-"));
  let database: TestDatabase | undefined;
  let backend: StoreBackend;

  before(async () => {
    if (TEST_SERVER_URL) {
      database = await createTestDatabase(TEST_SERVER_URL);
      backend = await openPostgresBackend(database.url, clock);
    } else {
      backend = openSqliteBackend(join(dir, "jit.sqlite"), clock);
    }
    await backend.store.insert(newGrant("g1"), requested);
  });
  after(async () => {
    await backend.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps an operation of no grant, with the type of principal it changed, apart from grants' operations", async () => {
    const log = backend.operations;
    const mine = await log.intend("g1", "delete", alice);
    const unattached = await log.intend(null, "delete", oncall);
    assert.deepEqual([unattached.grantId, unattached.target], [null, oncall]);
    assert.deepEqual((await log.latest("g1", "delete"))?.target, alice, "a user's target reads back without a type, as grants write it");
    assert.equal((await log.latestUnattached("delete", oncall))?.id, unattached.id);
    assert.equal(await log.latestUnattached("delete", { ...oncall, principalType: "USER" }), undefined);
    assert.equal(await log.latestUnattached("delete", alice), undefined, "a grant's operation is not one of no grant");
    assert.deepEqual(
      (await log.unfinished()).map((operation) => operation.id),
      [mine.id, unattached.id],
    );
  });

  it("records an outcome once: finished is a compare-and-set on an unfinished operation", async () => {
    const log = backend.operations;
    const operation = await log.intend(null, "delete", { ...oncall, principalId: "g-other" });
    await log.started(operation.id, "req-9");
    assert.equal(await log.finished(operation.id, "succeeded"), true);
    assert.equal(await log.finished(operation.id, "failed", "late"), false);
    assert.equal((await log.latestUnattached("delete", { ...oncall, principalId: "g-other" }))?.state, "succeeded");
    assert.ok(!(await log.unfinished()).some((unfinished) => unfinished.id === operation.id));
  });

  it("logs a fence beside the assignment changes, which a fence written after them does not change", async () => {
    const log = backend.operations;
    const bob: AssignmentTarget = { ...alice, principalId: "p-bob" };
    const done = async (kind: OperationKind, grantId: string | null, target: AssignmentTarget) => {
      const operation = await log.intend(grantId, kind, target);
      await log.started(operation.id, `req-${operation.id}`);
      assert.equal(await log.finished(operation.id, "succeeded"), true);
      return operation;
    };
    const created = await done("create", "g1", bob);
    const fenceAfterCreation = await done("fence", "g1", bob);
    assert.equal((await log.latest("g1", "fence"))?.id, fenceAfterCreation.id);
    assert.equal((await log.latest("g1", "fence"))?.kind, "fence");
    assert.equal((await log.lastFinishedOn(bob))?.id, created.id, "still created");
    assert.ok((await log.createdByUs()).some((operation) => operation.id === created.id));

    const deleted = await done("delete", "g1", bob);
    const fenceAfterDeletion = await done("fence", "g1", bob);
    assert.equal((await log.latest("g1", "fence"))?.id, fenceAfterDeletion.id);
    assert.equal((await log.lastFinishedOn(bob))?.id, deleted.id, "still deleted");
    assert.ok(!(await log.createdByUs()).some((operation) => operation.target.principalId === "p-bob"));

    const carol: AssignmentTarget = { ...alice, principalId: "p-carol" };
    await done("fence", null, carol);
    assert.equal(await log.latestUnattached("delete", carol), undefined);
    assert.equal(await log.lastFinishedOn(carol), undefined);
  });
});

describe("the SQLite migration to operations of no grant", () => {
  const dir = mkdtempSync(join(tmpdir(), "jit-operation-upgrade-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every operation a database from before it recorded, as a user's, and then takes operations of no grant", async () => {
    const file = join(dir, "jit.sqlite");
    // A database at the version before, holding a grant and its creation as that version wrote them.
    const old = sqliteBefore(file, UNATTACHED_OPERATIONS);
    old
      .prepare(
        `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, state, request_id, created_at, updated_at)
       VALUES ('g-old', 'create', ?, 'AdministratorAccess', 'p-alice', 'succeeded', 'req-old', ?, ?)`,
      )
      .run(PROD, T0, T0);
    old.close();

    const upgraded = openSqliteBackend(file, new FakeClock(T0));
    try {
      const [kept, ...others] = await upgraded.operations.forGrant("g-old");
      assert.deepEqual(others, []);
      assert.deepEqual([kept?.state, kept?.requestId, kept?.target], ["succeeded", "req-old", alice]);
      const unattached = await upgraded.operations.intend(null, "delete", oncall);
      assert.ok(unattached.id > (kept?.id ?? Infinity), "ids carry on after the kept ones");
      assert.deepEqual(
        (await upgraded.operations.createdByUs()).map((operation) => operation.id),
        [kept?.id],
      );
    } finally {
      await upgraded.close();
    }
  });
});

describe("the SQLite migration to the session fence", () => {
  const dir = mkdtempSync(join(tmpdir(), "jit-fence-upgrade-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every operation, index and id handed out, then takes fence operations and fence entries", async () => {
    const file = join(dir, "jit.sqlite");
    const old = sqliteBefore(file, SESSION_FENCE);
    const insert = old.prepare(
      `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, principal_type, state, request_id, created_at, updated_at)
       VALUES (?, ?, ?, 'AdministratorAccess', ?, ?, ?, ?, ?, ?)`,
    );
    insert.run("g-old", "create", PROD, "p-alice", "USER", "succeeded", "req-create", T0, T0);
    insert.run("g-old", "delete", PROD, "p-alice", "USER", "started", "req-delete", T0 + 1, T0 + 1);
    insert.run(null, "delete", PROD, "g-oncall", "GROUP", "absent", null, T0 + 2, T0 + 2);
    // An id handed out to an insert that is gone is not handed out again.
    old.prepare("UPDATE sqlite_sequence SET seq = 9 WHERE name = 'operations'").run();
    const rowsBefore = old.prepare("SELECT * FROM operations ORDER BY id").all();
    const indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name";
    const indexesBefore = old.prepare(indexes).all("operations");
    old.close();

    const upgraded = openSqliteBackend(file, new FakeClock(T0));
    try {
      assert.equal(upgraded.db.pragma("user_version", { simple: true }), MIGRATIONS.length);
      // Later migrations (015, group access) add group_id and an index on it.
      assert.deepEqual(
        upgraded.db.prepare("SELECT * FROM operations ORDER BY id").all(),
        rowsBefore.map((row) => ({ ...(row as object), group_id: null })),
      );
      assert.deepEqual(
        upgraded.db
          .prepare(indexes)
          .all("operations")
          .filter((index) => (index as { name: string }).name !== "operations_by_membership"),
        indexesBefore,
      );
      assert.deepEqual(
        upgraded.db
          .prepare(indexes)
          .all("fence_entries")
          .map((index) => (index as { name: string }).name),
        ["fence_entries_by_lift", "sqlite_autoindex_fence_entries_1"],
      );
      assert.deepEqual(
        (await upgraded.operations.unfinished()).map((operation) => operation.requestId),
        ["req-delete"],
      );

      const fence = await upgraded.operations.intend("g-old", "fence", alice);
      assert.equal(fence.id, 10);
      assert.equal((await upgraded.operations.latest("g-old", "fence"))?.id, fence.id);
      assert.throws(
        () => upgraded.db.prepare("UPDATE operations SET kind = 'grow' WHERE id = ?").run(fence.id),
        /CHECK constraint failed/,
        "the kind is still checked",
      );
      await upgraded.fenceEntries.put({ ...alice, fencedAt: T0, liftAt: T0 + HOUR, grantId: "g-old" });
      assert.equal(await upgraded.fenceEntries.nextLift(), T0 + HOUR);
      assert.deepEqual(upgraded.db.pragma("foreign_key_check"), []);
    } finally {
      await upgraded.close();
    }
  });
});

describe("the SQLite migration to group access", () => {
  const dir = mkdtempSync(join(tmpdir(), "jit-group-upgrade-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every operation and id handed out, then takes membership changes with their group", async () => {
    const file = join(dir, "jit.sqlite");
    const old = sqliteBefore(file, GROUP_ACCESS);
    old
      .prepare(
        `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, principal_type, state, request_id, created_at, updated_at)
         VALUES (NULL, 'fence', ?, 'AdministratorAccess', 'p-alice', 'USER', 'succeeded', NULL, ?, ?)`,
      )
      .run(PROD, T0, T0);
    old.prepare("UPDATE sqlite_sequence SET seq = 4 WHERE name = 'operations'").run();
    const rowsBefore = old.prepare("SELECT * FROM operations ORDER BY id").all();
    old.close();

    const upgraded = openSqliteBackend(file, new FakeClock(T0));
    try {
      assert.deepEqual(
        upgraded.db.prepare("SELECT * FROM operations ORDER BY id").all(),
        rowsBefore.map((row) => ({ ...(row as object), group_id: null })),
      );
      const added = await upgraded.operations.intend(null, "add-member", { groupId: "g-1", principalId: "p-alice" });
      assert.equal(added.id, 5);
      assert.deepEqual(added.target, { groupId: "g-1", principalId: "p-alice" });
      assert.throws(
        () => upgraded.db.prepare("UPDATE operations SET kind = 'grow' WHERE id = ?").run(added.id),
        /CHECK constraint failed/,
        "the kind is still checked",
      );
      assert.deepEqual(upgraded.db.pragma("foreign_key_check"), []);
    } finally {
      await upgraded.close();
    }
  });
});
