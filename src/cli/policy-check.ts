#!/usr/bin/env node
// `npm run policy:check -- <file> [--as <who>,…] [--aws] [--org-snapshot <file.json>] [--json]`: validates a policy file exactly as
// the bot does and prints what each requester it names (or each person given with --as) may request,
// and where role sessions would outlive grants. Needs no Slack, and no AWS unless asked, so a team
// can run it in the CI of their policy repository; without AWS, session durations are taken as the
// 12 h maximum. With --aws it asks AWS what the bot asks at start, the same way and from the same
// variables: each permission set's session duration and, with the fence on, whether the organization
// allows it and which account is its management account. A policy taking its accounts from AWS
// Organizations is resolved against a saved snapshot (--org-snapshot), and each rule's accounts are
// listed with their OU and tags; without one, only the file's own accounts are checked.
// Exit 1: the policy has problems; 2: it could not be checked (usage, or AWS could not be asked).
import { parseArgs } from "node:util";
import { createAwsClients, createOrganizationsClient } from "../aws/clients.js";
import { discoverIdentityCenter } from "../aws/discovery.js";
import { discoverFenceFacts } from "../aws/fence-facts.js";
import { loadAwsConfig } from "../config/env.js";
import { ConfigError } from "../config/problems.js";
import { loadPolicySource, type PolicySource, type Resolution } from "../config/policy-file.js";
import { loadOrgSnapshot } from "../config/org-snapshot-file.js";
import type { OrgSnapshot } from "../domain/organization.js";
import { coverageLines, ruleCoverage, sharedNameWarnings, type RuleCoverage } from "./org-coverage.js";
import { noFence, type FenceFacts } from "../domain/fence-capability.js";
import { describeRef, isPerson, type Person, type PrincipalRef } from "../domain/people.js";
import { eligibleTargets, type Policy } from "../domain/policy.js";
import { formatDuration } from "../domain/duration.js";
import { sharedAddresses, sharedAddressWarning } from "../domain/shared-addresses.js";
import { factsWithoutAws, sessionNotes, sessionProblems, sessionReport } from "../domain/session-gaps.js";
import { StartupError } from "../startup-error.js";

const USAGE = [
  "Usage: npm run policy:check -- <policy-file> [--as U0123ABCD,alice@example.com] [--aws] [--org-snapshot <file.json>] [--json]",
  "  --aws  ask AWS for each permission set's session duration and, with sessionFence.mode: scp, what the",
  "         organization allows; credentials from the standard chain, the instance from JIT_SSO_INSTANCE_ARN,",
  "         JIT_IDENTITY_STORE_ID and AWS_ROLE_ARN as the bot reads them",
  "  --org-snapshot  with organization.accounts: aws, the organization's accounts, OUs and tags from this",
  "         file (an OrgSnapshot as JSON), to expand ou: and tag: entries and list what each rule covers",
].join("\n");

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

interface CheckedFacts {
  readonly facts: FenceFacts;
  /** What was asked, for the notes: null without AWS. */
  readonly askedAs: string | null;
}

/** The facts the bot finds at start, found the same way. Throws StartupError or ConfigError when AWS cannot be asked. */
async function factsFromAws(policy: Policy, env: Readonly<Record<string, string | undefined>>): Promise<CheckedFacts> {
  const config = loadAwsConfig(env);
  const aws = createAwsClients(config.assumeRoleArn);
  try {
    const discovered = await discoverIdentityCenter(aws, config, policy.permissionSets);
    const askedAs = `role sessions: checked with AWS as ${discovered.callerArn}, in IAM Identity Center instance ${discovered.instanceArn}.`;
    if (policy.sessionFence.mode === "off") return { facts: noFence(discovered.sessionDurationMs), askedAs };
    const organizations = createOrganizationsClient(config.assumeRoleArn);
    try {
      return { facts: await discoverFenceFacts(organizations.client, policy.sessionFence, discovered.sessionDurationMs), askedAs };
    } finally {
      organizations.destroy();
    }
  } finally {
    aws.destroy();
  }
}

interface Organization {
  readonly resolution: Resolution;
  readonly notes: readonly string[];
  /** With a snapshot of the organization the policy uses: what each rule covers. */
  readonly coverage: readonly RuleCoverage[] | null;
}

/** The policy against the snapshot when it takes its accounts from AWS Organizations. Throws ConfigError. */
function withOrganization(source: PolicySource, snapshot: OrgSnapshot | null, snapshotFile: string | undefined): Organization {
  if (!source.needsOrganization) {
    const notes = snapshot
      ? ["organization: the policy lists its accounts itself (organization.accounts: file), so --org-snapshot is not used."]
      : [];
    return { resolution: source.check(null), notes, coverage: null };
  }
  const resolution = source.check(snapshot);
  if (snapshot === null) {
    const pending =
      resolution.unexpanded.length > 0 ? ` These entries cannot be expanded without it: ${resolution.unexpanded.join("; ")}.` : "";
    const note = `organization: the policy takes its accounts from AWS Organizations (organization.accounts: aws), and no --org-snapshot was given, so only the accounts the file lists are checked.${pending}`;
    return { resolution, notes: [note], coverage: null };
  }
  const active = snapshot.accounts.filter((a) => a.state === "ACTIVE").length;
  const note = `organization: accounts from ${snapshotFile}, read at ${new Date(snapshot.readAt).toISOString()}: ${snapshot.accounts.length} accounts in the organization, ${active} active, ${resolution.policy.accounts.length} offered.`;
  return { resolution, notes: [note], coverage: ruleCoverage(resolution.policy, snapshot) };
}

/** The bot refuses to start when the fence it is asked for cannot work (fence-setup.ts), so policy:check says so as an error. */
function fenceErrors(facts: FenceFacts): string[] {
  if (facts.mode !== "scp" || facts.unavailable === null) return [];
  return [
    `the policy asks for the session fence (sessionFence.mode: scp), but it cannot work in this organization, so the bot would not start: ${facts.unavailable}`,
  ];
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { as: { type: "string" }, aws: { type: "boolean" }, json: { type: "boolean" }, "org-snapshot": { type: "string" } },
      allowPositionals: true,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let source: PolicySource;
  try {
    source = loadPolicySource(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const snapshotFile = parsed.values["org-snapshot"];
  let snapshot: OrgSnapshot | null = null;
  try {
    if (snapshotFile !== undefined) snapshot = loadOrgSnapshot(snapshotFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Like AWS unreachable: the policy could not be checked, so not exit 1.
    process.stderr.write(`policy:check --org-snapshot: ${error.message}\n`);
    return 2;
  }
  let organization: Organization;
  try {
    organization = withOrganization(source, snapshot, snapshotFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const policy = organization.resolution.policy;
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
  let checked: CheckedFacts = { facts: factsWithoutAws(policy), askedAs: null };
  if (parsed.values.aws) {
    try {
      checked = await factsFromAws(policy, process.env);
    } catch (error) {
      if (!(error instanceof StartupError || error instanceof ConfigError)) throw error;
      process.stderr.write(`policy:check --aws: could not check with AWS: ${error.message}\n`);
      return 2;
    }
  }
  const sessions = sessionReport(policy, checked.facts, parsed.values.aws === true);
  const problems = sessionProblems(sessions);
  const warnings = [
    ...organization.resolution.warnings,
    ...sharedNameWarnings(policy),
    ...sharedAddresses(policy).map(sharedAddressWarning),
    ...problems.warnings,
  ];
  const errors = [...fenceErrors(checked.facts), ...problems.errors];
  const notes = [...organization.notes, ...(checked.askedAs ? [checked.askedAs] : []), ...sessionNotes(sessions)];
  const code = errors.length > 0 ? 1 : 0;
  if (parsed.values.json) {
    const json = {
      valid: true,
      rules: policy.rules.length,
      errors,
      warnings,
      sessions: { ...sessions, notes },
      requesters: report,
      ...(organization.coverage ? { coverage: organization.coverage } : {}),
      ...(organization.resolution.unexpanded.length > 0 ? { unexpanded: organization.resolution.unexpanded } : {}),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return code;
  }
  process.stdout.write(
    `${file} is valid: ${policy.accounts.length} accounts, ${policy.permissionSets.length} permission sets, ${policy.rules.length} rules.\n`,
  );
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
  for (const error of errors) process.stdout.write(`error: ${error}\n`);
  for (const warning of warnings) process.stdout.write(`warning: ${warning}\n`);
  if (organization.coverage) process.stdout.write(`${coverageLines(organization.coverage).join("\n")}\n`);
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

process.exitCode = await main(process.argv.slice(2));
