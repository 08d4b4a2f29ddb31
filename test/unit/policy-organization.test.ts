// The policy with accounts from AWS Organizations: the organization section, ou: and tag: entries,
// and how the file resolves against a snapshot of the organization.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parsePolicy, parsePolicySource, type PolicySource } from "../../src/config/policy-file.js";
import { ConfigError } from "../../src/config/problems.js";
import { decidingRules, findAccount, findRule, type Account, type Policy } from "../../src/domain/policy.js";
import { InvalidInput } from "../../src/domain/errors.js";
import {
  CLOSING,
  MANAGEMENT,
  OLD_PROD,
  ORG,
  PAYMENTS_PROD,
  PAYMENTS_STAGING,
  PROD_EU_OU,
  PROD_OU,
  ROOT,
  SANDBOX_A,
  SANDBOX_B,
  SEARCH_PROD,
  WORKLOADS,
} from "../support/org-snapshot.js";

const SOURCE = "The policy file org.yaml";

interface PolicyInput {
  [key: string]: unknown;
  rules: Array<Record<string, unknown>>;
}

function rule(name: string, accounts: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    accounts,
    permissionSets: ["ReadOnlyAccess"],
    requesters: ["U0ALICE"],
    approvers: ["U0BOB"],
    approverChannel: "C0APPROVALS",
    maxDuration: "1h",
    ...extra,
  };
}

/** A policy taking its accounts from AWS Organizations, with `rules`. */
function fromAws(rules: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): PolicyInput {
  return { organization: { accounts: "aws" }, permissionSets: ["ReadOnlyAccess"], rules, ...extra };
}

const source = (value: unknown): PolicySource => parsePolicySource(JSON.stringify(value), SOURCE);
const resolved = (value: unknown): Policy => source(value).resolve(ORG);
const covered = (policy: Policy, name: string) => findRule(policy, name)?.accountIds;
const idAndName = ({ id, name }: Account) => ({ id, name });

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the policy to be refused");
}

describe("organization section", () => {
  it("defaults to file mode: the file's accounts, no organization needed, an hourly refresh", () => {
    const policySource = source({
      accounts: [{ id: PAYMENTS_PROD, name: "prod" }],
      permissionSets: ["ReadOnlyAccess"],
      rules: [rule("r", ["prod"])],
    });
    assert.deepEqual([policySource.needsOrganization, policySource.withTags, policySource.refreshMs], [false, false, 3_600_000]);
    const policy = policySource.resolve(ORG);
    assert.deepEqual(policy.accounts, [{ id: PAYMENTS_PROD, name: "prod" }], "file mode ignores the organization");
  });

  it("with accounts: aws needs the organization, and tags only when a rule names one", () => {
    const plain = source(fromAws([rule("r", ["ou:/Root/Workloads"])], { organization: { accounts: "aws", refreshMinutes: 15 } }));
    assert.deepEqual([plain.needsOrganization, plain.withTags, plain.refreshMs], [true, false, 15 * 60_000]);
    assert.equal(source(fromAws([rule("r", ["tag:env=prod"])])).withTags, true);
  });

  it("names each malformed key of the section", () => {
    assert.deepEqual(
      problems(() =>
        source(fromAws([rule("r", ["*"])], { organization: { accounts: "organizations", refreshMinutes: 2, exclude: [""], every: 1 } })),
      ),
      [
        "organization.accounts: must be aws (read from AWS Organizations) or file (only those under accounts)",
        "organization.refreshMinutes: must be at least 5",
        "organization.exclude[0]: must not be empty",
        "organization.every: unknown key (check the spelling)",
      ],
    );
    assert.deepEqual(
      problems(() => source(fromAws([rule("r", ["*"])], { organization: { accounts: "aws", refreshMinutes: "1h" } }))),
      ["organization.refreshMinutes: must be a number of minutes"],
    );
    assert.deepEqual(
      problems(() => source(fromAws([rule("r", ["*"])], { organization: { accounts: "aws", refreshMinutes: 2000 } }))),
      ["organization.refreshMinutes: must be at most 1440 (a day)"],
    );
  });

  it("in file mode, still asks for at least one account, and refuses exclude and ou:/tag: entries, naming the key", () => {
    const fileMode = {
      organization: { exclude: ["sandbox"] },
      permissionSets: ["ReadOnlyAccess"],
      rules: [rule("r", ["ou:/Root/Workloads", "tag:env=prod", "*"])],
    };
    assert.deepEqual(
      problems(() => source(fileMode)),
      [
        "accounts: list at least one account (or take them from AWS Organizations: organization.accounts: aws)",
        "organization.exclude[0]: only applies with organization.accounts: aws; in file mode, leave the account out of accounts",
        'rules[0].accounts[0]: "ou:/Root/Workloads" needs the organization\'s accounts (organization.accounts: aws)',
        'rules[0].accounts[1]: "tag:env=prod" needs the organization\'s accounts (organization.accounts: aws)',
      ],
    );
  });

  it("with accounts: aws, lets the accounts list be empty or absent", () => {
    assert.equal(resolved(fromAws([rule("r", ["*"])], { accounts: [] })).accounts.length, 6);
    assert.equal(resolved(fromAws([rule("r", ["*"])])).accounts.length, 6);
  });

  it("refuses an exclude entry the file also lists as an account", () => {
    const value = fromAws([rule("r", ["*"])], {
      organization: { accounts: "aws", exclude: [SANDBOX_A, "Payments"] },
      accounts: [
        { id: SANDBOX_A, name: "sandbox-a" },
        { id: PAYMENTS_PROD, name: "payments" },
      ],
    });
    assert.deepEqual(
      problems(() => source(value)),
      [
        `organization.exclude[0]: "${SANDBOX_A}" is also listed under accounts; remove one of the two`,
        'organization.exclude[1]: "Payments" is also listed under accounts; remove one of the two',
      ],
    );
  });
});

describe("ou: and tag: entries", () => {
  it("names each malformed entry and what it should look like", () => {
    const value = fromAws([
      rule("r", ["ou:prod", "ou:", "ou:OU-AB12-PROD0001", "tag:", "tag:=prod", "tag:env!=prod", `tag:env=${"x".repeat(257)}`]),
    ]);
    const ou = "is not an OU: use ou:<OU id, ou-…>, ou:<root id, r-…>, or ou:<path from the root, e.g. /Root/Workloads/Prod>";
    assert.deepEqual(
      problems(() => source(value)),
      [
        `rules[0].accounts[0]: "ou:prod" ${ou}`,
        `rules[0].accounts[1]: "ou:" ${ou}`,
        `rules[0].accounts[2]: "ou:OU-AB12-PROD0001" ${ou}`,
        'rules[0].accounts[3]: "tag:" names no tag: use tag:<key>=<value>, or tag:<key> for any value',
        'rules[0].accounts[4]: "tag:=prod" names no tag: use tag:<key>=<value>, or tag:<key> for any value',
        'rules[0].accounts[5]: "tag:env!=prod" has a tag key AWS cannot hold: 1 to 128 letters, digits, spaces or _ . : / = + - @',
        `rules[0].accounts[6]: "tag:env=${"x".repeat(257)}" has a tag value AWS cannot hold: at most 256 letters, digits, spaces or _ . : / = + - @`,
      ],
    );
  });

  it("refuses an account name a rule would read as ou: or tag:", () => {
    const value = { accounts: [{ id: PAYMENTS_PROD, name: "ou:prod" }], permissionSets: ["ReadOnlyAccess"], rules: [rule("r", ["*"])] };
    assert.deepEqual(
      problems(() => source(value)),
      ['accounts[0].name: must not be "*" or start with "group:", "ou:" or "tag:"'],
    );
  });
});

describe("resolving against the organization", () => {
  it("offers the ACTIVE accounts only, named as in Organizations, never suspended, closed or pending ones", () => {
    const policy = resolved(fromAws([rule("r", ["*"])]));
    assert.deepEqual(policy.accounts.map(idAndName), [
      { id: MANAGEMENT, name: "management" },
      { id: PAYMENTS_PROD, name: "payments-prod" },
      { id: SEARCH_PROD, name: "search-prod" },
      { id: PAYMENTS_STAGING, name: "payments-staging" },
      { id: SANDBOX_A, name: "sandbox" },
      { id: SANDBOX_B, name: "sandbox" },
    ]);
    assert.ok(!policy.accounts.some((a) => a.id === OLD_PROD || a.id === CLOSING));
    assert.deepEqual(
      covered(policy, "r"),
      policy.accounts.map((a) => a.id),
    );
    assert.ok(Object.isFrozen(policy.accounts) && Object.isFrozen(policy.rules[0]?.accountIds));
  });

  it("carries each account's OU path, the OUs it sits in up to the root, and its tags; none for an account only the file lists", () => {
    const value = fromAws([rule("r", ["*"])], { accounts: [{ id: "123412341234", name: "legacy" }] });
    const accounts = source(value).check(ORG).policy.accounts;
    assert.deepEqual(accounts.find((a) => a.id === SEARCH_PROD)?.org, {
      path: "/Root/Workloads/Prod/EU",
      unitIds: [PROD_EU_OU, PROD_OU, WORKLOADS, ROOT],
      tags: { env: "prod" },
    });
    assert.deepEqual(accounts.find((a) => a.id === MANAGEMENT)?.org, { path: "/Root", unitIds: [ROOT], tags: {} });
    assert.equal(accounts.find((a) => a.id === "123412341234")?.org, undefined);
    assert.ok(Object.isFrozen(accounts[0]?.org?.tags) && Object.isFrozen(accounts[0]?.org?.unitIds));
  });

  it("lets the file rename an account, add one Organizations does not list, and exclude by id or name (every account of that name)", () => {
    const value = fromAws([rule("r", ["*"])], {
      organization: { accounts: "aws", exclude: ["SANDBOX", MANAGEMENT, "nothing-like-it"] },
      accounts: [
        { id: PAYMENTS_PROD, name: "payments" },
        { id: "123412341234", name: "legacy" },
        { id: OLD_PROD, name: "old" },
      ],
    });
    const check = source(value).check(ORG);
    assert.deepEqual(check.policy.accounts.map(idAndName), [
      { id: PAYMENTS_PROD, name: "payments" },
      { id: SEARCH_PROD, name: "search-prod" },
      { id: PAYMENTS_STAGING, name: "payments-staging" },
      { id: "123412341234", name: "legacy" },
    ]);
    assert.deepEqual(check.warnings, [
      "accounts[1]: 123412341234 is not in the organization as read; it is offered as the file lists it",
      `accounts[2]: ${OLD_PROD} is SUSPENDED in the organization, so it is not offered`,
      'organization.exclude[2]: "nothing-like-it" matches no account of the organization',
    ]);
    assert.equal(findAccount(check.policy, "Payments")?.id, PAYMENTS_PROD);
    assert.equal(findAccount(check.policy, "payments-prod"), undefined, "the file's name replaces the Organizations one");
  });

  it("expands ou:<id> to the OU and everything below it, active accounts only", () => {
    const policy = resolved(fromAws([rule("prod", [`ou:${PROD_OU}`])]));
    assert.deepEqual(covered(policy, "prod"), [PAYMENTS_PROD, SEARCH_PROD]);
  });

  it("expands ou:<path> exactly as AWS spells it, and ou:<root id> or ou:/Root to every account in the organization", () => {
    const policy = resolved(
      fromAws(
        [
          rule("workloads", ["ou:/Root/Workloads"]),
          rule("eu", ["ou:/Root/Workloads/Prod/EU"]),
          rule("all", ["ou:r-ab12"]),
          rule("root", ["ou:/Root"]),
        ],
        { accounts: [{ id: "123412341234", name: "legacy" }] },
      ),
    );
    assert.deepEqual(covered(policy, "workloads"), [PAYMENTS_PROD, SEARCH_PROD, PAYMENTS_STAGING]);
    assert.deepEqual(covered(policy, "eu"), [SEARCH_PROD]);
    const inOrg = [MANAGEMENT, PAYMENTS_PROD, SEARCH_PROD, PAYMENTS_STAGING, SANDBOX_A, SANDBOX_B];
    assert.deepEqual(covered(policy, "all"), inOrg, "an account only the file lists sits in no OU");
    assert.deepEqual(covered(policy, "root"), inOrg);
  });

  it("expands tag:key=value exactly (case included) and tag:key to any value, the empty one too", () => {
    const policy = resolved(
      fromAws([
        rule("prod", ["tag:env=prod"]),
        rule("payments", ["tag:team"]),
        rule("owned", ["tag:owner"]),
        rule("empty", ["tag:owner="]),
      ]),
    );
    assert.deepEqual(covered(policy, "prod"), [PAYMENTS_PROD, SEARCH_PROD], "not SANDBOX_A's env=Prod, nor suspended accounts");
    assert.deepEqual(covered(policy, "payments"), [PAYMENTS_PROD, PAYMENTS_STAGING]);
    assert.deepEqual(covered(policy, "owned"), [SANDBOX_A]);
    assert.deepEqual(covered(policy, "empty"), [SANDBOX_A]);
  });

  it("resolves names in rules and account groups against the Organizations names", () => {
    const policy = resolved(
      fromAws([rule("r", ["group:payments", "search-prod"])], { accountGroups: { payments: ["Payments-Prod", PAYMENTS_STAGING] } }),
    );
    assert.deepEqual(covered(policy, "r"), [PAYMENTS_PROD, PAYMENTS_STAGING, SEARCH_PROD]);
  });

  it("refuses, naming the key, a rule naming an OU the organization does not have, and says when only the case differs", () => {
    const value = fromAws([rule("r", ["ou:ou-ab12-gone0000", "ou:/Root/workloads/prod", "ou:/Root/Nowhere", "tag:env=prod"])]);
    const refused = problems(() => source(value).resolve(ORG));
    assert.deepEqual(refused, [
      'rules[0].accounts[0]: "ou:ou-ab12-gone0000" names no OU (or root) of the organization',
      'rules[0].accounts[1]: "ou:/Root/workloads/prod" names no OU of the organization (paths match exactly, case included: the organization has /Root/Workloads/Prod)',
      'rules[0].accounts[2]: "ou:/Root/Nowhere" names no OU of the organization',
    ]);
    assert.throws(
      () => source(value).resolve(ORG),
      (error: unknown) =>
        error instanceof ConfigError && error.source === `${SOURCE}, with the organization read at 2027-01-04T09:00:00.000Z,`,
    );
  });

  it("refuses a rule naming an account nowhere, and one naming a name two accounts share, with their ids", () => {
    const value = fromAws([rule("r", ["sandbox", "staging", "000000000000"])]);
    assert.deepEqual(
      problems(() => source(value).resolve(ORG)),
      [
        `rules[0].accounts[0]: "sandbox" names 2 accounts (${SANDBOX_A}, ${SANDBOX_B}); name the one meant by its id, or give them distinct names under accounts`,
        'rules[0].accounts[1]: "staging" is not an account id or name of the organization or listed under accounts',
        'rules[0].accounts[2]: "000000000000" is not an account id or name of the organization or listed under accounts',
      ],
    );
  });

  it("leaves out, with a warning, an account a rule names that is suspended or excluded, instead of refusing the policy", () => {
    const value = fromAws([rule("r", [OLD_PROD, "closing", SANDBOX_B, "payments-prod"])], {
      organization: { accounts: "aws", exclude: [SANDBOX_B] },
    });
    const check = source(value).check(ORG);
    assert.deepEqual(covered(check.policy, "r"), [PAYMENTS_PROD]);
    assert.deepEqual(check.warnings, [
      `rules[0].accounts[0]: "${OLD_PROD}" is not offered (${OLD_PROD} is SUSPENDED in the organization), so the rule does not cover it`,
      `rules[0].accounts[1]: "closing" is not offered (${CLOSING} is PENDING_CLOSURE in the organization), so the rule does not cover it`,
      `rules[0].accounts[2]: "${SANDBOX_B}" is not offered (${SANDBOX_B} is excluded by organization.exclude), so the rule does not cover it`,
    ]);
  });

  it("warns of an OU or tag entry that covers no account at present", () => {
    const check = source(fromAws([rule("r", ["tag:env=qa", "*"])])).check(ORG);
    assert.deepEqual(check.warnings, ['rules[0].accounts[0]: "tag:env=qa" covers no account offered at present']);
  });

  it("refuses to resolve without the organization, and check() then covers the file's accounts and lists what it could not expand", () => {
    const value = fromAws([rule("r", ["ou:/Root/Workloads", "legacy", "search-prod", "*"])], {
      accounts: [{ id: "123412341234", name: "legacy" }],
    });
    assert.deepEqual(
      problems(() => source(value).resolve(null)),
      ["organization.accounts: aws takes the accounts from AWS Organizations, and they have not been read"],
    );
    assert.throws(() => parsePolicy(JSON.stringify(value), SOURCE), ConfigError);
    const check = source(value).check(null);
    assert.deepEqual(check.policy.accounts.map(idAndName), [{ id: "123412341234", name: "legacy" }]);
    assert.deepEqual(covered(check.policy, "r"), ["123412341234"]);
    assert.deepEqual(check.unexpanded, [
      "rules[0].accounts[0]: ou:/Root/Workloads",
      "rules[0].accounts[2]: search-prod",
      "rules[0].accounts[3]: *",
    ]);
  });
});

describe("requests by name with accounts from Organizations", () => {
  const policy = resolved(fromAws([rule("r", ["*"])]));

  it("finds an account by id and by a name only it has", () => {
    assert.equal(findAccount(policy, SANDBOX_B)?.id, SANDBOX_B);
    assert.equal(findAccount(policy, " Search-Prod ")?.id, SEARCH_PROD);
  });

  it("refuses a name two accounts share, naming both ids", () => {
    assert.throws(
      () => findAccount(policy, "Sandbox"),
      (error: unknown) =>
        error instanceof InvalidInput &&
        error.field === "account" &&
        error.message === `"Sandbox" is the name of 2 accounts (${SANDBOX_A}, ${SANDBOX_B}); give the account id instead.`,
    );
  });
});

describe("specificity of ou: and tag: entries", () => {
  const policy = resolved(
    fromAws([
      rule("everything", ["*"]),
      rule("prod-ou", [`ou:${PROD_OU}`]),
      rule("prod-tag", ["tag:env=prod"]),
      rule("payments-by-name", ["payments-prod"]),
    ]),
  );
  const deciding = (accountId: string) => decidingRules(policy, accountId, "ReadOnlyAccess").map((r) => r.name);

  it("ranks below an account named directly", () => {
    assert.deepEqual(deciding(PAYMENTS_PROD), ["payments-by-name"]);
  });

  it("ranks like an account group, above *", () => {
    assert.deepEqual(deciding(SEARCH_PROD), ["prod-ou", "prod-tag"]);
    assert.deepEqual(deciding(SANDBOX_A), ["everything"]);
    assert.deepEqual(
      policy.rules.map((r) => [r.name, r.specificity.account]),
      [
        ["everything", 0],
        ["prod-ou", 1],
        ["prod-tag", 1],
        ["payments-by-name", 2],
      ],
    );
  });
});
