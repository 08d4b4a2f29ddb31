// The one protocol for changing AWS access through the operation log, and the use cases that go
// through it (provision, revoke, reconcile), with every port in memory: what a crash left in the
// log (succeeded, started, intended, failed, nothing) decides what happens next.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { ensureAssigned, ensureRemoved, NO_ANSWER_RECORDED, settle } from "../../src/services/assignment-operations.js";
import type { AssignmentTarget } from "../../src/services/ports.js";
import { provisionGrant } from "../../src/services/provision.js";
import { reconcile } from "../../src/services/reconcile.js";
import { revokeGrant } from "../../src/services/revoke.js";
import {
  activeGrant,
  ALICE_TARGET,
  approvedGrant,
  MEMORY_POLICY,
  memoryWorld,
  outage,
  refusal,
  type MemoryWorld,
} from "../support/memory-ports.js";
import { HOUR, newGrant, PROD } from "../support/store-fixtures.js";

const GROUP: AssignmentTarget = {
  accountId: PROD,
  permissionSetName: "AdministratorAccess",
  principalId: "g-oncall",
  principalType: "GROUP",
};

let world: MemoryWorld;
beforeEach(() => {
  world = memoryWorld();
});

function states(): string[] {
  return world.operations.rows.map((row) => `${row.kind}:${row.state}`);
}

describe("ensureAssigned", () => {
  it("writes the intent before calling AWS, then the request id, then the outcome", async () => {
    const outcome = await ensureAssigned(world.deps, "g1", ALICE_TARGET);
    assert.deepEqual(outcome, { kind: "changed", requestId: "req-1" });
    assert.deepEqual(
      world.operations.rows.map((row) => [row.state, row.requestId]),
      [["succeeded", "req-1"]],
    );
    assert.ok(world.provider.holds(ALICE_TARGET));
  });

  it("calls AWS for nothing when the log says the creation succeeded", async () => {
    const done = await world.operations.leftBehind("g1", "create", ALICE_TARGET, "req-earlier");
    await world.operations.finished(done.id, "succeeded");
    assert.deepEqual(await ensureAssigned(world.deps, "g1", ALICE_TARGET), { kind: "changed", requestId: "req-earlier" });
    assert.deepEqual(world.provider.calls, []);
  });

  it("follows a creation AWS accepted before a crash by its request id instead of starting another", async () => {
    const requestId = world.provider.acceptChange("create", ALICE_TARGET);
    await world.operations.leftBehind("g1", "create", ALICE_TARGET, requestId);
    assert.deepEqual(await ensureAssigned(world.deps, "g1", ALICE_TARGET), { kind: "changed", requestId });
    assert.deepEqual(world.provider.callsTo("startCreate"), []);
    assert.deepEqual(states(), ["create:succeeded"]);
  });

  it("marks a creation whose answer was lost abandoned, and finds the assignment AWS made for it", async () => {
    await world.operations.leftBehind("g1", "create", ALICE_TARGET);
    world.provider.hold(ALICE_TARGET);
    assert.deepEqual(await ensureAssigned(world.deps, "g1", ALICE_TARGET), { kind: "already" });
    assert.equal(world.operations.rows[0]?.failureReason, NO_ANSWER_RECORDED);
    assert.deepEqual(states(), ["create:abandoned"]);
    assert.deepEqual(world.provider.callsTo("startCreate"), []);
  });

  it("marks a creation whose answer was lost abandoned, and creates anew when AWS has nothing", async () => {
    await world.operations.leftBehind("g1", "create", ALICE_TARGET);
    assert.equal((await ensureAssigned(world.deps, "g1", ALICE_TARGET)).kind, "changed");
    assert.deepEqual(states(), ["create:abandoned", "create:succeeded"]);
  });

  it("starts afresh after a creation that failed", async () => {
    const failed = await world.operations.leftBehind("g1", "create", ALICE_TARGET, "req-failed");
    await world.operations.finished(failed.id, "failed", "throttled");
    assert.equal((await ensureAssigned(world.deps, "g1", ALICE_TARGET)).kind, "changed");
    assert.deepEqual(states(), ["create:failed", "create:succeeded"]);
  });

  it("writes nothing and creates nothing when the user already holds the assignment", async () => {
    assert.deepEqual(await ensureAssigned(world.deps, "g1", ALICE_TARGET, { knownToExist: true }), { kind: "already" });
    assert.deepEqual(world.operations.rows, []);
    assert.deepEqual(world.provider.calls, []);
  });

  it("holds the change back, writing nothing, when the caller says not to start", async () => {
    const outcome = await ensureAssigned(world.deps, "g1", ALICE_TARGET, { beforeStart: async () => false });
    assert.deepEqual(outcome, { kind: "held" });
    assert.deepEqual(world.operations.rows, []);
    assert.deepEqual(world.provider.callsTo("startCreate"), []);
  });

  it("records a definite refusal as failed and returns AWS's words", async () => {
    world.provider.failNext("startCreate", refusal());
    const outcome = await ensureAssigned(world.deps, "g1", ALICE_TARGET);
    assert.deepEqual(outcome, {
      kind: "failed",
      reason: "not authorized to change this assignment",
      message: "not authorized to change this assignment",
      code: "AccessDeniedException",
      requestId: null,
    });
    assert.deepEqual(states(), ["create:failed"]);
  });

  it("rethrows an outage at the start with the intent left open, and the next attempt abandons it and tries again", async () => {
    world.provider.failNext("startCreate", outage());
    await assert.rejects(ensureAssigned(world.deps, "g1", ALICE_TARGET), /did not answer/);
    assert.deepEqual(states(), ["create:intended"]);
    assert.equal((await ensureAssigned(world.deps, "g1", ALICE_TARGET)).kind, "changed");
    assert.deepEqual(states(), ["create:abandoned", "create:succeeded"]);
  });

  it("leaves a started creation as it is while AWS cannot say how it went", async () => {
    world.provider.failNext("awaitOperation", outage());
    await assert.rejects(ensureAssigned(world.deps, "g1", ALICE_TARGET));
    assert.deepEqual(states(), ["create:started"]);
    assert.deepEqual(await ensureAssigned(world.deps, "g1", ALICE_TARGET), { kind: "changed", requestId: "req-1" });
    assert.equal(world.provider.callsTo("startCreate").length, 1);
  });

  it("records a creation AWS reports failed, worded for people", async () => {
    world.provider.failNext("awaitOperation", { ok: false, reason: "ConflictException" });
    const outcome = await ensureAssigned(world.deps, "g1", ALICE_TARGET);
    assert.equal(outcome.kind, "failed");
    assert.equal(outcome.kind === "failed" && outcome.message, "AWS could not create the assignment: ConflictException");
    assert.equal(outcome.kind === "failed" && outcome.requestId, "req-1");
    assert.deepEqual(states(), ["create:failed"]);
  });
});

describe("ensureRemoved", () => {
  it("records an assignment already gone as absent", async () => {
    assert.deepEqual(await ensureRemoved(world.deps, "g1", ALICE_TARGET), { kind: "already" });
    assert.deepEqual(states(), ["delete:absent"]);
  });

  it("deletes the assignment and records the request id", async () => {
    world.provider.hold(ALICE_TARGET);
    assert.deepEqual(await ensureRemoved(world.deps, "g1", ALICE_TARGET), { kind: "changed", requestId: "req-1" });
    assert.equal(world.provider.holds(ALICE_TARGET), false);
    assert.deepEqual(states(), ["delete:succeeded"]);
  });

  it("calls AWS for nothing when the log says the deletion succeeded or found nothing", async () => {
    const done = await world.operations.leftBehind("g1", "delete", ALICE_TARGET, "req-earlier");
    await world.operations.finished(done.id, "succeeded");
    assert.deepEqual(await ensureRemoved(world.deps, "g1", ALICE_TARGET), { kind: "changed", requestId: "req-earlier" });
    const gone = await world.operations.leftBehind("g2", "delete", ALICE_TARGET);
    await world.operations.finished(gone.id, "absent");
    assert.deepEqual(await ensureRemoved(world.deps, "g2", ALICE_TARGET), { kind: "already" });
    assert.deepEqual(world.provider.calls, []);
  });

  it("follows a deletion AWS accepted before a crash instead of repeating it", async () => {
    world.provider.hold(ALICE_TARGET);
    const requestId = world.provider.acceptChange("delete", ALICE_TARGET);
    await world.operations.leftBehind("g1", "delete", ALICE_TARGET, requestId);
    assert.deepEqual(await ensureRemoved(world.deps, "g1", ALICE_TARGET), { kind: "changed", requestId });
    assert.deepEqual(world.provider.callsTo("startDelete"), []);
  });

  it("deletes again after a deletion whose answer was lost", async () => {
    world.provider.hold(ALICE_TARGET);
    await world.operations.leftBehind("g1", "delete", ALICE_TARGET);
    assert.equal((await ensureRemoved(world.deps, "g1", ALICE_TARGET)).kind, "changed");
    assert.deepEqual(states(), ["delete:abandoned", "delete:succeeded"]);
  });

  it("continues only an unfinished removal of access no grant owns: that access can come back", async () => {
    world.provider.hold(GROUP);
    assert.equal((await ensureRemoved(world.deps, null, GROUP)).kind, "changed");
    world.provider.hold(GROUP);
    assert.equal((await ensureRemoved(world.deps, null, GROUP)).kind, "changed");
    assert.equal(world.provider.holds(GROUP), false);
    assert.deepEqual(
      world.operations.rows.map((row) => [row.grantId, row.state, "principalType" in row.target ? row.target.principalType : undefined]),
      [
        [null, "succeeded", "GROUP"],
        [null, "succeeded", "GROUP"],
      ],
    );
  });
});

describe("settle", () => {
  it("follows an accepted change to its end once, and reports nothing when it was already recorded", async () => {
    const requestId = world.provider.acceptChange("create", ALICE_TARGET);
    const operation = await world.operations.leftBehind("g1", "create", ALICE_TARGET, requestId);
    assert.deepEqual(await settle(world.deps, operation), { kind: "changed", requestId });
    assert.equal(await settle(world.deps, operation), undefined, "another settle of the same change records nothing");
  });

  it("marks a change whose answer was lost abandoned, without calling AWS", async () => {
    const operation = await world.operations.leftBehind("g1", "delete", ALICE_TARGET);
    assert.equal(await settle(world.deps, operation), undefined);
    assert.deepEqual(states(), ["delete:abandoned"]);
    assert.deepEqual(world.provider.calls, []);
  });
});

describe("provisioning through the operation log", () => {
  it("activates an approved grant with the request id of its creation", async () => {
    await approvedGrant(world, newGrant("g1"));
    const grant = await provisionGrant(world.deps, "g1");
    assert.equal(grant?.status, "active");
    const provisioned = world.store.actions("g1").find((note) => note.action === "provisioned");
    assert.equal(provisioned?.detail?.awsRequestId, "req-1");
  });

  it("resumes a grant left provisioning with its creation started, without creating again", async () => {
    await approvedGrant(world, newGrant("g1"));
    await world.store.transition("g1", "approved", "provisioning", { principalId: ALICE_TARGET.principalId }, null);
    const requestId = world.provider.acceptChange("create", ALICE_TARGET);
    await world.operations.leftBehind("g1", "create", ALICE_TARGET, requestId);
    assert.equal((await provisionGrant(world.deps, "g1"))?.status, "active");
    assert.deepEqual(world.provider.callsTo("startCreate"), []);
    assert.equal(world.store.actions("g1").find((note) => note.action === "provisioned")?.detail?.awsRequestId, requestId);
  });

  it("fails a grant whose creation AWS refuses, with AWS's words", async () => {
    await approvedGrant(world, newGrant("g1"));
    world.provider.failNext("startCreate", refusal());
    const grant = await provisionGrant(world.deps, "g1");
    assert.equal(grant?.status, "failed");
    assert.equal(grant?.failureReason, "not authorized to change this assignment");
  });

  it("stops instead of creating an assignment for a grant past its activation timeout", async () => {
    await approvedGrant(world, newGrant("g1"));
    await world.store.transition("g1", "approved", "provisioning", { principalId: ALICE_TARGET.principalId }, null);
    await world.operations.leftBehind("g1", "create", ALICE_TARGET);
    world.clock.advance(2 * HOUR);
    const grant = await provisionGrant(world.deps, "g1");
    assert.equal(grant?.status, "revoked");
    assert.deepEqual(world.provider.callsTo("startCreate"), []);
    assert.deepEqual(states(), ["create:abandoned", "delete:absent"]);
  });
});

describe("revocation through the operation log", () => {
  it("resumes a revocation whose deletion AWS accepted before a crash", async () => {
    await activeGrant(world, newGrant("g1"));
    await world.store.transition("g1", "active", "revoking", {}, null);
    const requestId = world.provider.acceptChange("delete", ALICE_TARGET);
    await world.operations.leftBehind("g1", "delete", ALICE_TARGET, requestId);
    const grant = await revokeGrant(world.deps, "g1", "system", "expired");
    assert.equal(grant?.status, "revoked");
    assert.deepEqual(world.provider.callsTo("startDelete"), []);
    assert.equal(world.store.actions("g1").find((note) => note.action === "revoked")?.detail?.awsRequestId, requestId);
  });

  it("keeps a grant revoking, audited as a retry, when AWS reports the deletion failed", async () => {
    await activeGrant(world, newGrant("g1"));
    world.provider.failNext("awaitOperation", { ok: false, reason: "ConflictException" });
    const grant = await revokeGrant(world.deps, "g1", "system", "expired");
    assert.equal(grant?.status, "revoking");
    const retry = world.store.actions("g1").find((note) => note.action === "revocation_retry");
    assert.deepEqual(
      [retry?.detail?.error, retry?.detail?.code],
      ["AWS could not delete the assignment: ConflictException", "DeletionFailed"],
    );
    assert.equal((await revokeGrant(world.deps, "g1", "system", "expired"))?.status, "revoked", "the next attempt deletes anew");
  });
});

describe("reconciliation through the operation log", () => {
  const enforcing = { ...MEMORY_POLICY, unmanagedAssignments: "enforce" as const };

  it("removes unmanaged access through the operation log, as an operation of no grant", async () => {
    world = memoryWorld({ policy: enforcing });
    world.provider.hold(GROUP);
    await reconcile(world.deps, { dryRun: false });
    assert.equal(world.provider.holds(GROUP), false);
    assert.deepEqual(
      world.operations.rows.map((row) => [row.grantId, row.kind, row.state, row.target]),
      [[null, "delete", "succeeded", GROUP]],
    );
  });

  it("resumes the removal of unmanaged access a crash interrupted between start and finish, and audits it", async () => {
    world = memoryWorld({ policy: enforcing });
    world.provider.hold(GROUP);
    world.provider.failNext("awaitOperation", outage());
    await reconcile(world.deps, { dryRun: false });
    assert.deepEqual(states(), ["delete:started"], "the deletion AWS accepted is in the log before its outcome");
    assert.deepEqual(world.store.actions(""), []);

    // AWS carries out the deletion while nobody is listening; the next run follows it up.
    await world.provider.awaitOperation("delete", "req-1");
    await reconcile(world.deps, { dryRun: false });
    assert.deepEqual(states(), ["delete:succeeded"]);
    const removed = world.store.actions("").filter((note) => note.action === "unmanaged_removed");
    assert.deepEqual(
      removed.map((note) => note.detail),
      [{ principalType: "GROUP", principalId: "g-oncall", removed: true, awsRequestId: "req-1", error: null }],
    );
  });

  it("resumes an orphan's removal a crash interrupted, and audits it on the grant", async () => {
    await activeGrant(world, newGrant("g1"));
    await world.store.transition("g1", "active", "revoking", {}, null);
    await world.store.transition("g1", "revoking", "revoked", {}, null);
    world.provider.failNext("awaitOperation", outage());
    await reconcile(world.deps, { dryRun: false });
    assert.deepEqual(states(), ["create:succeeded", "delete:started"]);

    await reconcile(world.deps, { dryRun: false });
    assert.deepEqual(states(), ["create:succeeded", "delete:succeeded"]);
    assert.equal(world.provider.holds(ALICE_TARGET), false);
    const removed = world.store.actions("g1").filter((note) => note.action === "orphan_removed");
    assert.deepEqual(
      removed.map((note) => [note.detail?.removed, note.detail?.awsRequestId]),
      [[true, "req-1"]],
    );
  });

  it("leaves a change of a grant still being worked on to that grant's own resumption", async () => {
    await activeGrant(world, newGrant("g1"));
    await world.store.transition("g1", "active", "revoking", {}, null);
    const requestId = world.provider.acceptChange("delete", ALICE_TARGET);
    await world.operations.leftBehind("g1", "delete", ALICE_TARGET, requestId);
    await reconcile(world.deps, { dryRun: false });
    assert.deepEqual(states(), ["create:succeeded", "delete:started"]);
    assert.deepEqual(world.provider.callsTo("awaitOperation"), []);
  });
});
