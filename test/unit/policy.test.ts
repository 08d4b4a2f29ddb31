// Policy evaluation: who may ask for what, for how long, and who may decide.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidInput, PolicyDenied } from "../../src/domain/errors.js";
import {
  assertMayDecide,
  checkJustificationLength,
  checkTicket,
  findAccount,
  findPermissionSet,
  findRule,
  isPerson,
  ruleForRequest,
  type AccessAsk,
  type Person,
  type Policy,
  type PrincipalRef,
  type Rule,
  ruleFor,
} from "../../src/domain/policy.js";
import { fullRule, FENCE_OFF } from "../support/rules.js";

const HOUR = 3_600_000;
const PROD = "111122223333";
const STAGING = "444455556666";

const slack = (id: string): PrincipalRef => ({ kind: "slack-user", id });
const email = (address: string): PrincipalRef => ({ kind: "email", email: address });

function rule(overrides: Partial<Rule> & Pick<Rule, "name">): Rule {
  return fullRule({
    accountIds: [PROD],
    permissionSets: ["AdministratorAccess"],
    requesters: [slack("U0ALICE")],
    approvers: [slack("U0BOSS")],
    approverChannel: "C0APPROVALS",
    maxDurationMs: 4 * HOUR,
    ...overrides,
  });
}

const policy: Policy = {
  unmanagedAssignments: "ignore",
  sessionFence: FENCE_OFF,
  admins: [],
  sharedAddressPatterns: [],
  accounts: [
    { id: PROD, name: "Production" },
    { id: STAGING, name: "Staging" },
  ],
  permissionSets: ["AdministratorAccess", "ReadOnlyAccess"],
  rules: [
    rule({ name: "prod-admin", requesters: [slack("U0ALICE"), email("carol@example.com")], maxDurationMs: 2 * HOUR }),
    rule({ name: "prod-admin-oncall", requesters: [slack("U0ALICE"), slack("U0DAVE")], maxDurationMs: 8 * HOUR }),
    rule({ name: "staging-ro", accountIds: [STAGING, PROD], permissionSets: ["ReadOnlyAccess"], requesters: [slack("U0ALICE")] }),
  ],
};

const alice: Person = { slackId: "U0ALICE", email: "alice@example.com", standing: "member" };
const ask = (overrides: Partial<AccessAsk> = {}): AccessAsk => ({
  requester: alice,
  accountId: PROD,
  permissionSet: "AdministratorAccess",
  durationMs: HOUR,
  ...overrides,
});

describe("findAccount", () => {
  it("finds an account by its 12-digit id", () => {
    assert.deepEqual(findAccount(policy, STAGING), { id: STAGING, name: "Staging" });
  });

  it("finds an account by its name, whatever the case", () => {
    assert.equal(findAccount(policy, "production")?.id, PROD);
    assert.equal(findAccount(policy, "PRODUCTION")?.id, PROD);
    assert.equal(findAccount(policy, "Staging")?.id, STAGING);
  });

  it("ignores whitespace around the reference", () => {
    assert.equal(findAccount(policy, `  ${PROD} `)?.id, PROD);
    assert.equal(findAccount(policy, " staging\n")?.id, STAGING);
  });

  it("finds nothing for an unknown id or name, or a prefix of one", () => {
    assert.equal(findAccount(policy, "999999999999"), undefined);
    assert.equal(findAccount(policy, "Dev"), undefined);
    assert.equal(findAccount(policy, "Prod"), undefined);
    assert.equal(findAccount(policy, "11112222333"), undefined);
  });
});

describe("findPermissionSet", () => {
  it("returns the permission set's name as the policy spells it, matched case-insensitively", () => {
    assert.equal(findPermissionSet(policy, "readonlyaccess"), "ReadOnlyAccess");
    assert.equal(findPermissionSet(policy, " ADMINISTRATORACCESS "), "AdministratorAccess");
  });

  it("finds nothing for a permission set the policy does not list", () => {
    assert.equal(findPermissionSet(policy, "PowerUserAccess"), undefined);
    assert.equal(findPermissionSet(policy, "ReadOnly"), undefined);
  });
});

describe("findRule", () => {
  it("finds a rule by its exact name", () => {
    assert.equal(findRule(policy, "staging-ro")?.name, "staging-ro");
    assert.equal(findRule(policy, "STAGING-RO"), undefined);
  });
});

describe("isPerson", () => {
  it("matches by Slack user id exactly", () => {
    assert.equal(isPerson([slack("U0ALICE")], alice), true);
    assert.equal(isPerson([slack("u0alice")], alice), false);
  });

  it("matches by email whatever the case on either side", () => {
    assert.equal(isPerson([email("Alice@Example.com")], { slackId: "U0OTHER", email: "ALICE@example.COM", standing: "member" }), true);
  });

  it("never matches an email reference for a person without a known email", () => {
    assert.equal(isPerson([email("alice@example.com")], { slackId: "U0ALICE", email: null, standing: "member" }), false);
  });
});

describe("ruleForRequest", () => {
  it("returns the first rule in file order that covers the ask and lists the requester", () => {
    assert.equal(ruleForRequest(policy, ask()).name, "prod-admin");
  });

  it("skips covering rules that do not list the requester", () => {
    const dave: Person = { slackId: "U0DAVE", email: null, standing: "member" };
    assert.equal(ruleForRequest(policy, ask({ requester: dave })).name, "prod-admin-oncall");
  });

  it("enforces the maximum of the first matching rule, even when a later rule would allow longer", () => {
    assert.throws(
      () => ruleForRequest(policy, ask({ durationMs: 3 * HOUR })),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInput);
        assert.equal(error.message, '3h is longer than the 2h allowed by rule "prod-admin".');
        return true;
      },
    );
  });

  it("allows exactly the maximum duration", () => {
    assert.equal(ruleForRequest(policy, ask({ durationMs: 2 * HOUR })).name, "prod-admin");
  });

  it("matches a requester listed by email, whatever the case", () => {
    const carol: Person = { slackId: "U0CAROL", email: "Carol@EXAMPLE.com", standing: "member" };
    assert.equal(ruleForRequest(policy, ask({ requester: carol })).name, "prod-admin");
  });

  it("does not match an email-listed requester whose email is unknown", () => {
    const carol: Person = { slackId: "U0CAROL", email: null, standing: "member" };
    assert.throws(() => ruleForRequest(policy, ask({ requester: carol })), PolicyDenied);
  });

  it("uses a rule that lists several accounts for any of them", () => {
    assert.equal(ruleForRequest(policy, ask({ accountId: STAGING, permissionSet: "ReadOnlyAccess" })).name, "staging-ro");
    assert.equal(ruleForRequest(policy, ask({ accountId: PROD, permissionSet: "ReadOnlyAccess" })).name, "staging-ro");
  });

  it("denies an ask that no rule covers", () => {
    assert.throws(
      () => ruleForRequest(policy, ask({ accountId: STAGING })),
      (error: unknown) => {
        assert.ok(error instanceof PolicyDenied);
        assert.equal(error.message, `No rule in the policy allows requesting AdministratorAccess on account ${STAGING}.`);
        return true;
      },
    );
  });

  it("denies a requester who is not listed on any covering rule", () => {
    const mallory: Person = { slackId: "U0MALLORY", email: "mallory@example.com", standing: "member" };
    assert.throws(
      () => ruleForRequest(policy, ask({ requester: mallory })),
      (error: unknown) => {
        assert.ok(error instanceof PolicyDenied);
        assert.match(error.message, /not on the list of people who may request AdministratorAccess/);
        return true;
      },
    );
  });

  it("reports the missing rule before the requester or the duration", () => {
    const mallory: Person = { slackId: "U0MALLORY", email: null, standing: "member" };
    assert.throws(() => ruleForRequest(policy, ask({ requester: mallory, accountId: STAGING, durationMs: 100 * HOUR })), {
      message: /No rule in the policy allows/,
    });
  });

  it("compares account ids and permission set names exactly; lookups resolve them beforehand", () => {
    assert.throws(() => ruleForRequest(policy, ask({ permissionSet: "administratoraccess" })), PolicyDenied);
    assert.throws(() => ruleForRequest(policy, ask({ accountId: "Production" })), PolicyDenied);
  });

  describe("for random policies and asks", () => {
    const ACCOUNTS = ["000000000001", "000000000002", "000000000003"];
    const SETS = ["Admin", "ReadOnly", "Billing"];
    const SLACK_IDS = ["U01", "U02", "U03", "W04"];
    const EMAILS = ["a@example.com", "b@example.com", "c@example.com"];

    const principalArb: fc.Arbitrary<PrincipalRef> = fc.oneof(
      fc.constantFrom(...SLACK_IDS).map(slack),
      fc.constantFrom(...EMAILS).chain((address) => fc.constantFrom(address, address.toUpperCase()).map(email)),
    );
    const durationArb = fc.integer({ min: 1, max: 48 }).map((hours) => hours * HOUR);
    const ruleArb = (index: number): fc.Arbitrary<Rule> =>
      fc
        .record({
          name: fc.constant(`rule-${index}`),
          accountIds: fc.uniqueArray(fc.constantFrom(...ACCOUNTS), { minLength: 1 }),
          permissionSets: fc.uniqueArray(fc.constantFrom(...SETS), { minLength: 1 }),
          specificity: fc.record({
            account: fc.constantFrom(0 as const, 1 as const, 2 as const),
            permissionSet: fc.constantFrom(0 as const, 1 as const),
          }),
          requesters: fc.array(principalArb, { minLength: 0, maxLength: 3 }),
          breakGlass: fc.array(principalArb, { maxLength: 1 }),
          approvers: fc.array(principalArb, { minLength: 1, maxLength: 3 }),
          approverChannel: fc.constant("C0APPROVALS"),
          maxDurationMs: durationArb,
          allowSelfApproval: fc.boolean(),
        })
        .map((random) => fullRule(random));
    const policyArb: fc.Arbitrary<Policy> = fc
      .integer({ min: 0, max: 6 })
      .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => ruleArb(i))))
      .map((rules) => ({
        unmanagedAssignments: "ignore" as const,
        sessionFence: FENCE_OFF,
        admins: [],
        sharedAddressPatterns: [],
        accounts: ACCOUNTS.map((id, i) => ({ id, name: `account-${i}` })),
        permissionSets: SETS,
        rules,
      }));
    const askArb: fc.Arbitrary<AccessAsk> = fc.record({
      requester: fc.record({
        slackId: fc.constantFrom(...SLACK_IDS, "U0NOBODY"),
        email: fc.option(fc.constantFrom(...EMAILS, "nobody@example.com").chain((a) => fc.constantFrom(a, a.toUpperCase()))),
        standing: fc.constant("member" as const),
      }),
      accountId: fc.constantFrom(...ACCOUNTS),
      permissionSet: fc.constantFrom(...SETS),
      durationMs: durationArb,
    });

    const named = (refs: readonly PrincipalRef[], person: Person) =>
      refs.some((ref) =>
        ref.kind === "slack-user"
          ? ref.id === person.slackId
          : ref.kind === "email" && person.email !== null && ref.email.toLowerCase() === person.email.toLowerCase(),
      );
    const lists = (r: Rule, person: Person) => named(r.requesters, person) || named(r.breakGlass, person);
    const coversAsk = (r: Rule, a: AccessAsk) => r.accountIds.includes(a.accountId) && r.permissionSets.includes(a.permissionSet);
    const rank = (r: Rule) => r.specificity.account * 2 + r.specificity.permissionSet;

    it("grants only under a rule that covers the ask, lists the requester and allows the duration", () => {
      fc.assert(
        fc.property(policyArb, askArb, (randomPolicy, randomAsk) => {
          let result: Rule | undefined;
          let failure: unknown;
          try {
            result = ruleForRequest(randomPolicy, randomAsk);
          } catch (error) {
            failure = error;
          }
          const anyAllows = randomPolicy.rules.some(
            (r) => coversAsk(r, randomAsk) && lists(r, randomAsk.requester) && r.maxDurationMs >= randomAsk.durationMs,
          );
          if (result) {
            assert.ok(coversAsk(result, randomAsk), "the rule covers the account and permission set");
            assert.ok(lists(result, randomAsk.requester), "the rule lists the requester");
            assert.ok(result.maxDurationMs >= randomAsk.durationMs, "never longer than the rule's maximum");
            assert.ok(anyAllows);
          } else {
            assert.ok(failure instanceof PolicyDenied || failure instanceof InvalidInput, `expected a refusal, got ${String(failure)}`);
          }
        }),
        { numRuns: 500 },
      );
    });

    it("decides by the most specific covering rules, first in file order among those that list the requester", () => {
      fc.assert(
        fc.property(policyArb, askArb, (randomPolicy, randomAsk) => {
          const covering = randomPolicy.rules.filter((r) => coversAsk(r, randomAsk));
          const best = Math.max(-1, ...covering.map(rank));
          const expected = covering.find((r) => rank(r) === best && lists(r, randomAsk.requester));
          let result: Rule | undefined;
          try {
            result = ruleFor(randomPolicy, randomAsk.requester, randomAsk.accountId, randomAsk.permissionSet);
          } catch (error) {
            assert.ok(error instanceof PolicyDenied);
          }
          assert.equal(result, expected);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe("assertMayDecide", () => {
  const strict = rule({ name: "strict", approvers: [slack("U0BOSS"), slack("U0ALICE"), email("Erin@Example.com")] });
  const relaxed = rule({ ...strict, name: "relaxed", allowSelfApproval: true });
  const boss: Person = { slackId: "U0BOSS", email: "boss@example.com", standing: "member" };

  it("lets a listed approver decide someone else's request", () => {
    assert.doesNotThrow(() => assertMayDecide(strict, boss, "U0ALICE"));
  });

  it("refuses an approval by the requester, even one who is an approver", () => {
    assert.throws(
      () => assertMayDecide(strict, alice, "U0ALICE"),
      (error: unknown) => {
        assert.ok(error instanceof PolicyDenied);
        assert.equal(error.message, "You cannot approve or deny your own request.");
        return true;
      },
    );
  });

  it("lets an approver decide their own request when the rule allows self-approval", () => {
    assert.doesNotThrow(() => assertMayDecide(relaxed, alice, "U0ALICE"));
  });

  it("still requires a self-approver to be an approver", () => {
    const dave: Person = { slackId: "U0DAVE", email: null, standing: "member" };
    assert.throws(() => assertMayDecide(relaxed, dave, "U0DAVE"), { message: 'You are not an approver for rule "relaxed".' });
  });

  it("refuses someone who is not an approver", () => {
    const mallory: Person = { slackId: "U0MALLORY", email: "mallory@example.com", standing: "member" };
    assert.throws(
      () => assertMayDecide(strict, mallory, "U0ALICE"),
      (error: unknown) => {
        assert.ok(error instanceof PolicyDenied);
        assert.equal(error.message, 'You are not an approver for rule "strict".');
        return true;
      },
    );
  });

  it("recognises an approver listed by email, whatever the case", () => {
    const erin: Person = { slackId: "U0ERIN", email: "ERIN@example.com", standing: "member" };
    assert.doesNotThrow(() => assertMayDecide(strict, erin, "U0ALICE"));
  });

  it("does not recognise an email-listed approver whose email is unknown", () => {
    const erin: Person = { slackId: "U0ERIN", email: null, standing: "member" };
    assert.throws(() => assertMayDecide(strict, erin, "U0ALICE"), PolicyDenied);
  });
});

describe("checkJustificationLength", () => {
  const ten = rule({ name: "ten", justificationMinLength: 10 });

  it("accepts ten characters a reader can see", () => {
    assert.doesNotThrow(() => checkJustificationLength(ten, "fixing the db"));
  });

  for (const [what, text] of [
    ["spaces between the letters", "a b c d e f g h i"],
    ["zero-width spaces", `abc${"\u200b".repeat(20)}`],
    ["invisible fillers", `abc${"\u3164".repeat(20)}`],
  ] as const) {
    it(`does not count ${what}`, () => {
      assert.throws(
        () => checkJustificationLength(ten, text),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInput);
          assert.equal(
            error.message,
            'Rule "ten" asks for a justification of at least 10 characters, not counting spaces; say a little more about why.',
          );
          return true;
        },
      );
    });
  }
});

describe("checkTicket", () => {
  it("takes a ticket of invisible characters for no ticket", () => {
    assert.equal(checkTicket(rule({ name: "optional" }), "\u200b\u3164"), null);
    assert.throws(
      () => checkTicket(rule({ name: "required", ticket: { required: true, pattern: null } }), "\u200b"),
      /requires a ticket reference/,
    );
  });

  it("drops format characters from a ticket before matching it", () => {
    const strict = rule({ name: "strict", ticket: { required: true, pattern: /^[A-Z]+-\d+$/ } });
    assert.equal(checkTicket(strict, "INC\u200b-42\u202e"), "INC-42");
  });
});
