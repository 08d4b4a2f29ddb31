// The pickers' options: the indexed eligibility answers exactly as eligibleTargets does, and the
// permission-set picker offers what the caller may request on the chosen account, by what they typed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InputBlock } from "@slack/types";
import fc from "fast-check";
import { eligibleRule } from "../../src/domain/eligibility-index.js";
import { eligibleTargets, type Person, type Policy, type PrincipalRef, type Rule } from "../../src/domain/policy.js";
import { targetOptions } from "../../src/slack/handlers/target-options.js";
import { requestModal } from "../../src/slack/views/request-modal.js";
import { FENCE_OFF, fullRule } from "../support/rules.js";

const ACCOUNTS = ["111111111111", "222222222222", "333333333333"];
const SETS = ["Admin", "ReadOnly", "Billing"];
const PEOPLE = ["U0ALICE", "U0CAROL"];

const slack = (id: string): PrincipalRef => ({ kind: "slack-user", id });
const person = (slackId: string): Person => ({ slackId, email: null, standing: "member" });

function policyOf(rules: Rule[], permissionSets = SETS): Policy {
  return {
    unmanagedAssignments: "ignore",
    sessionFence: FENCE_OFF,
    admins: [],
    sharedAddressPatterns: [],
    accounts: ACCOUNTS.map((id, i) => ({ id, name: `acct-${i}` })),
    permissionSets,
    rules,
  };
}

const ruleArb = fc.record({
  accountIds: fc.subarray(ACCOUNTS, { minLength: 1 }),
  permissionSets: fc.subarray(SETS, { minLength: 1 }),
  requesters: fc.subarray(PEOPLE),
  account: fc.constantFrom(0 as const, 1 as const, 2 as const),
  permissionSet: fc.constantFrom(0 as const, 1 as const),
});

describe("the pickers' options", () => {
  it("indexes eligibility with the same answer as eligibleTargets, rule for rule", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 5 }), (drawn) => {
        const rules = drawn.map((r, i) =>
          fullRule({
            name: `r${i}`,
            accountIds: r.accountIds,
            permissionSets: r.permissionSets,
            specificity: { account: r.account, permissionSet: r.permissionSet },
            requesters: r.requesters.map(slack),
            approvers: [slack("U0BOB")],
            approverChannel: "C0APPROVALS",
            maxDurationMs: 3_600_000,
          }),
        );
        const policy = policyOf(rules);
        for (const slackId of PEOPLE) {
          const who = person(slackId);
          const expected = eligibleTargets(policy, who).map((t) => `${t.account.id}/${t.permissionSet}/${t.rule.name}`);
          const indexed = ACCOUNTS.flatMap((accountId) =>
            SETS.flatMap((set) => {
              const rule = eligibleRule(policy, who, accountId, set);
              return rule ? [`${accountId}/${set}/${rule.name}`] : [];
            }),
          );
          assert.deepEqual(indexed, expected);
        }
      }),
    );
  });

  it("offers at most 100 of 300 permission sets, only those eligible on the chosen account, matching what was typed", () => {
    const many = Array.from({ length: 300 }, (_, i) => `Set${String(i).padStart(3, "0")}`);
    const policy = policyOf(
      [
        fullRule({
          name: "wide",
          accountIds: [ACCOUNTS[0] ?? ""],
          permissionSets: many.slice(0, 250),
          requesters: [slack("U0ALICE")],
          approvers: [slack("U0BOB")],
          approverChannel: "C0APPROVALS",
          maxDurationMs: 3_600_000,
        }),
      ],
      many,
    );
    const alice = person("U0ALICE");
    const onFirst = `jit_permission_set_search.${ACCOUNTS[0]}`;
    assert.equal(targetOptions(policy, alice, onFirst, "").length, 100);
    assert.deepEqual(
      targetOptions(policy, alice, onFirst, "set24").map((o) => o.value),
      Array.from({ length: 10 }, (_, i) => `Set24${i}`),
      "Set250 and up are not Alice's",
    );
    assert.deepEqual(targetOptions(policy, alice, `jit_permission_set_search.${ACCOUNTS[1]}`, ""), []);
    assert.deepEqual(targetOptions(policy, alice, "jit_permission_set_search.999999999999", ""), []);
    assert.deepEqual(targetOptions(policy, person("U0CAROL"), onFirst, ""), []);
  });

  it("turns the account list into a type-ahead picker past 100 accounts, and keeps the static list up to 100", () => {
    const rule = fullRule({
      name: "all",
      accountIds: [],
      permissionSets: ["ReadOnly"],
      requesters: [slack("U0ALICE")],
      approvers: [slack("U0BOB")],
      approverChannel: "C0APPROVALS",
      maxDurationMs: 3_600_000,
    });
    const eligible = (count: number) =>
      Array.from({ length: count }, (_, i) => ({
        account: { id: String(100000000000 + i), name: `a${i}` },
        permissionSet: "ReadOnly",
        rule,
      }));
    const accountField = (count: number, accountId?: string) => {
      const view = requestModal({ eligible: eligible(count), requester: person("U0ALICE"), selection: accountId ? { accountId } : {} });
      const block = view.blocks.find((b): b is InputBlock => b.type === "input" && b.block_id === "account");
      assert.ok(block);
      return block.element;
    };
    const hundred = accountField(100);
    assert.ok(hundred.type === "static_select");
    assert.equal(hundred.options?.length, 100);
    const more = accountField(101, "100000000100");
    assert.ok(more.type === "external_select");
    assert.equal(more.action_id, "jit_account_search");
    assert.equal(more.min_query_length, 0);
    assert.deepEqual(more.initial_option?.value, "100000000100", "the choice made is kept");
  });
});
