// The one decision flow for requests and extensions, on in-memory ports: what each decision puts on
// record before the click is answered, and what it refuses with nothing written.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Conflict, PolicyDenied } from "../../src/domain/errors.js";
import type { Person } from "../../src/domain/people.js";
import type { Policy } from "../../src/domain/policy.js";
import { checkDecidable, recordDecision } from "../../src/services/decide.js";
import { recordExtensionDecision } from "../../src/services/extend.js";
import { type MemoryWorld, memoryWorld, storedExtension } from "../support/memory-ports.js";
import { fullRule, FENCE_OFF } from "../support/rules.js";
import { HOUR, newGrant, PROD, storedGrant, T0 } from "../support/store-fixtures.js";

const alice: Person = { slackId: "U0ALICE", email: "alice@example.com", standing: "member" };
const bob: Person = { slackId: "U0BOB", email: "bob@example.com", standing: "member" };
const carol: Person = { slackId: "U0CAROL", email: "carol@example.com", standing: "member" };
const mallory: Person = { slackId: "U0MALLORY", email: "mallory@example.com", standing: "member" };

function policy(approvalsRequired: number): Policy {
  const rule = fullRule({
    name: "prod-admin",
    accountIds: [PROD],
    permissionSets: ["AdministratorAccess"],
    requesters: [{ kind: "slack-user", id: alice.slackId }],
    approvers: [
      { kind: "slack-user", id: bob.slackId },
      { kind: "slack-user", id: carol.slackId },
      { kind: "slack-user", id: alice.slackId },
    ],
    approverChannel: "C0APPROVERS",
    approvalsRequired,
    maxDurationMs: 4 * HOUR,
  });
  return {
    unmanagedAssignments: "ignore",
    sessionFence: FENCE_OFF,
    sharedAddressPatterns: [],
    admins: [],
    accounts: [{ id: PROD, name: "Production" }],
    permissionSets: ["AdministratorAccess"],
    rules: [rule],
  };
}

/** A pending request by alice under a rule needing `quorum` approvals. */
function pendingRequest(quorum: number): MemoryWorld {
  const world = memoryWorld({ policy: policy(quorum), people: [alice, bob, carol, mallory], now: T0 + 1000 });
  world.store.grants.set("g1", storedGrant(newGrant("g1")));
  return world;
}

/** An active grant of alice's, with a pending extension of one hour. */
function pendingExtension(quorum: number): MemoryWorld {
  const world = memoryWorld({ policy: policy(quorum), people: [alice, bob, carol, mallory], now: T0 + 1000 });
  world.store.grants.set("g1", { ...storedGrant(newGrant("g1")), status: "active", activatedAt: T0, expiresAt: T0 + HOUR });
  world.extensions.rows.set(
    "x1",
    storedExtension({ id: "x1", grantId: "g1", requesterId: alice.slackId, extraMs: HOUR, createdAt: T0 + 500 }),
  );
  return world;
}

const approve = (deciderId: string) => ({ grantId: "g1", deciderId, decision: "approve" as const });
const approveExtension = (deciderId: string) => ({ extensionId: "x1", deciderId, decision: "approve" as const });

describe("the decision flow on requests", () => {
  it("records an approval short of the quorum, and its follow-up updates the approvers' message", async () => {
    const world = pendingRequest(2);
    const result = await (await recordDecision(world.deps, approve(bob.slackId)))();
    assert.deepEqual([result.pending, result.approvals, result.required], [true, 1, 2]);
    assert.deepEqual(await world.store.approversOf("g1"), [bob.slackId]);
    assert.deepEqual(world.store.actionsOf("g1"), ["approval_recorded"]);
    assert.deepEqual(world.notifier.sent, ["approval-message g1"]);
  });

  it("approves at the last approval needed, on record before the follow-up runs", async () => {
    const world = pendingRequest(2);
    await (await recordDecision(world.deps, approve(bob.slackId)))();
    await recordDecision(world.deps, approve(carol.slackId));
    const grant = world.store.grants.get("g1");
    assert.deepEqual([grant?.status, grant?.decidedBy, grant?.decidedAt], ["approved", carol.slackId, T0 + 1000]);
    assert.deepEqual(world.store.actionsOf("g1"), ["approval_recorded", "approved"]);
    assert.deepEqual(world.store.audit.at(-1)?.note.detail, { deciderEmail: carol.email, approvals: 2, required: 2 });
  });

  it("approves exactly once when two approvers approve at once", async () => {
    const world = pendingRequest(1);
    const deps = world.deps;
    const results = await Promise.allSettled([recordDecision(deps, approve(bob.slackId)), recordDecision(deps, approve(carol.slackId))]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    const refused = results.find((r) => r.status === "rejected");
    assert.ok(refused?.status === "rejected" && refused.reason instanceof Conflict);
    assert.deepEqual(world.store.actionsOf("g1"), ["approved"]);
    assert.equal((await world.store.approversOf("g1")).length, 1);
  });

  it("counts a double click once and tells the second click how many approvals are still needed", async () => {
    const world = pendingRequest(3);
    const deps = world.deps;
    const results = await Promise.allSettled([recordDecision(deps, approve(bob.slackId)), recordDecision(deps, approve(bob.slackId))]);
    const refused = results.find((r) => r.status === "rejected");
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    assert.match(refused?.status === "rejected" ? String(refused.reason.message) : "", /already approved g1; it needs 2 more approval/);
    assert.deepEqual(await world.store.approversOf("g1"), [bob.slackId]);
    assert.deepEqual(world.store.actionsOf("g1"), ["approval_recorded"]);
  });

  it("denies with the reason made one line, and its follow-up tells the approvers' message and the requester", async () => {
    const world = pendingRequest(2);
    const result = await (await recordDecision(world.deps, { ...approve(carol.slackId), decision: "deny", reason: "  not\n now  " }))();
    assert.deepEqual([result.pending, result.approvals], [false, 0]);
    assert.deepEqual([world.store.grants.get("g1")?.status, world.store.grants.get("g1")?.decisionReason], ["denied", "not now"]);
    assert.deepEqual(world.store.actionsOf("g1"), ["denied"]);
    assert.deepEqual(world.notifier.sent, ["approval-message g1", "requester g1"]);
  });

  it("refuses the requester's own approval, audits the refusal and records nothing else", async () => {
    const world = pendingRequest(1);
    await assert.rejects(recordDecision(world.deps, approve(alice.slackId)), (error: unknown) => error instanceof PolicyDenied);
    assert.equal(world.store.grants.get("g1")?.status, "pending");
    assert.deepEqual(await world.store.approversOf("g1"), []);
    assert.deepEqual(world.store.actionsOf("g1"), ["refused"]);
  });

  it("refuses a decision on a request already decided, with nothing written", async () => {
    const world = pendingRequest(1);
    await recordDecision(world.deps, approve(bob.slackId));
    await assert.rejects(recordDecision(world.deps, { ...approve(carol.slackId), decision: "deny" }), {
      message: "Request g1 has already been approved; nothing was changed.",
    });
    assert.deepEqual(world.store.actionsOf("g1"), ["approved"]);
  });

  it("closes the request as failed instead of approving it when its requester was deactivated since asking", async () => {
    const world = pendingRequest(1);
    world.people.set(alice.slackId, { ...alice, standing: "deactivated" });
    const followUp = await recordDecision(world.deps, approve(bob.slackId));
    assert.equal(world.store.grants.get("g1")?.status, "failed");
    assert.deepEqual(await world.store.approversOf("g1"), []);
    await assert.rejects(followUp(), /g1 was not approved and is now closed: the requester's Slack account is deactivated/);
  });

  it("expires a request past its approval timeout instead of deciding it", async () => {
    const world = pendingRequest(1);
    world.clock.time = T0 + 2 * HOUR;
    const followUp = await recordDecision(world.deps, approve(bob.slackId));
    assert.equal(world.store.grants.get("g1")?.status, "expired");
    await assert.rejects(followUp(), /expired: nobody decided within 1h/);
  });

  it("checks a denial without deciding anything, refusing someone who may not deny", async () => {
    const world = pendingRequest(1);
    assert.equal((await (await checkDecidable(world.deps, "g1", bob.slackId))()).status, "pending");
    await assert.rejects(checkDecidable(world.deps, "g1", mallory.slackId), PolicyDenied);
    assert.deepEqual(world.store.actionsOf("g1"), ["refused"]);
    assert.equal(world.store.grants.get("g1")?.status, "pending");
  });
});

describe("the decision flow on extensions", () => {
  it("counts, then approves at the quorum and adds the time, audited on the grant", async () => {
    const world = pendingExtension(2);
    const counted = await (await recordExtensionDecision(world.deps, approveExtension(bob.slackId)))();
    assert.deepEqual([counted.pending, counted.approvals, counted.required], [true, 1, 2]);
    const followUp = await recordExtensionDecision(world.deps, approveExtension(carol.slackId));
    assert.equal(world.store.grants.get("g1")?.expiresAt, T0 + 2 * HOUR);
    const approved = await followUp();
    assert.deepEqual([approved.subject.status, approved.subject.decidedBy, approved.pending], ["approved", carol.slackId, false]);
    assert.deepEqual(world.store.actionsOf("g1"), ["approval_recorded", "extended"]);
    assert.deepEqual(world.notifier.sent, ["extension-applied x1", "approval-message g1"]);
  });

  it("approves exactly once when two approvers approve at once", async () => {
    const world = pendingExtension(1);
    const deps = world.deps;
    const results = await Promise.allSettled([
      recordExtensionDecision(deps, approveExtension(bob.slackId)),
      recordExtensionDecision(deps, approveExtension(carol.slackId)),
    ]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    assert.equal(world.store.grants.get("g1")?.expiresAt, T0 + 2 * HOUR);
    assert.deepEqual(world.store.actionsOf("g1"), ["extended"]);
  });

  it("refuses a second approval by the same approver", async () => {
    const world = pendingExtension(2);
    await recordExtensionDecision(world.deps, approveExtension(bob.slackId));
    await assert.rejects(recordExtensionDecision(world.deps, approveExtension(bob.slackId)), {
      message: "You have already approved extension x1.",
    });
    assert.deepEqual(await world.store.approversOf("x1"), [bob.slackId]);
  });

  it("denies an extension, audited as extension_denied, and tells the requester", async () => {
    const world = pendingExtension(2);
    await (await recordExtensionDecision(world.deps, { ...approveExtension(bob.slackId), decision: "deny" }))();
    assert.equal(world.extensions.rows.get("x1")?.status, "denied");
    assert.deepEqual(world.store.actionsOf("g1"), ["extension_denied"]);
    assert.deepEqual(world.notifier.sent, ["extension-closed x1"]);
  });

  it("refuses the approval of an extension whose requester was deactivated, leaving it pending", async () => {
    const world = pendingExtension(1);
    world.people.set(alice.slackId, { ...alice, standing: "deactivated" });
    await assert.rejects(recordExtensionDecision(world.deps, approveExtension(bob.slackId)), /This extension of g1 cannot be approved/);
    assert.equal(world.extensions.rows.get("x1")?.status, "pending");
    assert.equal(world.store.grants.get("g1")?.expiresAt, T0 + HOUR);
  });

  it("refuses the extension's requester deciding it", async () => {
    const world = pendingExtension(1);
    await assert.rejects(recordExtensionDecision(world.deps, approveExtension(alice.slackId)), PolicyDenied);
    assert.deepEqual(world.store.actionsOf("g1"), ["refused"]);
  });
});
