// The pure parts of escalation, reminders and silent approvers: when each is due, who may decide
// before and after an escalation, and the policy keys that configure them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escalationDue, NO_NUDGES, reminderDue } from "../../src/domain/approval-nudges.js";
import { decideApproval, type ApprovalCase } from "../../src/domain/approval.js";
import { parsePolicy } from "../../src/config/policy-file.js";
import { ConfigError } from "../../src/config/problems.js";
import type { Person } from "../../src/domain/people.js";
import { approverGroupKey } from "../../src/domain/request-bundle.js";
import { fullRule } from "../support/rules.js";

const MINUTE = 60_000;
const person = (slackId: string): Person => ({ slackId, email: `${slackId.toLowerCase()}@example.com`, standing: "member" });
const [alice, bob, carol, dave, mallory] = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0MALLORY"].map(person) as [
  Person,
  Person,
  Person,
  Person,
  Person,
];

const rule = fullRule({
  name: "prod",
  accountIds: ["111122223333"],
  permissionSets: ["AdministratorAccess"],
  requesters: [{ kind: "slack-user", id: alice.slackId }],
  approvers: [{ kind: "slack-user", id: bob.slackId }],
  silentApprovers: [{ kind: "slack-user", id: carol.slackId }],
  escalation: { approvers: [{ kind: "email", email: "u0dave@example.com" }], channel: null, afterMs: 15 * MINUTE },
  remindEveryMs: 10 * MINUTE,
  approverChannel: "C0APPROVALS",
  maxDurationMs: 4 * 60 * MINUTE,
});

describe("when a pending request is escalated and reminded", () => {
  it("escalates once escalateAfter has passed, and never a second time", () => {
    assert.equal(escalationDue(rule, 0, NO_NUDGES, 15 * MINUTE - 1), false);
    assert.equal(escalationDue(rule, 0, NO_NUDGES, 15 * MINUTE), true);
    assert.equal(escalationDue(rule, 0, { escalatedAt: 15 * MINUTE, remindedAt: null }, 50 * MINUTE), false);
    assert.equal(escalationDue({ ...rule, escalation: null }, 0, NO_NUDGES, 50 * MINUTE), false, "a rule without escalateTo");
  });

  it("reminds every remindEvery from the request, then from the last reminder, and once after a long pause", () => {
    assert.equal(reminderDue(rule, 0, NO_NUDGES, 10 * MINUTE - 1), false);
    assert.equal(reminderDue(rule, 0, NO_NUDGES, 10 * MINUTE), true);
    const reminded = { escalatedAt: null, remindedAt: 10 * MINUTE };
    assert.equal(reminderDue(rule, 0, reminded, 19 * MINUTE), false);
    assert.equal(reminderDue(rule, 0, reminded, 20 * MINUTE), true);
    assert.equal(reminderDue({ ...rule, remindEveryMs: null }, 0, NO_NUDGES, 50 * MINUTE), false, "off by default");
  });
});

describe("who may decide an escalating rule's request", () => {
  const pending = (escalated: boolean): ApprovalCase => ({
    subject: "request",
    rule,
    requesterId: alice.slackId,
    pending: true,
    approvers: [],
    escalated,
  });

  it("lets the approvers and the silent approvers decide at any time", () => {
    assert.equal(decideApproval(pending(false), { decider: bob, decision: "approve" }).kind, "approved");
    assert.equal(decideApproval(pending(false), { decider: carol, decision: "approve" }).kind, "approved");
  });

  it("refuses the escalation's approvers until the request is escalated, then counts them", () => {
    const before = decideApproval(pending(false), { decider: dave, decision: "approve" });
    assert.deepEqual(before, {
      kind: "refused",
      reason: "not-allowed",
      problem: 'You are not an approver for rule "prod" until a request is escalated to you.',
      audit: null,
    });
    assert.equal(decideApproval(pending(true), { decider: dave, decision: "approve" }).kind, "approved");
    assert.equal(decideApproval(pending(true), { decider: dave, decision: "deny" }).kind, "denied");
  });

  it("refuses everyone else, escalated or not, and an escalation never lets the requester approve themselves", () => {
    for (const escalated of [false, true]) {
      assert.equal(decideApproval(pending(escalated), { decider: mallory, decision: "approve" }).kind, "refused");
    }
    const selfEscalation = {
      ...rule,
      escalation: { approvers: [{ kind: "slack-user", id: alice.slackId }] as const, channel: null, afterMs: MINUTE },
    };
    assert.equal(decideApproval({ ...pending(true), rule: selfEscalation }, { decider: alice, decision: "approve" }).kind, "refused");
  });

  it("puts rules that escalate or remind differently in different parts of a multi-target request", () => {
    const plain = { ...rule, silentApprovers: [], escalation: null, remindEveryMs: null };
    assert.notEqual(approverGroupKey(rule), approverGroupKey(plain));
    assert.notEqual(approverGroupKey(rule), approverGroupKey({ ...rule, remindEveryMs: 20 * MINUTE }));
    assert.equal(approverGroupKey(plain), approverGroupKey({ ...plain, silentApprovers: undefined, escalation: undefined }));
  });
});

const policyWith = (keys: string) => `
accounts: [{ id: "111122223333", name: prod }]
permissionSets: [AdministratorAccess]
rules:
  - name: prod
    accounts: [prod]
    permissionSets: [AdministratorAccess]
    requesters: [U0ALICE]
    approvers: [U0BOB]
    approverChannel: C0APPROVALS
    maxDuration: 2h
    approvalTimeout: 1h
${keys
  .trim()
  .split("\n")
  .map((line) => `    ${line}`)
  .join("\n")}
`;

function problemsOf(text: string): readonly string[] {
  try {
    parsePolicy(text, "test.yaml");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail("expected the policy to be refused");
}

describe("the policy keys", () => {
  it("reads escalateTo, escalateAfter, remindEvery and silentApprovers into the rule", () => {
    const [parsed] = parsePolicy(
      policyWith(`
escalateTo: { approvers: [usergroup:S0LEADS, lead@example.com], channel: C0ESCALATE }
escalateAfter: 15m
remindEvery: 20m
silentApprovers: [U0CAROL]`),
      "test.yaml",
    ).rules;
    assert.deepEqual(parsed?.escalation, {
      approvers: [
        { kind: "usergroup", id: "S0LEADS" },
        { kind: "email", email: "lead@example.com" },
      ],
      channel: "C0ESCALATE",
      afterMs: 15 * MINUTE,
    });
    assert.equal(parsed?.remindEveryMs, 20 * MINUTE);
    assert.deepEqual(parsed?.silentApprovers, [{ kind: "slack-user", id: "U0CAROL" }]);
  });

  it("leaves escalation and reminders off when the rule does not name them", () => {
    const [parsed] = parsePolicy(policyWith("notifyApprovers: false"), "test.yaml").rules;
    assert.equal(parsed?.escalation, null);
    assert.equal(parsed?.remindEveryMs, null);
    assert.deepEqual(parsed?.silentApprovers, []);
  });

  it("refuses escalateTo without escalateAfter and the other way round", () => {
    assert.match(problemsOf(policyWith("escalateTo: { approvers: [U0DAVE] }")).join("\n"), /escalateAfter: required with escalateTo/);
    assert.match(problemsOf(policyWith("escalateAfter: 15m")).join("\n"), /escalateTo: required with escalateAfter/);
  });

  it("refuses an escalation or reminder that would come after the request expires, and reminders more often than 5 minutes", () => {
    const late = problemsOf(policyWith("escalateTo: { approvers: [U0DAVE] }\nescalateAfter: 1h\nremindEvery: 2h")).join("\n");
    assert.match(late, /escalateAfter: must be shorter than approvalTimeout \(1h\)/);
    assert.match(late, /remindEvery: must be shorter than approvalTimeout \(1h\)/);
    assert.match(problemsOf(policyWith("remindEvery: 1m")).join("\n"), /remindEvery: must be at least 5m/);
    assert.match(problemsOf(policyWith("escalateTo: { approvers: [] }\nescalateAfter: 10m")).join("\n"), /at least one approver/);
  });

  it("counts silent approvers towards the approvers a quorum needs", () => {
    assert.doesNotThrow(() => parsePolicy(policyWith("approvalsRequired: 2\nsilentApprovers: [U0CAROL]"), "test.yaml"));
    assert.match(problemsOf(policyWith("approvalsRequired: 2")).join("\n"), /needs 2 distinct approvers but the rule names only 1/);
  });
});
