// Multi-target requests in the domain (pairs, parts by approver group) and their approval message
// within Slack's limits at the largest size a policy may allow.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { noFence } from "../../src/domain/fence-capability.js";
import type { Grant } from "../../src/domain/grant.js";
import type { Rule } from "../../src/domain/policy.js";
import { bundleParts, MAX_TARGETS_LIMIT, requestedPairs, splitList, type RequestBundle } from "../../src/domain/request-bundle.js";
import { bundleApprovalMessage, bundleConfirmation, bundleRequesterMessage } from "../../src/slack/views/bundle-blocks.js";
import { messageProblems } from "../support/block-kit-limits.js";
import { grant } from "../support/grant-fixture.js";
import { fullRule } from "../support/rules.js";

const CHANNEL = "C0APPROVERS";

function rule(name: string, approvers: string[], overrides: Partial<Rule> = {}): Rule {
  return fullRule({
    name,
    accountIds: [],
    permissionSets: [],
    requesters: [],
    approvers: approvers.map((email) => ({ kind: "email", email })),
    approverChannel: CHANNEL,
    maxDurationMs: 3_600_000,
    ...overrides,
  });
}

function bundleOf(grants: Grant[], rules: Rule[]): RequestBundle {
  return {
    id: "req-abcdefgh",
    grants,
    parts: bundleParts(grants, (name) => rules.find((r) => r.name === name)),
    approvers: new Map(),
  };
}

describe("requestedPairs and splitList", () => {
  it("pairs every account with every permission set once, ignoring case and blanks", () => {
    assert.deepEqual(splitList(" prod, ,staging,"), ["prod", "staging"]);
    assert.deepEqual(requestedPairs(["prod", "PROD", "staging"], ["ReadOnly", "readonly"]), [
      { account: "prod", permissionSet: "ReadOnly" },
      { account: "staging", permissionSet: "ReadOnly" },
    ]);
  });
});

describe("bundleParts", () => {
  it("puts pairs whose rules have the same approvers, quorum and channel in one part", () => {
    const rules = [
      rule("a", ["x@example.com", "y@example.com"]),
      rule("b", ["y@example.com", "x@example.com"]),
      rule("c", ["z@example.com"]),
    ];
    const grants = [
      grant({ id: "jit-aaaaaaa1", ruleName: "a" }),
      grant({ id: "jit-aaaaaaa2", ruleName: "c" }),
      grant({ id: "jit-aaaaaaa3", ruleName: "b" }),
    ];
    const parts = bundleParts(grants, (name) => rules.find((r) => r.name === name));
    assert.deepEqual(
      parts.map((part) => part.grants.map((g) => g.id)),
      [["jit-aaaaaaa1", "jit-aaaaaaa3"], ["jit-aaaaaaa2"]],
    );
    assert.deepEqual(
      parts[0]?.rules.map((r) => r.name),
      ["a", "b"],
    );
  });

  it("splits rules with the same approvers but a different quorum or channel", () => {
    const rules = [
      rule("a", ["x@example.com"]),
      rule("b", ["x@example.com"], { approvalsRequired: 2 }),
      rule("c", ["x@example.com"], { approverChannel: "C0OTHER" }),
    ];
    const grants = rules.map((r, i) => grant({ id: `jit-bbbbbbb${i}`, ruleName: r.name }));
    assert.equal(bundleParts(grants, (name) => rules.find((r) => r.name === name)).length, 3);
  });
});

describe("the approval message of a multi-target request", () => {
  it(`stays within Block Kit limits for ${MAX_TARGETS_LIMIT} targets, each under its own rule, with long names`, () => {
    const rules = Array.from({ length: MAX_TARGETS_LIMIT }, (_, i) => rule(`rule-${i}-${"x".repeat(80)}`, [`approver${i}@example.com`]));
    const grants = rules.map((r, i) =>
      grant({
        id: `jit-c${String(i).padStart(7, "0")}`,
        ruleName: r.name,
        status: "pending",
        accountId: String(100000000000 + i),
        permissionSetName: `P${"s".repeat(30)}`,
        justification: "<!channel> *bold* ".repeat(200),
      }),
    );
    const accounts = grants.map((g, i) => ({ id: g.accountId, name: `account-${i}-${"n".repeat(50)}` }));
    const message = bundleApprovalMessage(bundleOf(grants, rules), accounts, { channel: CHANNEL }, noFence());
    assert.deepEqual(messageProblems(message), []);
    assert.ok(message.blocks.length <= 50, `${message.blocks.length} blocks`);
    assert.equal(message.blocks.filter((b) => b.type === "actions").length, MAX_TARGETS_LIMIT, "every part can be decided");
    assert.deepEqual(messageProblems({ text: bundleConfirmation(grants, accounts), blocks: [] }), []);
    assert.deepEqual(messageProblems(bundleRequesterMessage(bundleOf(grants, rules), accounts)), []);
  });

  it("collapses a long part to ten lines and names the rest", () => {
    const rules = [rule("many", ["x@example.com"])];
    const grants = Array.from({ length: MAX_TARGETS_LIMIT }, (_, i) =>
      grant({ id: `jit-d${String(i).padStart(7, "0")}`, ruleName: "many", status: "pending", accountId: String(200000000000 + i) }),
    );
    const message = bundleApprovalMessage(bundleOf(grants, rules), [], { channel: CHANNEL }, noFence());
    const text = JSON.stringify(message.blocks);
    assert.match(text, /…and 10 more: /);
    assert.equal(message.blocks.filter((b) => b.type === "actions").length, 1);
    assert.deepEqual(messageProblems(message), []);
  });

  it("offers buttons only for parts decided in this channel and only while they wait", () => {
    const rules = [
      rule("here", ["x@example.com"]),
      rule("there", ["y@example.com"], { approverChannel: "C0ELSEWHERE" }),
      rule("done", ["z@example.com"]),
    ];
    const grants = [
      grant({ id: "jit-eeeeeee1", ruleName: "here", status: "pending" }),
      grant({ id: "jit-eeeeeee2", ruleName: "there", status: "pending" }),
      grant({ id: "jit-eeeeeee3", ruleName: "done", status: "denied", decidedBy: "U0BOB", decidedAt: 1, decisionReason: "<@U0ALL> no" }),
    ];
    const message = bundleApprovalMessage(bundleOf(grants, rules), [], { channel: CHANNEL }, noFence());
    const actions = message.blocks.filter((b) => b.type === "actions");
    assert.equal(actions.length, 1);
    assert.match(JSON.stringify(actions[0]), /jit-eeeeeee1/);
    assert.match(JSON.stringify(message.blocks), /decided in <#C0ELSEWHERE>/);
    const reason = message.blocks.find((b) => b.type === "section" && b.text?.type === "plain_text" && b.text.text.startsWith("Reason"));
    assert.ok(reason, "the denial reason is shown as plain text, so it cannot mention anyone");
  });

  it("gives a copy about one part (an approver's DM, an escalation) that part's buttons only", () => {
    const rules = [rule("first", ["x@example.com"]), rule("second", ["y@example.com"])];
    const grants = [
      grant({ id: "jit-fffffff1", ruleName: "first", status: "pending" }),
      grant({ id: "jit-fffffff2", ruleName: "second", status: "pending" }),
    ];
    const channel = bundleApprovalMessage(bundleOf(grants, rules), [], { channel: CHANNEL }, noFence());
    assert.equal(channel.blocks.filter((b) => b.type === "actions").length, 2, "the channel decides both parts");
    const copy = bundleApprovalMessage(bundleOf(grants, rules), [], { channel: CHANNEL, partOf: "jit-fffffff2" }, noFence());
    const actions = copy.blocks.filter((b) => b.type === "actions");
    assert.equal(actions.length, 1);
    assert.match(JSON.stringify(actions[0]), /jit-fffffff2/);
    assert.match(JSON.stringify(copy.blocks), /Part 1 of 2\* · rule \\"first\\"/, "the other part is still shown");
  });
});
