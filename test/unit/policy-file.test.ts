// The policy file: what a valid one becomes, and how every mistake in it is reported by key path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPolicyFile, parsePolicy } from "../../src/config/policy-file.js";
import { fullRule, FENCE_OFF } from "../support/rules.js";
import { ConfigError } from "../../src/config/problems.js";
import type { Policy } from "../../src/domain/policy.js";

const HOUR = 3_600_000;
const SOURCE = "The policy file test.yaml";

const VALID_YAML = `
# Production is tightly held; staging is read-only for the team.
accounts:
  - id: "111122223333"
    name: Production
  - id: "444455556666"
    name: Staging
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: prod-admin
    accounts: [Production, "444455556666"]
    permissionSets: [AdministratorAccess]
    requesters: [U012ABCDEF, Alice@Example.COM]
    approvers: [W0APPROVER, " Bob@Example.com "]
    approverChannel: C0APPROVALS
    maxDuration: 1h30m
  - name: staging-ro
    accounts: [Staging, Production, Staging]
    permissionSets: [ReadOnlyAccess]
    requesters: [U012ABCDEF]
    approvers: [U0BOSS]
    approverChannel: G0PRIVATE
    maxDuration: 1d
    allowSelfApproval: true
`;

const EXPECTED: Policy = {
  unmanagedAssignments: "ignore",
  sessionFence: FENCE_OFF,
  maxTargetsPerRequest: 1,
  admins: [],
  sharedAddressPatterns: [],
  accounts: [
    { id: "111122223333", name: "Production" },
    { id: "444455556666", name: "Staging" },
  ],
  permissionSets: ["AdministratorAccess", "ReadOnlyAccess"],
  rules: [
    fullRule({
      name: "prod-admin",
      accountIds: ["111122223333", "444455556666"],
      permissionSets: ["AdministratorAccess"],
      requesters: [
        { kind: "slack-user", id: "U012ABCDEF" },
        { kind: "email", email: "alice@example.com" },
      ],
      approvers: [
        { kind: "slack-user", id: "W0APPROVER" },
        { kind: "email", email: "bob@example.com" },
      ],
      approverChannel: "C0APPROVALS",
      maxDurationMs: 1.5 * HOUR,
      allowSelfApproval: false,
    }),
    fullRule({
      name: "staging-ro",
      accountIds: ["444455556666", "111122223333"],
      permissionSets: ["ReadOnlyAccess"],
      requesters: [{ kind: "slack-user", id: "U012ABCDEF" }],
      approvers: [{ kind: "slack-user", id: "U0BOSS" }],
      approverChannel: "G0PRIVATE",
      maxDurationMs: 24 * HOUR,
      allowSelfApproval: true,
    }),
  ],
};

/** A policy as the file holds it, before validation. */
interface PolicyInput {
  accounts: Array<Record<string, unknown>>;
  permissionSets: unknown[];
  rules: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** A minimal valid policy as a plain object, to be broken one key at a time. */
function minimal(): PolicyInput {
  return {
    accounts: [{ id: "111122223333", name: "Production" }],
    permissionSets: ["AdministratorAccess"],
    rules: [
      {
        name: "prod-admin",
        accounts: ["Production"],
        permissionSets: ["AdministratorAccess"],
        requesters: ["U012ABCDEF"],
        approvers: ["U0BOSS"],
        approverChannel: "C0APPROVALS",
        maxDuration: "2h",
      },
    ],
  };
}

/** The problems parsePolicy reports for this text; fails the test if it parses. */
function problemsOf(text: string): readonly string[] {
  try {
    parsePolicy(text, SOURCE);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.source, SOURCE);
    return error.problems;
  }
  assert.fail("expected the policy to be refused");
}

const problemsOfObject = (value: unknown) => problemsOf(JSON.stringify(value));

describe("parsePolicy: a valid policy", () => {
  it("parses YAML into the expected policy", () => {
    assert.deepEqual(parsePolicy(VALID_YAML, SOURCE), EXPECTED);
  });

  it("parses the same policy written as JSON", () => {
    const json = JSON.stringify({
      accounts: [
        { id: "111122223333", name: "Production" },
        { id: "444455556666", name: "Staging" },
      ],
      permissionSets: ["AdministratorAccess", "ReadOnlyAccess"],
      rules: [
        {
          name: "prod-admin",
          accounts: ["Production", "444455556666"],
          permissionSets: ["AdministratorAccess"],
          requesters: ["U012ABCDEF", "Alice@Example.COM"],
          approvers: ["W0APPROVER", " Bob@Example.com "],
          approverChannel: "C0APPROVALS",
          maxDuration: "1h30m",
        },
        {
          name: "staging-ro",
          accounts: ["Staging", "Production", "Staging"],
          permissionSets: ["ReadOnlyAccess"],
          requesters: ["U012ABCDEF"],
          approvers: ["U0BOSS"],
          approverChannel: "G0PRIVATE",
          maxDuration: "1d",
          allowSelfApproval: true,
        },
      ],
    });
    assert.deepEqual(parsePolicy(json, SOURCE), EXPECTED);
  });

  it("resolves account names in rules to account ids, once each", () => {
    const policy = parsePolicy(VALID_YAML, SOURCE);
    assert.deepEqual(policy.rules[1]?.accountIds, ["444455556666", "111122223333"]);
  });

  it("lowercases emails and trims principals", () => {
    const policy = parsePolicy(VALID_YAML, SOURCE);
    assert.deepEqual(policy.rules[0]?.approvers[1], { kind: "email", email: "bob@example.com" });
  });

  it("turns allowSelfApproval off unless the rule says otherwise", () => {
    const policy = parsePolicy(VALID_YAML, SOURCE);
    assert.equal(policy.rules[0]?.allowSelfApproval, false);
    assert.equal(policy.rules[1]?.allowSelfApproval, true);
  });

  it("returns a frozen policy", () => {
    const policy = parsePolicy(VALID_YAML, SOURCE);
    assert.ok(Object.isFrozen(policy));
    assert.ok(Object.isFrozen(policy.accounts));
    assert.ok(Object.isFrozen(policy.rules));
    assert.ok(Object.isFrozen(policy.rules[0]));
    assert.ok(Object.isFrozen(policy.rules[0]?.accountIds));
  });

  it("trims names of accounts and permission sets", () => {
    const value = minimal();
    value.accounts = [{ id: "111122223333", name: "  Production " }];
    value.permissionSets = [" AdministratorAccess "];
    const policy = parsePolicy(JSON.stringify(value), SOURCE);
    assert.deepEqual(policy.accounts, [{ id: "111122223333", name: "Production" }]);
    assert.deepEqual(policy.permissionSets, ["AdministratorAccess"]);
  });
});

describe("parsePolicy: problems name the exact key", () => {
  it("explains an account id YAML read as a number", () => {
    const problems = problemsOf(VALID_YAML.replace('id: "111122223333"', "id: 111122223333"));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^accounts\[0\]\.id: must be the 12-digit account id in quotes/);
  });

  it("refuses an account id that is not 12 digits", () => {
    const value = minimal();
    value.accounts = [{ id: "12345", name: "Production" }];
    assert.deepEqual(problemsOfObject(value), ["accounts[0].id: must be exactly 12 digits"]);
  });

  it("names a maximum duration that is not a duration", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], maxDuration: "forever" };
    assert.deepEqual(problemsOfObject(value), [
      'rules[0].maxDuration: "forever" is not a duration. Use minutes and hours like 30m, 2h or 1h30m.',
    ]);
  });

  it("names a maximum duration of zero", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], maxDuration: "0m" };
    assert.deepEqual(problemsOfObject(value), ['rules[0].maxDuration: The duration must be longer than zero (got "0m").']);
  });

  it("names a maximum duration written as a bare number", () => {
    const problems = problemsOf(VALID_YAML.replace("maxDuration: 1d", "maxDuration: 90"));
    assert.deepEqual(problems, ['rules[1].maxDuration: must be a duration such as "4h" or "1h30m"']);
  });

  it("names a missing maximum duration", () => {
    const value = minimal();
    delete value.rules[0]?.maxDuration;
    assert.deepEqual(problemsOfObject(value), ['rules[0].maxDuration: must be a duration such as "4h" or "1h30m"']);
  });

  it("names an unknown key inside a rule and the key itself", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], approver: ["U0BOSS"] };
    assert.deepEqual(problemsOfObject(value), ["rules[0].approver: unknown key (check the spelling)"]);
  });

  it("names an unknown key inside an account", () => {
    const value = minimal();
    value.accounts = [{ id: "111122223333", name: "Production", region: "eu-west-1" }];
    assert.deepEqual(problemsOfObject(value), ["accounts[0].region: unknown key (check the spelling)"]);
  });

  it("names an unknown top-level key", () => {
    const value = minimal();
    value.owners = ["U0BOSS"];
    assert.deepEqual(problemsOfObject(value), ["owners: unknown key (check the spelling)"]);
  });

  it("names a rule's reference to an account that is not listed (names in any case are listed)", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], accounts: ["Production", "production", "999999999999", "Prod"] };
    assert.deepEqual(problemsOfObject(value), [
      'rules[0].accounts[2]: "999999999999" is not an account id or name listed under accounts',
      'rules[0].accounts[3]: "Prod" is not an account id or name listed under accounts',
    ]);
  });

  it("names a rule's reference to a permission set that is not listed (names in any case are listed)", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], permissionSets: ["AdministratorAccess", "administratoraccess", "PowerUser"] };
    assert.deepEqual(problemsOfObject(value), ['rules[0].permissionSets[2]: "PowerUser" is not listed under permissionSets']);
  });

  it("names every duplicate: account ids, account names (any case), permission sets (any case) and rule names", () => {
    const value = minimal();
    value.accounts = [
      { id: "111122223333", name: "Production" },
      { id: "111122223333", name: "Other" },
      { id: "444455556666", name: "PRODUCTION" },
    ];
    value.permissionSets = ["AdministratorAccess", "administratoraccess"];
    value.rules = [value.rules[0] ?? {}, { ...value.rules[0] }];
    assert.deepEqual(problemsOfObject(value), [
      "accounts[1].id: duplicate account id 111122223333",
      'accounts[2].name: duplicate account name "production"',
      'permissionSets[1]: duplicate permission set "administratoraccess"',
      'rules[1].name: duplicate rule name "prod-admin"',
    ]);
  });

  it("names principals that are neither Slack user ids nor emails", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], requesters: ["alice"], approvers: ["U0BOSS", "@boss"] };
    assert.deepEqual(problemsOfObject(value), [
      "rules[0].requesters[0]: must be a Slack user id (U…), an email address, or usergroup:<Slack user group id, S…>",
      "rules[0].approvers[1]: must be a Slack user id (U…), an email address, or usergroup:<Slack user group id, S…>",
    ]);
  });

  it("names an approver channel that is not a channel id", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], approverChannel: "approvals" };
    assert.deepEqual(problemsOfObject(value), ["rules[0].approverChannel: must be a Slack channel id such as C0123456789"]);
  });

  it("names empty lists", () => {
    const value = minimal();
    value.rules[0] = { ...value.rules[0], requesters: [], approvers: [] };
    assert.deepEqual(problemsOfObject(value), [
      "rules[0].approvers: name at least one approver",
      "rules[0].requesters: name at least one requester (or breakGlass person)",
    ]);
    assert.deepEqual(problemsOfObject({ ...minimal(), rules: [] }), ["rules: define at least one rule"]);
  });

  it("names an allowSelfApproval that is not a boolean", () => {
    const problems = problemsOf(VALID_YAML.replace("allowSelfApproval: true", 'allowSelfApproval: "yes"'));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^rules\[1\]\.allowSelfApproval: /);
  });

  it("names a blank account name (references are checked once every key is well-formed)", () => {
    const value = minimal();
    value.accounts = [{ id: "111122223333", name: "   " }];
    assert.deepEqual(problemsOfObject(value), ["accounts[0].name: must not be empty"]);
  });

  it("reports every problem at once, not just the first", () => {
    const value = minimal();
    value.accounts = [{ id: 1, name: "Production" }];
    value.rules[0] = { ...value.rules[0], maxDuration: "soon", approverChannel: "#ops" };
    const problems = problemsOfObject(value);
    assert.equal(problems.length, 3);
    assert.ok(problems.some((p) => p.startsWith("accounts[0].id: ")));
    assert.ok(problems.some((p) => p.startsWith("rules[0].maxDuration: ")));
    assert.ok(problems.some((p) => p.startsWith("rules[0].approverChannel: ")));
  });

  it("refuses an empty file and a file that is not a mapping", () => {
    assert.equal(problemsOf("").length, 1);
    assert.match(problemsOf("").join(), /expected object/);
    assert.match(problemsOf("- just\n- a list\n").join(), /expected object/);
  });

  it("names a missing top-level section", () => {
    const { rules: _rules, ...withoutRules } = minimal();
    const problems = problemsOfObject(withoutRules);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^rules: /);
  });
});

describe("parsePolicy: YAML syntax errors", () => {
  it("reports a syntax error with its line and column", () => {
    const problems = problemsOf('accounts:\n  - id: "1"\n   name: x\n');
    assert.ok(problems.length >= 1);
    assert.match(problems[0] ?? "", /line 3, column 1/);
  });

  it("reports tabs used for indentation", () => {
    assert.match(problemsOf("accounts:\n\t- id: x\n").join("\n"), /Tabs are not allowed/);
  });

  it("reports a key given twice instead of silently keeping one", () => {
    const problems = problemsOf(VALID_YAML.replace("maxDuration: 1h30m", "maxDuration: 1h30m\n    maxDuration: 30d"));
    assert.match(problems.join("\n"), /Map keys must be unique/);
  });

  it("keeps each syntax problem to its first line", () => {
    for (const problem of problemsOf("accounts: [\n  - id: x\n")) assert.doesNotMatch(problem, /\n/);
  });
});

describe("loadPolicyFile", () => {
  it("reads and parses a policy file", () => {
    const dir = mkdtempSync(join(tmpdir(), "jit-policy-"));
    try {
      const file = join(dir, "policy.yaml");
      writeFileSync(file, VALID_YAML);
      assert.deepEqual(loadPolicyFile(file), EXPECTED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the file in the problems of an invalid policy", () => {
    const dir = mkdtempSync(join(tmpdir(), "jit-policy-"));
    try {
      const file = join(dir, "policy.yaml");
      writeFileSync(file, "rules: []\n");
      assert.throws(
        () => loadPolicyFile(file),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.source, `The policy file ${file}`);
          assert.ok(error.problems.includes("rules: define at least one rule"));
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("mentions JIT_POLICY_FILE when the file cannot be read", () => {
    const missing = join(tmpdir(), "jit-slack-no-such-dir", "policy.yaml");
    assert.throws(
      () => loadPolicyFile(missing),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.source, `The policy file ${missing}`);
        assert.equal(error.problems.length, 1);
        assert.match(error.problems[0] ?? "", /^cannot be read: ENOENT.*\(set JIT_POLICY_FILE\)$/);
        assert.match(error.message, /JIT_POLICY_FILE/);
        return true;
      },
    );
  });
});

describe("names in rules", () => {
  it("match accounts and permission sets regardless of case, as /jit does", () => {
    const policy = parsePolicy(
      `accounts: [{ id: "111122223333", name: Prod }]
permissionSets: [AdministratorAccess]
rules:
  - name: r
    accounts: [PROD]
    permissionSets: [administratoraccess]
    requesters: [U0ALICE]
    approvers: [U0BOB]
    approverChannel: C0APPROVALS
    maxDuration: 1h
`,
      "case.yaml",
    );
    assert.deepEqual(policy.rules[0]?.accountIds, ["111122223333"]);
    assert.deepEqual(policy.rules[0]?.permissionSets, ["AdministratorAccess"]);
  });
});

describe("rules that offer groups", () => {
  const base = `accounts:
  - id: "111122223333"
    name: Production
permissionSets: [ReadOnlyAccess]
rules:
  - name: teams
    groups: [prod-admins, 0123456789-abcdef01-2345-6789-abcd-ef0123456789]
    requesters: [U012ABCDEF]
    approvers: [W0APPROVER]
    approverChannel: C0APPROVALS
    maxDuration: 2h
`;

  it("may leave out accounts and permission sets", () => {
    const [rule] = parsePolicy(base, SOURCE).rules;
    assert.deepEqual(rule?.groups, ["prod-admins", "0123456789-abcdef01-2345-6789-abcd-ef0123456789"]);
    assert.deepEqual(rule?.accountIds, []);
    assert.deepEqual(rule?.permissionSets, []);
  });

  it("still needs accounts and permission sets when it offers no group, or names one of them", () => {
    assert.ok(problemsOf(base.replace(/ {4}groups: .*\n/, "")).some((p) => /rules\[0\]\.accounts.*name at least one account/.test(p)));
    const half = base.replace("    groups:", "    accounts: [Production]\n    groups:");
    assert.ok(problemsOf(half).some((p) => /rules\[0\]\.permissionSets.*name at least one permission set/.test(p)));
  });
});
