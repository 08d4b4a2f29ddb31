#!/usr/bin/env node
// `npm run policy:check -- <file> [--as <who>,…] [--json]`: validates a policy file exactly as the
// bot does and prints what each requester it names (or each person given with --as) may request,
// and where role sessions would outlive grants. Needs no Slack or AWS, so a team can run it in the
// CI of their policy repository; without AWS, session durations are taken as the 12 h maximum.
import { parseArgs } from "node:util";
import { ConfigError } from "../config/problems.js";
import { loadPolicyFile } from "../config/policy-file.js";
import { describeRef, isPerson, type Person, type PrincipalRef } from "../domain/people.js";
import { eligibleTargets, type Policy } from "../domain/policy.js";
import { formatDuration } from "../domain/duration.js";
import { sharedAddresses, sharedAddressWarning } from "../domain/shared-addresses.js";
import { factsWithoutAws, sessionNotes, sessionProblems, sessionReport } from "../domain/session-gaps.js";

const USAGE = "Usage: npm run policy:check -- <policy-file> [--as U0123ABCD,alice@example.com] [--json]";

/** The people asked about are imagined as full members in good standing: the policy is what is checked. */
const MEMBER = "member" as const;

function people(policy: Policy, as: string | undefined): Person[] {
  if (as) {
    return as
      .split(",")
      .map((who) => who.trim())
      .filter(Boolean)
      .map((who) =>
        who.includes("@") ? { slackId: "", email: who.toLowerCase(), standing: MEMBER } : { slackId: who, email: null, standing: MEMBER },
      );
  }
  const refs = policy.rules.flatMap((rule) => [...rule.requesters, ...rule.breakGlass]);
  const unique = new Map<string, PrincipalRef>(refs.map((ref) => [describeRef(ref), ref]));
  return [...unique.values()].flatMap((ref): Person[] => {
    if (ref.kind === "slack-user") return [{ slackId: ref.id, email: null, standing: MEMBER }];
    if (ref.kind === "email") return [{ slackId: "", email: ref.email, standing: MEMBER }];
    return [{ slackId: "", email: null, groups: [ref.id], standing: MEMBER }];
  });
}

function label(person: Person): string {
  return person.slackId || person.email || (person.groups?.[0] ? `member of usergroup:${person.groups[0]}` : "?");
}

function approval(rule: Policy["rules"][number], person: Person): string {
  if (rule.autoApprove.kind === "always") return "auto-approved";
  if (rule.autoApprove.kind === "schedule") return "auto-approved in business hours";
  if (isPerson(rule.breakGlass, person)) return "break-glass (no approval; reviewed afterwards)";
  return rule.approvalsRequired > 1 ? `${rule.approvalsRequired} approvals` : "1 approval";
}

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { as: { type: "string" }, json: { type: "boolean" } }, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let policy: Policy;
  try {
    policy = loadPolicyFile(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const report = people(policy, parsed.values.as).map((person) => ({
    who: label(person),
    may: eligibleTargets(policy, person).map((target) => ({
      account: target.account.name,
      accountId: target.account.id,
      permissionSet: target.permissionSet,
      rule: target.rule.name,
      maxDuration: formatDuration(target.rule.maxDurationMs),
      approval: approval(target.rule, person),
    })),
  }));
  const sessions = sessionReport(policy, factsWithoutAws(policy), false);
  const problems = sessionProblems(sessions);
  const warnings = [...sharedAddresses(policy).map(sharedAddressWarning), ...problems.warnings];
  const { errors } = problems;
  const code = errors.length > 0 ? 1 : 0;
  if (parsed.values.json) {
    const notes = sessionNotes(sessions);
    const json = { valid: true, rules: policy.rules.length, errors, warnings, sessions: { ...sessions, notes }, requesters: report };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return code;
  }
  process.stdout.write(
    `${file} is valid: ${policy.accounts.length} accounts, ${policy.permissionSets.length} permission sets, ${policy.rules.length} rules.\n`,
  );
  for (const note of sessionNotes(sessions)) process.stdout.write(`note: ${note}\n`);
  for (const error of errors) process.stdout.write(`error: ${error}\n`);
  for (const warning of warnings) process.stdout.write(`warning: ${warning}\n`);
  for (const entry of report) {
    process.stdout.write(`\n${entry.who} may request:\n`);
    if (entry.may.length === 0) process.stdout.write("  nothing\n");
    for (const item of entry.may) {
      process.stdout.write(
        `  ${item.account} (${item.accountId}) ${item.permissionSet} · up to ${item.maxDuration} · ${item.approval} · rule ${item.rule}\n`,
      );
    }
  }
  return code;
}

process.exitCode = main(process.argv.slice(2));
