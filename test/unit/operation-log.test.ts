// The operation log on the engine this leg of the suite runs (PostgreSQL with JIT_TEST_DATABASE_URL,
// SQLite otherwise): operations of no grant, whose principal they changed, which are unfinished,
// and an outcome recorded once. A SQLite database from before migration 010 keeps its operations.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { AssignmentTarget } from "../../src/services/ports.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { UNATTACHED_OPERATIONS } from "../../src/store/sqlite/migrations/010-unattached-operations.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.js";
import { openPostgresBackend } from "../../src/store/postgres/postgres-backend.js";
import { openSqliteBackend } from "../../src/store/sqlite/sqlite-backend.js";
import { FakeClock, newGrant, PROD, requested, T0 } from "../support/store-fixtures.js";
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from "../support/test-database.js";

const alice: AssignmentTarget = { accountId: PROD, permissionSetName: "AdministratorAccess", principalId: "p-alice" };
const oncall: AssignmentTarget = {
  accountId: PROD,
  permissionSetName: "AdministratorAccess",
  principalId: "g-oncall",
  principalType: "GROUP",
};

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
});

describe("the SQLite migration to operations of no grant", () => {
  const dir = mkdtempSync(join(tmpdir(), "jit-operation-upgrade-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every operation a database from before it recorded, as a user's, and then takes operations of no grant", async () => {
    const file = join(dir, "jit.sqlite");
    // A database at the version before, holding a grant and its creation as that version wrote them.
    const old = new Database(file);
    const before = MIGRATIONS.indexOf(UNATTACHED_OPERATIONS);
    for (const migration of MIGRATIONS.slice(0, before)) {
      if (typeof migration === "string") old.exec(migration);
      else migration(old);
    }
    old.pragma(`user_version = ${before}`);
    old
      .prepare(
        `INSERT INTO grants (id, requester_id, requester_team_id, account_id, permission_set, duration_ms, justification,
         rule_name, status, created_at, updated_at)
       VALUES ('g-old', 'U0ALICE', 'T0TEAM', ?, 'AdministratorAccess', 3600000, 'old', 'prod-admin', 'revoked', ?, ?)`,
      )
      .run(PROD, T0, T0);
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
