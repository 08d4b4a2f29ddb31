// The pure decision on one approval or denial: every outcome, who may decide, quorum edges, and a
// decision on a request that is already closed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decideApproval, recordsApproval, tallyOf, type ApprovalCase, type Decision } from "../../src/domain/approval.js";
import type { Person } from "../../src/domain/people.js";

const bob: Person = { slackId: "U0BOB", email: "bob@example.com", standing: "member" };
const carol: Person = { slackId: "U0CAROL", email: "carol@example.com", standing: "member" };
const alice: Person = { slackId: "U0ALICE", email: "alice@example.com", standing: "member" };
const mallory: Person = { slackId: "U0MALLORY", email: "mallory@example.com", standing: "member" };

const approvers = [
  { kind: "slack-user", id: bob.slackId },
  { kind: "slack-user", id: carol.slackId },
  { kind: "slack-user", id: alice.slackId },
] as const;

function request(overrides: Partial<ApprovalCase> & { quorum?: number; selfApproval?: boolean } = {}): ApprovalCase {
  const { quorum = 1, selfApproval = false, ...rest } = overrides;
  return {
    subject: "request",
    rule: { name: "prod-admin", approvers, allowSelfApproval: selfApproval, approvalsRequired: quorum },
    requesterId: alice.slackId,
    pending: true,
    approvers: [],
    ...rest,
  };
}

const by = (decider: Person, decision: Decision = "approve") => ({ decider, decision });

describe("decideApproval", () => {
  it("approves a request needing one approval at the first approval, audited as approved", () => {
    assert.deepEqual(decideApproval(request(), by(bob)), { kind: "approved", approvals: 1, required: 1, audit: "approved" });
  });

  it("counts an approval short of the quorum, audited as approval_recorded", () => {
    assert.deepEqual(decideApproval(request({ quorum: 2 }), by(bob)), {
      kind: "counted",
      approvals: 1,
      required: 2,
      audit: "approval_recorded",
    });
  });

  it("approves at the approval that reaches the quorum", () => {
    assert.equal(decideApproval(request({ quorum: 3, approvers: [bob.slackId] }), by(carol)).kind, "counted");
    assert.deepEqual(decideApproval(request({ quorum: 2, approvers: [bob.slackId] }), by(carol)), {
      kind: "approved",
      approvals: 2,
      required: 2,
      audit: "approved",
    });
  });

  it("counts an approver once: a second approval by the same person is a duplicate that records nothing", () => {
    const outcome = decideApproval(request({ quorum: 2, approvers: [bob.slackId] }), by(bob));
    assert.deepEqual(outcome, { kind: "duplicate", approvals: 1, required: 2, audit: null });
    assert.equal(recordsApproval(outcome), false);
  });

  it("keeps a repeated approval a duplicate even when the approvers on record already meet a lowered quorum", () => {
    assert.equal(decideApproval(request({ quorum: 1, approvers: [bob.slackId, carol.slackId] }), by(bob)).kind, "duplicate");
  });

  it("approves when the approvers on record already meet the quorum and a new one approves", () => {
    assert.deepEqual(decideApproval(request({ quorum: 1, approvers: [bob.slackId] }), by(carol)), {
      kind: "approved",
      approvals: 2,
      required: 1,
      audit: "approved",
    });
  });

  it("denies at once, whatever the approvals so far, audited as denied", () => {
    assert.deepEqual(decideApproval(request({ quorum: 3, approvers: [bob.slackId, carol.slackId] }), by(carol, "deny")), {
      kind: "denied",
      audit: "denied",
    });
  });

  it("refuses an approval by the requester", () => {
    assert.deepEqual(decideApproval(request(), by(alice)), {
      kind: "refused",
      reason: "not-allowed",
      problem: "You cannot approve or deny your own request.",
      audit: null,
    });
  });

  it("refuses a denial by the requester too", () => {
    assert.equal(decideApproval(request(), by(alice, "deny")).kind, "refused");
  });

  it("lets the requester approve their own request where the rule allows self-approval", () => {
    assert.equal(decideApproval(request({ selfApproval: true }), by(alice)).kind, "approved");
  });

  it("refuses someone the rule does not name as an approver", () => {
    assert.deepEqual(decideApproval(request(), by(mallory)), {
      kind: "refused",
      reason: "not-allowed",
      problem: 'You are not an approver for rule "prod-admin".',
      audit: null,
    });
  });

  it("refuses a named approver whose Slack account is deactivated", () => {
    const outcome = decideApproval(request(), by({ ...bob, standing: "deactivated" }));
    assert.equal(outcome.kind, "refused");
    assert.match(outcome.kind === "refused" && outcome.reason === "not-allowed" ? outcome.problem : "", /is deactivated in Slack/);
  });

  it("refuses any decision on a closed request, before asking who decides", () => {
    for (const decider of [bob, mallory, alice]) {
      for (const decision of ["approve", "deny"] as const) {
        assert.deepEqual(decideApproval(request({ pending: false, approvers: [carol.slackId] }), by(decider, decision)), {
          kind: "refused",
          reason: "closed",
          audit: null,
        });
      }
    }
  });

  it("audits an extension's counted approval and denial under extension names, and its last approval not at all (its time being added is)", () => {
    const extension = (overrides: Partial<ApprovalCase> = {}) => ({
      ...request({ quorum: 2 }),
      subject: "extension" as const,
      ...overrides,
    });
    assert.equal(decideApproval(extension(), by(bob)).audit, "approval_recorded");
    assert.deepEqual(decideApproval(extension({ approvers: [carol.slackId] }), by(bob)), {
      kind: "approved",
      approvals: 2,
      required: 2,
      audit: null,
    });
    assert.deepEqual(decideApproval(extension(), by(bob, "deny")), { kind: "denied", audit: "extension_denied" });
  });

  it("says which outcomes add the approver, and the tally they audit", () => {
    const counted = decideApproval(request({ quorum: 2 }), by(bob));
    const approved = decideApproval(request(), by(bob));
    const denied = decideApproval(request(), by(bob, "deny"));
    assert.deepEqual([recordsApproval(counted), recordsApproval(approved), recordsApproval(denied)], [true, true, false]);
    assert.deepEqual(
      [tallyOf(counted), tallyOf(approved), tallyOf(denied)],
      [{ approvals: 1, required: 2 }, { approvals: 1, required: 1 }, {}],
    );
  });
});
