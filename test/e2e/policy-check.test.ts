// npm run policy:check, as a team's CI runs it against their policy repository.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, beforeEach, describe, it } from "node:test";
import { awsClientEnv, startFakeAws, type FakeAws } from "../../src/simulators/fake-aws.js";
import { entryArgs } from "../support/built.js";
import { runEntry, type Ran } from "../support/jit-admin.js";
import { UX_POLICY } from "../support/ux-policy.js";
import { PROD } from "../support/world.js";
import { ORG, PAYMENTS_PROD, PAYMENTS_STAGING, PROD_OU, SANDBOX_A, SANDBOX_B, SEARCH_PROD } from "../support/org-snapshot.js";

function policyFile(policy: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "policy-check-"));
  const file = join(dir, "policy.yaml");
  writeFileSync(file, policy);
  return { dir, file };
}

function check(policy: string, ...args: string[]) {
  const { dir, file } = policyFile(policy);
  const ran = spawnSync(process.execPath, [...entryArgs("policy-check"), file, ...args], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  return { code: ran.status, stdout: ran.stdout, stderr: ran.stderr };
}

/** `policy:check <file> --aws …` with only `env` (plus PATH and HOME), so the developer's own AWS settings never leak in. */
function checkWithAws(policy: string, env: Record<string, string>, ...args: string[]): Promise<Ran> {
  const { dir, file } = policyFile(policy);
  return runEntry("policy-check", [file, "--aws", ...args], env, dir);
}

const FENCED_POLICY = `sessionFence: { mode: scp }\n${UX_POLICY}`;

/** A policy taking its accounts from AWS Organizations, with OU and tag rules and one account of its own. */
const ORG_POLICY = `
organization: { accounts: aws, exclude: [management] }
accounts:
  - { id: "123412341234", name: legacy }
permissionSets: [ReadOnlyAccess]
rules:
  - name: prod-ou
    accounts: ["ou:/Root/Workloads/Prod"]
    permissionSets: [ReadOnlyAccess]
    requesters: [U0ALICE]
    approvers: [U0BOB]
    approverChannel: C0APPROVALS
    maxDuration: 1h
  - name: payments
    accounts: ["tag:team=payments", legacy]
    permissionSets: [ReadOnlyAccess]
    requesters: [U0CAROL]
    approvers: [U0BOB]
    approverChannel: C0APPROVALS
    maxDuration: 2h
`;

function snapshotFile(snapshot: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "org-snapshot-")), "org.json");
  writeFileSync(file, JSON.stringify(snapshot));
  return file;
}

describe("policy:check", () => {
  it("accepts a valid policy and prints what each named requester may request, and how it is approved", () => {
    const ran = check(UX_POLICY);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /is valid: 2 accounts, 2 permission sets, 3 rules/);
    assert.match(
      ran.stdout,
      /U0ALICE may request:\n(.*\n)*\s+prod \(111122223333\) AdministratorAccess · up to 2h · 2 approvals · rule prod-admin/,
    );
    assert.match(ran.stdout, /carol@example\.com may request:\n\s+prod \(111122223333\) AdministratorAccess · up to 2h · break-glass/);
    assert.match(ran.stdout, /sandbox \(444455556666\) ReadOnlyAccess · up to 4h · auto-approved · rule sandbox-auto/);
  });

  it("answers for the people given with --as, as JSON", () => {
    const ran = check(UX_POLICY, "--as", "U0NOBODY,carol@example.com", "--json");
    assert.equal(ran.code, 0, ran.stderr);
    const report = JSON.parse(ran.stdout) as { requesters: Array<{ who: string; may: unknown[] }> };
    assert.deepEqual(
      report.requesters.map((r) => [r.who, r.may.length]),
      [
        ["U0NOBODY", 0],
        ["carol@example.com", 1],
      ],
    );
  });

  it("exits 1 naming the key of each problem", () => {
    const ran = check(UX_POLICY.replace("approvalsRequired: 2", "approvalsRequired: 3").replace("maxDuration: 8h", "maxDuration: 8x"));
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /rules\[0\]\.approvalsRequired: needs 3 distinct approvers but the rule names only 2/);
    assert.match(ran.stderr, /rules\[2\]\.maxDuration: "8x" is not a duration/);
  });

  it("warns about shared and role addresses, built-in and from sharedAddressPatterns, and recommends Slack ids or user groups", () => {
    const policy = UX_POLICY.replace(
      "admins: [U0MALLORY]",
      'admins: [U0MALLORY, oncall@example.com]\nsharedAddressPatterns: ["^team-"]',
    ).replace(/approvers: \[/, "approvers: [security-lead@example.com, team-payments@example.com, ");
    const ran = check(policy);
    assert.equal(ran.code, 0, ran.stderr);
    const warnings = ran.stdout.split("\n").filter((line) => line.startsWith("warning: ") && !line.includes("sessions last"));
    assert.equal(warnings.length, 3, ran.stdout);
    assert.match(
      warnings[0] ?? "",
      /^warning: admins\[1\]: oncall@example\.com looks like a shared or role address.*Slack user id \(U…\) or a Slack user group/,
    );
    assert.match(warnings[1] ?? "", /rule "prod-admin" approvers\[0\]: security-lead@example\.com/);
    assert.match(warnings[2] ?? "", /rule "prod-admin" approvers\[1\]: team-payments@example\.com/);
    const json = JSON.parse(check(policy, "--json").stdout) as { warnings: string[] };
    assert.equal(json.warnings.filter((warning) => !warning.includes("sessions last")).length, 3);
  });

  it("finds nothing to warn about in policy.example.yaml", () => {
    const example = readFileSync(fileURLToPath(new URL("../../policy.example.yaml", import.meta.url)), "utf8");
    const ran = check(example);
    assert.equal(ran.code, 0, ran.stderr);
    assert.doesNotMatch(ran.stdout, /warning:/);
  });

  it("names where role sessions outlive grants and by how much, assuming the 12h maximum without AWS", () => {
    const ran = check(UX_POLICY);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stdout,
      /^note: role sessions: not checked against AWS, so each permission set's session duration is unknown; the longest AWS allows \(12h\) is assumed\.$/m,
    );
    const sessions = ran.stdout.split("\n").filter((line) => line.includes("sessions last"));
    assert.deepEqual(sessions, [
      'warning: rule "prod-admin", AdministratorAccess on prod (111122223333): maxDuration 2h but sessions last 12h (assumed): access may be used for 14h, because the session fence is off (sessionFence.mode: off in the policy).',
      'warning: rule "sandbox-auto", AdministratorAccess on sandbox (444455556666): maxDuration 4h but sessions last 12h (assumed): access may be used for 16h (18h with extensions), because the session fence is off (sessionFence.mode: off in the policy).',
      'warning: rule "sandbox-auto", ReadOnlyAccess on sandbox (444455556666): maxDuration 4h but sessions last 12h (assumed): access may be used for 16h (18h with extensions), because the session fence is off (sessionFence.mode: off in the policy).',
      'warning: rule "read-anything", ReadOnlyAccess on prod (111122223333): maxDuration 8h but sessions last 12h (assumed): access may be used for 20h (21h with extensions), because the session fence is off (sessionFence.mode: off in the policy).',
    ]);
  });

  it("lists a rule requiring the session fence where it cannot work as an error, and exits 1, in text and JSON", () => {
    const policy = UX_POLICY.replace("justificationMinLength: 10", "justificationMinLength: 10\n    requireSessionFence: true");
    const ran = check(policy);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      /^error: rule "prod-admin" requires the session fence, which cannot end role sessions for AdministratorAccess on prod \(111122223333\): the session fence is off \(sessionFence\.mode: off in the policy\)\. Requests there would be refused\.$/m,
    );
    assert.doesNotMatch(ran.stdout, /warning: rule "prod-admin"/);

    const json = check(policy, "--json");
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as {
      errors: string[];
      sessions: { fence: string; checkedWithAws: boolean; notes: string[]; gaps: Array<Record<string, unknown>> };
    };
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0] ?? "", /^rule "prod-admin" requires the session fence/);
    assert.equal(report.sessions.fence, "off");
    assert.equal(report.sessions.checkedWithAws, false);
    assert.match(report.sessions.notes[0] ?? "", /12h\) is assumed/);
    assert.deepEqual(
      report.sessions.gaps.find((gap) => gap.rule === "prod-admin"),
      {
        rule: "prod-admin",
        account: "prod",
        accountId: "111122223333",
        permissionSet: "AdministratorAccess",
        reason: "fence-off",
        cause: "the session fence is off (sessionFence.mode: off in the policy)",
        maxDuration: "2h",
        sessionDuration: "12h",
        sessionDurationKnown: false,
        usableFor: "14h",
        usableWithExtensions: null,
        refused: true,
      },
    );
  });

  it("with the session fence on, warns of no gap it cannot see without AWS, and says what it could not check", () => {
    const ran = check(`sessionFence: { mode: scp }\n${UX_POLICY}`, "--json");
    assert.equal(ran.code, 0, ran.stderr);
    const report = JSON.parse(ran.stdout) as { warnings: string[]; errors: string[]; sessions: { gaps: unknown[]; notes: string[] } };
    assert.deepEqual([report.warnings, report.errors, report.sessions.gaps], [[], [], []]);
    assert.match(report.sessions.notes[1] ?? "", /session fence is on \(sessionFence\.mode: scp\).*management account \(never fenced\)/);
  });

  describe("with --aws", () => {
    let aws: FakeAws;
    before(async () => {
      aws = await startFakeAws();
    });
    after(() => aws.close());
    beforeEach(() => {
      aws.reset();
      aws.addPermissionSet("AdministratorAccess", { sessionDuration: "PT8H" });
      aws.addPermissionSet("ReadOnlyAccess", { sessionDuration: "PT1H" });
    });

    it("takes each permission set's session duration from Identity Center instead of assuming 12h", async () => {
      const ran = await checkWithAws(UX_POLICY, { ...awsClientEnv(aws) });
      assert.equal(ran.code, 0, ran.stderr);
      assert.doesNotMatch(ran.stdout, /assumed|not checked against AWS/);
      assert.match(
        ran.stdout,
        new RegExp(`^note: role sessions: checked with AWS as .+, in IAM Identity Center instance ${aws.instanceArn}\\.$`, "m"),
      );
      const sessions = ran.stdout.split("\n").filter((line) => line.includes("sessions last"));
      assert.deepEqual(sessions, [
        'warning: rule "prod-admin", AdministratorAccess on prod (111122223333): maxDuration 2h but sessions last 8h: access may be used for 10h, because the session fence is off (sessionFence.mode: off in the policy).',
        'warning: rule "sandbox-auto", AdministratorAccess on sandbox (444455556666): maxDuration 4h but sessions last 8h: access may be used for 12h (14h with extensions), because the session fence is off (sessionFence.mode: off in the policy).',
        'warning: rule "sandbox-auto", ReadOnlyAccess on sandbox (444455556666): maxDuration 4h but sessions last 1h: access may be used for 5h (7h with extensions), because the session fence is off (sessionFence.mode: off in the policy).',
        'warning: rule "read-anything", ReadOnlyAccess on prod (111122223333): maxDuration 8h but sessions last 1h: access may be used for 9h (10h with extensions), because the session fence is off (sessionFence.mode: off in the policy).',
      ]);
      assert.equal(aws.callsOf("DescribeOrganization").length, 0, "with the fence off, Organizations is not asked");

      const json = await checkWithAws(UX_POLICY, { ...awsClientEnv(aws) }, "--json");
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as { sessions: { checkedWithAws: boolean; gaps: Array<Record<string, unknown>> } };
      assert.equal(report.sessions.checkedWithAws, true);
      assert.deepEqual(
        report.sessions.gaps.map((gap) => [gap.permissionSet, gap.sessionDuration, gap.sessionDurationKnown]),
        [
          ["AdministratorAccess", "8h", true],
          ["AdministratorAccess", "8h", true],
          ["ReadOnlyAccess", "1h", true],
          ["ReadOnlyAccess", "1h", true],
        ],
      );
    });

    it("with the session fence on, names the management account as where sessions outlive grants, and nothing else", async () => {
      aws.configureOrganization({ managementAccountId: PROD });
      const ran = await checkWithAws(FENCED_POLICY, { ...awsClientEnv(aws) });
      assert.equal(ran.code, 0, ran.stderr);
      assert.doesNotMatch(ran.stdout, /^error:/m);
      const sessions = ran.stdout.split("\n").filter((line) => line.includes("sessions last"));
      assert.deepEqual(sessions, [
        'warning: rule "prod-admin", AdministratorAccess on prod (111122223333): maxDuration 2h but sessions last 8h: access may be used for 10h, because it is the organization\'s management account, which service control policies never reach.',
        'warning: rule "read-anything", ReadOnlyAccess on prod (111122223333): maxDuration 8h but sessions last 1h: access may be used for 9h (10h with extensions), because it is the organization\'s management account, which service control policies never reach.',
      ]);

      const required = FENCED_POLICY.replace("justificationMinLength: 10", "justificationMinLength: 10\n    requireSessionFence: true");
      const refused = await checkWithAws(required, { ...awsClientEnv(aws) });
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(
        refused.stdout,
        /^error: rule "prod-admin" requires the session fence, which cannot end role sessions for AdministratorAccess on prod \(111122223333\): it is the organization's management account/m,
      );
    });

    it("reports a session fence that cannot work in the organization as an error, with AWS's reason, and exits 1", async () => {
      aws.configureOrganization({ scpEnabled: false });
      const ran = await checkWithAws(FENCED_POLICY, { ...awsClientEnv(aws) });
      assert.equal(ran.code, 1, ran.stdout + ran.stderr);
      assert.match(
        ran.stdout,
        new RegExp(
          `^error: the policy asks for the session fence \\(sessionFence\\.mode: scp\\), but it cannot work in this organization, so the bot would not start: Service control policies are not enabled on the organization root ${aws.rootId}`,
          "m",
        ),
      );
      assert.match(ran.stdout, /sessions last 8h: access may be used for 10h, because the session fence cannot work in this organization/);

      const json = await checkWithAws(FENCED_POLICY, { ...awsClientEnv(aws) }, "--json");
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stdout) as { errors: string[]; sessions: { fence: string; checkedWithAws: boolean } };
      assert.match(report.errors[0] ?? "", /cannot work in this organization/);
      assert.deepEqual([report.sessions.fence, report.sessions.checkedWithAws], ["scp", true]);
    });

    it("exits 2 naming what failed when AWS cannot be reached", async () => {
      const gone = await startFakeAws();
      await gone.close();
      const ran = await checkWithAws(UX_POLICY, { ...awsClientEnv(gone) });
      assert.equal(ran.code, 2, ran.stdout);
      assert.equal(ran.stdout, "");
      assert.match(ran.stderr, /^policy:check --aws: could not check with AWS: STS GetCallerIdentity failed: ECONNREFUSED/m);
    });

    it("exits 2 naming the variable when the bot's AWS settings are malformed", async () => {
      const ran = await checkWithAws(UX_POLICY, { ...awsClientEnv(aws), JIT_SSO_INSTANCE_ARN: "ssoins-nope" });
      assert.equal(ran.code, 2, ran.stdout);
      assert.match(ran.stderr, /JIT_SSO_INSTANCE_ARN: must be an Identity Center instance ARN/);
      assert.equal(aws.calls.length, 0);
    });

    it("exits 2 when a permission set of the policy is not in the instance", async () => {
      aws.reset();
      aws.addPermissionSet("AdministratorAccess");
      const ran = await checkWithAws(UX_POLICY, { ...awsClientEnv(aws) });
      assert.equal(ran.code, 2, ran.stdout);
      assert.match(ran.stderr, /Permission sets named in the policy do not exist in .*: ReadOnlyAccess\./);
    });
  });

  describe("with accounts from AWS Organizations", () => {
    it("with --org-snapshot, lists what each rule covers with each account's OU path and tags", () => {
      const file = snapshotFile(ORG);
      const ran = check(ORG_POLICY, "--org-snapshot", file);
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /is valid: 6 accounts, 1 permission sets, 2 rules/);
      assert.match(
        ran.stdout,
        new RegExp(
          `^note: organization: accounts from ${file}, read at 2027-01-04T09:00:00\\.000Z: 8 accounts in the organization, 6 active, 6 offered\\.$`,
          "m",
        ),
      );
      assert.ok(
        ran.stdout.includes(
          [
            "rule prod-ou covers 2 accounts:",
            `  payments-prod (${PAYMENTS_PROD}) · /Root/Workloads/Prod · env=prod, team=payments`,
            `  search-prod (${SEARCH_PROD}) · /Root/Workloads/Prod/EU · env=prod`,
            "",
            "rule payments covers 3 accounts:",
            `  payments-prod (${PAYMENTS_PROD}) · /Root/Workloads/Prod · env=prod, team=payments`,
            `  payments-staging (${PAYMENTS_STAGING}) · /Root/Workloads/Staging · env=staging, team=payments`,
            "  legacy (123412341234) · not in the organization",
          ].join("\n"),
        ),
        ran.stdout,
      );
      assert.match(
        ran.stdout,
        /^warning: accounts\[0\]: 123412341234 is not in the organization as read; it is offered as the file lists it$/m,
      );
      assert.match(
        ran.stdout,
        new RegExp(
          `^warning: accounts: "sandbox" is the name of 2 accounts \\(${SANDBOX_A}, ${SANDBOX_B}\\); a request naming it is refused`,
          "m",
        ),
      );
      // payments-prod is also under rule payments, which names an account directly (legacy), so it ranks
      // higher and decides there: Alice, not among its requesters, may ask for search-prod only.
      assert.match(
        ran.stdout,
        /U0ALICE may request:\n {2}search-prod \(222222222222\) ReadOnlyAccess · up to 1h · 1 approval · rule prod-ou\n\n/,
      );

      const json = check(ORG_POLICY, "--org-snapshot", file, "--json");
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as { coverage: Array<{ rule: string; accounts: Array<Record<string, unknown>> }> };
      assert.deepEqual(report.coverage[0], {
        rule: "prod-ou",
        accounts: [
          { id: PAYMENTS_PROD, name: "payments-prod", ou: "/Root/Workloads/Prod", tags: { env: "prod", team: "payments" } },
          { id: SEARCH_PROD, name: "search-prod", ou: "/Root/Workloads/Prod/EU", tags: { env: "prod" } },
        ],
      });
    });

    it("without a snapshot, says which entries it cannot expand and checks the file's own accounts", () => {
      const ran = check(ORG_POLICY, "--json");
      assert.equal(ran.code, 0, ran.stderr);
      const report = JSON.parse(ran.stdout) as {
        unexpanded: string[];
        coverage?: unknown;
        sessions: { notes: string[] };
        requesters: Array<{ who: string; may: Array<{ accountId: string }> }>;
      };
      assert.deepEqual(report.unexpanded, ["rules[0].accounts[0]: ou:/Root/Workloads/Prod", "rules[1].accounts[0]: tag:team=payments"]);
      assert.equal(report.coverage, undefined);
      assert.match(
        report.sessions.notes[0] ?? "",
        /^organization: the policy takes its accounts from AWS Organizations \(organization\.accounts: aws\), and no --org-snapshot was given/,
      );
      assert.deepEqual(
        report.requesters.map((r) => [r.who, r.may.map((m) => m.accountId)]),
        [
          ["U0ALICE", []],
          ["U0CAROL", ["123412341234"]],
        ],
      );
    });

    it("exits 1 naming the rule when the snapshot lacks an OU it names", () => {
      const ran = check(
        ORG_POLICY.replace("ou:/Root/Workloads/Prod", `ou:${PROD_OU.replace("prod", "gone")}`),
        "--org-snapshot",
        snapshotFile(ORG),
      );
      assert.equal(ran.code, 1, ran.stdout);
      assert.match(
        ran.stderr,
        /with the organization read at 2027-01-04T09:00:00\.000Z, is invalid:\n\s+- rules\[0\]\.accounts\[0\]: "ou:ou-ab12-gone0001" names no OU \(or root\) of the organization/,
      );
    });

    it("exits 2 naming the key when the snapshot file is malformed, and notes a snapshot a file-mode policy does not use", () => {
      const ran = check(ORG_POLICY, "--org-snapshot", snapshotFile({ ...ORG, rootId: "root" }));
      assert.equal(ran.code, 2, ran.stdout);
      assert.match(
        ran.stderr,
        /^policy:check --org-snapshot: The organization snapshot .*org\.json is invalid:\n\s+- rootId: must be a root id \(r-…\)/,
      );

      const fileMode = check(UX_POLICY, "--org-snapshot", snapshotFile(ORG));
      assert.equal(fileMode.code, 0, fileMode.stderr);
      assert.match(
        fileMode.stdout,
        /^note: organization: the policy lists its accounts itself \(organization\.accounts: file\), so --org-snapshot is not used\.$/m,
      );
    });
  });

  it("exits 2 without a file", () => {
    const ran = spawnSync(process.execPath, entryArgs("policy-check"), { encoding: "utf8", timeout: 20_000 });
    assert.equal(ran.status, 2);
    assert.match(ran.stderr, /Usage: npm run policy:check/);
  });
});
