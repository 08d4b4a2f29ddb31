// The precomputed eligibility (domain/eligibility-index.ts) answers exactly as eligibleTargets and
// ruleFor do, on random policies and people, and keeps doing so past the number of kinds of
// requester it remembers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  eligibleAccounts,
  eligiblePermissionSets,
  eligibleRule,
  eligibleTargetCount,
  eligibleTargetsOn,
  eligibleTargetsUpTo,
  mayRequestOn,
} from "../../src/domain/eligibility-index.js";
import { indexedTargets } from "../../src/domain/eligible-targets.js";
import { PolicyDenied } from "../../src/domain/errors.js";
import { eligibleTargets, ruleFor, type Eligibility, type Person, type Policy, type PrincipalRef } from "../../src/domain/policy.js";
import { FENCE_OFF, fullRule } from "../support/rules.js";

const ACCOUNTS = ["111111111111", "222222222222", "333333333333", "444444444444", "555555555555"];
/** Named by rules but not offered by the policy: eligibleRule answers for it as ruleFor does. */
const UNOFFERED = "999999999999";
const SETS = ["Admin", "ReadOnly", "Billing", "Network"];
const REFS: readonly PrincipalRef[] = [
  { kind: "slack-user", id: "U0ALICE" },
  { kind: "slack-user", id: "U0CAROL" },
  { kind: "email", email: "dave@example.com" },
  { kind: "usergroup", id: "S0OPS" },
];
const PEOPLE: readonly Person[] = [
  { slackId: "U0ALICE", email: null, standing: "member" },
  { slackId: "U0CAROL", email: "carol@example.com", groups: ["S0OPS"], standing: "member" },
  { slackId: "U0DAVE", email: "DAVE@example.com", standing: "member" },
  { slackId: "U0ERIN", email: "erin@example.com", groups: ["S0OPS"], standing: "member" },
  { slackId: "U0ALICE", email: null, standing: "deactivated" },
  { slackId: "U0NOBODY", email: null, standing: "member" },
];

const ruleArb = fc.record({
  accountIds: fc.subarray([...ACCOUNTS, UNOFFERED], { minLength: 1 }),
  permissionSets: fc.subarray([...SETS, "NotInPolicy"], { minLength: 1 }),
  requesters: fc.subarray([...REFS]),
  breakGlass: fc.subarray([...REFS], { maxLength: 1 }),
  account: fc.constantFrom(0 as const, 1 as const, 2 as const),
  permissionSet: fc.constantFrom(0 as const, 1 as const),
});

const policyArb = fc
  .record({
    rules: fc.array(ruleArb, { maxLength: 7 }),
    accounts: fc.subarray(ACCOUNTS, { minLength: 1 }),
    sets: fc.subarray(SETS, { minLength: 1 }),
  })
  .map(
    ({ rules, accounts, sets }): Policy => ({
      unmanagedAssignments: "ignore",
      sessionFence: FENCE_OFF,
      admins: [],
      sharedAddressPatterns: [],
      accounts: accounts.map((id, i) => ({ id, name: `acct-${i}` })),
      permissionSets: sets,
      rules: rules.map((r, i) =>
        fullRule({
          name: `r${i}`,
          accountIds: r.accountIds,
          permissionSets: r.permissionSets,
          specificity: { account: r.account, permissionSet: r.permissionSet },
          requesters: r.requesters,
          breakGlass: r.breakGlass,
          approvers: [{ kind: "slack-user", id: "U0BOB" }],
          approverChannel: "C0APPROVALS",
          maxDurationMs: 3_600_000,
        }),
      ),
    }),
  );

const line = (t: Eligibility) => `${t.account.id}/${t.permissionSet}/${t.rule.name}`;
const unique = <T>(items: readonly T[]) => [...new Set(items)];

function ruleForOrNone(policy: Policy, person: Person, accountId: string, set: string): string | undefined {
  try {
    return ruleFor(policy, person, accountId, set).name;
  } catch (error) {
    if (error instanceof PolicyDenied) return undefined;
    throw error;
  }
}

/** Every fast answer for `person`, checked against eligibleTargets and ruleFor. */
function agrees(policy: Policy, person: Person): void {
  const expected = eligibleTargets(policy, person);
  const accounts = unique(expected.map((t) => t.account));
  assert.deepEqual(eligibleAccounts(policy, person), accounts);
  assert.equal(eligibleTargetCount(policy, person), expected.length);
  assert.deepEqual(eligibleTargetsUpTo(policy, person, expected.length)?.map(line), expected.map(line));
  if (expected.length > 0) assert.equal(eligibleTargetsUpTo(policy, person, expected.length - 1), undefined);
  assert.deepEqual(
    eligiblePermissionSets(policy, person, undefined),
    policy.permissionSets.filter((set) => expected.some((t) => t.permissionSet === set)),
  );
  const indexed = indexedTargets(policy, person);
  assert.equal(indexed.count, expected.length);
  for (const [start, end] of [
    [0, 1],
    [1, 3],
    [2, expected.length],
    [0, expected.length + 5],
  ] as const) {
    assert.deepEqual(indexed.slice(start, end).map(line), expected.slice(start, end).map(line), `slice ${start}..${end}`);
  }
  for (const account of policy.accounts) {
    const on = expected.filter((t) => t.account.id === account.id);
    assert.deepEqual(eligibleTargetsOn(policy, person, account.id).map(line), on.map(line));
    assert.deepEqual(
      eligiblePermissionSets(policy, person, account.id),
      on.map((t) => t.permissionSet),
    );
    assert.equal(mayRequestOn(policy, person, account), on.length > 0);
  }
  for (const accountId of [...ACCOUNTS, UNOFFERED]) {
    for (const set of [...SETS, "NotInPolicy"]) {
      const wanted = person.standing === "member" ? ruleForOrNone(policy, person, accountId, set) : undefined;
      assert.equal(eligibleRule(policy, person, accountId, set)?.name, wanted, `${accountId}/${set}`);
    }
  }
}

describe("the eligibility index", () => {
  it("answers as eligibleTargets and ruleFor do, for every function, on random policies and people", () => {
    fc.assert(
      fc.property(policyArb, fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 8 }), (policy, people) => {
        for (const person of people) agrees(policy, person);
      }),
      { numRuns: 300 },
    );
  });

  it("stays right for 40 kinds of requester asking in turn, more than it remembers at once", () => {
    const people = Array.from({ length: 40 }, (_, i): Person => ({ slackId: `U0P${i}`, email: null, standing: "member" }));
    const accounts = Array.from({ length: 40 }, (_, i) => ({ id: String(100000000000 + i), name: `a${i}` }));
    const policy: Policy = {
      unmanagedAssignments: "ignore",
      sessionFence: FENCE_OFF,
      admins: [],
      sharedAddressPatterns: [],
      accounts,
      permissionSets: ["ReadOnly"],
      // Person i may request accounts i and up: each is a kind of requester of their own.
      rules: people.map((p, i) =>
        fullRule({
          name: `r${i}`,
          accountIds: accounts.slice(i).map((a) => a.id),
          permissionSets: ["ReadOnly"],
          requesters: [{ kind: "slack-user", id: p.slackId }],
          approvers: [{ kind: "slack-user", id: "U0BOB" }],
          approverChannel: "C0APPROVALS",
          maxDurationMs: 3_600_000,
        }),
      ),
    };
    for (let round = 0; round < 3; round++) {
      people.forEach((person, i) =>
        assert.deepEqual(eligibleAccounts(policy, person), accounts.slice(i), `${person.slackId}, round ${round}`),
      );
    }
  });
});
