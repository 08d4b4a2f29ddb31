// npm run policy:check, as a team's CI runs it against their policy repository.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { entryArgs } from "../support/built.js";
import { UX_POLICY } from "../support/ux-policy.js";

function check(policy: string, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "policy-check-"));
  const file = join(dir, "policy.yaml");
  writeFileSync(file, policy);
  const ran = spawnSync(process.execPath, [...entryArgs("policy-check"), file, ...args], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  return { code: ran.status, stdout: ran.stdout, stderr: ran.stderr };
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
    const warnings = ran.stdout.split("\n").filter((line) => line.startsWith("warning: "));
    assert.equal(warnings.length, 3, ran.stdout);
    assert.match(
      warnings[0] ?? "",
      /^warning: admins\[1\]: oncall@example\.com looks like a shared or role address.*Slack user id \(U…\) or a Slack user group/,
    );
    assert.match(warnings[1] ?? "", /rule "prod-admin" approvers\[0\]: security-lead@example\.com/);
    assert.match(warnings[2] ?? "", /rule "prod-admin" approvers\[1\]: team-payments@example\.com/);
    const json = JSON.parse(check(policy, "--json").stdout) as { warnings: string[] };
    assert.equal(json.warnings.length, 3);
  });

  it("finds nothing to warn about in policy.example.yaml", () => {
    const example = readFileSync(fileURLToPath(new URL("../../policy.example.yaml", import.meta.url)), "utf8");
    const ran = check(example);
    assert.equal(ran.code, 0, ran.stderr);
    assert.doesNotMatch(ran.stdout, /warning:/);
  });

  it("exits 2 without a file", () => {
    const ran = spawnSync(process.execPath, entryArgs("policy-check"), { encoding: "utf8", timeout: 20_000 });
    assert.equal(ran.status, 2);
    assert.match(ran.stderr, /Usage: npm run policy:check/);
  });
});
