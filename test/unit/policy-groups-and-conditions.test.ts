// The policy beyond single rules: account groups and "*", user groups, schedules, tickets, quorum checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/config/problems.js";
import { parsePolicy, usergroupsIn } from "../../src/config/policy-file.js";
import { activationTimeoutOf, approvalPath, decidingRules, extensionApprovalPath, ruleFor, type Person } from "../../src/domain/policy.js";
import { withinSchedule } from "../../src/domain/schedule.js";
import { UX_POLICY } from "../support/ux-policy.js";

const PROD = "111122223333";
const SANDBOX = "444455556666";
const alice: Person = { slackId: "U0ALICE", email: "alice@example.com", standing: "member" };

function problems(text: string): readonly string[] {
  try {
    parsePolicy(text, "test");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("policy groups, schedules, tickets and quorum", () => {
  const policy = parsePolicy(UX_POLICY, "ux");

  it("expands account groups and * into account ids, with their specificity", () => {
    const [admin, auto, readAnything] = policy.rules;
    assert.deepEqual(admin?.specificity, { account: 2, permissionSet: 1 });
    assert.deepEqual(auto?.accountIds, [SANDBOX]);
    assert.deepEqual(auto?.specificity, { account: 1, permissionSet: 0 });
    assert.deepEqual(auto?.permissionSets, ["AdministratorAccess", "ReadOnlyAccess"]);
    assert.deepEqual(readAnything?.accountIds, [PROD, SANDBOX]);
    assert.deepEqual(readAnything?.specificity, { account: 0, permissionSet: 1 });
  });

  it("lets the more specific rule decide: the account group beats * for sandbox", () => {
    assert.deepEqual(
      decidingRules(policy, SANDBOX, "ReadOnlyAccess").map((r) => r.name),
      ["sandbox-auto"],
    );
    assert.deepEqual(
      decidingRules(policy, PROD, "ReadOnlyAccess").map((r) => r.name),
      ["read-anything"],
    );
    assert.equal(ruleFor(policy, alice, SANDBOX, "ReadOnlyAccess").name, "sandbox-auto");
  });

  it("reads break-glass people, quorum, ticket pattern and defaults", () => {
    const admin = policy.rules[0];
    assert.equal(admin?.approvalsRequired, 2);
    assert.deepEqual(admin?.breakGlass, [{ kind: "email", email: "carol@example.com" }]);
    assert.ok(admin?.ticket.required && admin.ticket.pattern?.test("INC-42"));
    assert.equal(admin?.ticket.pattern?.test("inc42"), false);
    assert.equal(admin?.approvalTimeoutMs, 30 * 60_000);
    assert.equal(policy.rules[2]?.warnBeforeExpiryMs, 10 * 60_000);
    assert.equal(policy.rules[2]?.maxTotalDurationMs, 9 * 3_600_000);
  });

  it("reads activationTimeout, which defaults to the rule's approvalTimeout (and to 1h for a rule no longer in the policy)", () => {
    const [admin, , readAnything] = policy.rules;
    assert.equal(admin?.activationTimeoutMs, 30 * 60_000);
    assert.equal(readAnything?.activationTimeoutMs, 60 * 60_000);
    const explicit = parsePolicy(UX_POLICY.replace("approvalTimeout: 30m", "approvalTimeout: 30m\n    activationTimeout: 5m"), "ux");
    assert.equal(explicit.rules[0]?.activationTimeoutMs, 5 * 60_000);
    assert.equal(explicit.rules[0]?.approvalTimeoutMs, 30 * 60_000);
    assert.equal(activationTimeoutOf(policy, "gone-since"), 60 * 60_000);
  });

  it("names an activationTimeout that is not a duration", () => {
    assert.deepEqual(problems(UX_POLICY.replace("approvalTimeout: 30m", "activationTimeout: soon")), [
      'rules[0].activationTimeout: "soon" is not a duration. Use minutes and hours like 30m, 2h or 1h30m.',
    ]);
  });

  it("sends a break-glass person's extensions to the approvers, and auto-approves them only as the rule does for anyone", () => {
    const [admin, auto] = policy.rules;
    assert.ok(admin && auto);
    const carol: Person = { slackId: "U0CAROL", email: "carol@example.com", standing: "member" };
    assert.equal(extensionApprovalPath(admin, carol, 0), "approvers");
    assert.equal(extensionApprovalPath(admin, alice, 0), "approvers");
    assert.equal(extensionApprovalPath(auto, carol, 0), "auto-always");
  });

  it("finds approval paths: always, break-glass, approvers", () => {
    const [admin, auto] = policy.rules;
    assert.ok(admin && auto);
    assert.equal(approvalPath(auto, alice, 0), "auto-always");
    assert.equal(approvalPath(admin, { slackId: "U0CAROL", email: "carol@example.com", standing: "member" as const }, 0), "break-glass");
    assert.equal(approvalPath(admin, alice, 0), "approvers");
  });

  it("collects the Slack user groups a policy names", () => {
    const withGroups = parsePolicy(
      UX_POLICY.replace(
        "approvers: [U0BOB]\n    approverChannel: C0APPROVALS\n    autoApprove",
        "approvers: [usergroup:S0OPS]\n    approverChannel: C0APPROVALS\n    autoApprove",
      ),
      "g",
    );
    assert.deepEqual(usergroupsIn(withGroups), ["S0OPS"]);
  });

  it("names the key of every new kind of mistake", () => {
    const badPattern = problems(UX_POLICY.replace('pattern: "^[A-Z]+-\\\\d+$"', 'pattern: "([A-Z"'));
    assert.equal(badPattern.length, 1);
    assert.match(badPattern[0] ?? "", /^rules\[0\]\.ticket\.pattern: is not a valid regular expression/);
    assert.deepEqual(problems(UX_POLICY.replace("approvalsRequired: 2", "approvalsRequired: 3")), [
      "rules[0].approvalsRequired: needs 3 distinct approvers but the rule names only 2",
    ]);
    const refs = problems(UX_POLICY.replace("accounts: [group:nonprod]", "accounts: [group:missing]"));
    assert.deepEqual(refs, ['rules[1].accounts[0]: "group:missing" names no group under accountGroups']);
    assert.deepEqual(
      problems(
        UX_POLICY.replace("autoApprove: always", 'autoApprove: { days: [mon], from: "18:00", to: "09:00", timeZone: Mars/Olympus }'),
      ),
      [
        "rules[1].autoApprove.timeZone: is not a time zone this system knows (use an IANA name such as Europe/Berlin)",
        'rules[1].autoApprove.to: "from" must be before "to"',
      ],
    );
  });
});

describe("withinSchedule", () => {
  const hours = { days: ["mon", "tue", "wed", "thu", "fri"] as const, fromMinute: 9 * 60, toMinute: 17 * 60, timeZone: "Europe/Berlin" };

  it("is open on a weekday within the hours in the schedule's own time zone", () => {
    // Wednesday 2026-11-25 09:30 in Berlin is 08:30 UTC.
    assert.equal(withinSchedule({ ...hours, days: [...hours.days] }, Date.UTC(2026, 10, 25, 8, 30)), true);
  });

  it("is closed before the hours, at the closing minute, and at weekends", () => {
    assert.equal(withinSchedule({ ...hours, days: [...hours.days] }, Date.UTC(2026, 10, 25, 7, 59)), false);
    assert.equal(withinSchedule({ ...hours, days: [...hours.days] }, Date.UTC(2026, 10, 25, 16, 0)), false);
    assert.equal(withinSchedule({ ...hours, days: [...hours.days] }, Date.UTC(2026, 10, 28, 10, 0)), false);
  });
});
