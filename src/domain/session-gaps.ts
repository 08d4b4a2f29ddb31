// For policy:check and start-up: each account and permission set a rule decides where role sessions would
// outlive the grant (the session fence cannot reach it), by how much, and the rules that require
// the fence on such a target, whose requests the bot would refuse.
import { formatDuration } from "./duration.js";
import { fenceGap, fenceGapCause, LONGEST_SESSION_MS, sessionDurationKnown, type FenceFacts } from "./fence-capability.js";
import { decidingRules, type Policy, type Rule } from "./policy.js";

export interface SessionGapItem {
  readonly rule: string;
  readonly account: string;
  readonly accountId: string;
  readonly permissionSet: string;
  /** Why the fence cannot end sessions there: fence-off, fence-unavailable or management-account. */
  readonly reason: string;
  readonly cause: string;
  readonly maxDuration: string;
  readonly sessionDuration: string;
  readonly sessionDurationKnown: boolean;
  /** How long access granted under the rule may be used: maxDuration and one session opened just before the end. */
  readonly usableFor: string;
  /** The same counting extensions (maxTotalDuration), when the rule allows them. */
  readonly usableWithExtensions: string | null;
  /** The rule requires the fence here: requests would be refused. */
  readonly refused: boolean;
}

export interface SessionReport {
  readonly fence: FenceFacts["mode"];
  /** Whether the facts came from AWS; without it, durations are taken as the longest a session may last. */
  readonly checkedWithAws: boolean;
  readonly gaps: readonly SessionGapItem[];
}

/** The facts policy:check can know without AWS: the fence's mode, and no session duration (12 h assumed). */
export function factsWithoutAws(policy: Policy): FenceFacts {
  return { mode: policy.sessionFence.mode, unavailable: null, managementAccountId: null, sessionDurationMs: new Map() };
}

export function sessionReport(policy: Policy, facts: FenceFacts, checkedWithAws: boolean): SessionReport {
  const gaps: SessionGapItem[] = [];
  for (const rule of policy.rules) {
    for (const accountId of rule.accountIds) {
      for (const permissionSet of rule.permissionSets) {
        // Only where the rule decides: a more specific rule overrides it elsewhere.
        if (!decidingRules(policy, accountId, permissionSet).includes(rule)) continue;
        const gap = fenceGap(facts, accountId, permissionSet);
        if (gap === null) continue;
        const account = policy.accounts.find((a) => a.id === accountId)?.name ?? accountId;
        gaps.push({
          rule: rule.name,
          account,
          accountId,
          permissionSet,
          reason: gap.reason,
          cause: fenceGapCause(facts, gap),
          maxDuration: formatDuration(rule.maxDurationMs),
          sessionDuration: formatDuration(gap.sessionDurationMs),
          sessionDurationKnown: sessionDurationKnown(facts, permissionSet),
          usableFor: formatDuration(rule.maxDurationMs + gap.sessionDurationMs),
          usableWithExtensions: withExtensions(rule, gap.sessionDurationMs),
          refused: rule.requireSessionFence,
        });
      }
    }
  }
  return { fence: facts.mode, checkedWithAws, gaps };
}

function withExtensions(rule: Rule, sessionMs: number): string | null {
  return rule.maxTotalDurationMs > rule.maxDurationMs ? formatDuration(rule.maxTotalDurationMs + sessionMs) : null;
}

/** What policy:check prints about the facts it used, before the gaps. */
export function sessionNotes(report: SessionReport): string[] {
  if (report.checkedWithAws) return [];
  const notes = [
    `role sessions: not checked against AWS, so each permission set's session duration is unknown; the longest AWS allows (${formatDuration(LONGEST_SESSION_MS)}) is assumed.`,
  ];
  if (report.fence === "scp") {
    notes.push(
      "role sessions: the session fence is on (sessionFence.mode: scp); whether this organization allows service control policies, and which account is its management account (never fenced), is known only to the bot at start.",
    );
  }
  return notes;
}

/**
 * One line per rule, permission set and cause, naming the accounts: a warning, or an error where the
 * rule requires the fence (its requests there would be refused).
 */
export function sessionProblems(report: SessionReport): { warnings: string[]; errors: string[] } {
  const groups = new Map<string, SessionGapItem[]>();
  for (const gap of report.gaps) {
    const key = JSON.stringify([gap.rule, gap.permissionSet, gap.reason]);
    groups.set(key, [...(groups.get(key) ?? []), gap]);
  }
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const items of groups.values()) {
    const [first] = items as [SessionGapItem, ...SessionGapItem[]];
    const where = `${first.permissionSet} on ${items.map((item) => `${item.account} (${item.accountId})`).join(", ")}`;
    if (first.refused) {
      errors.push(
        `rule "${first.rule}" requires the session fence, which cannot end role sessions for ${where}: ${first.cause}. Requests there would be refused.`,
      );
      continue;
    }
    const assumed = first.sessionDurationKnown ? "" : " (assumed)";
    const extended = first.usableWithExtensions ? ` (${first.usableWithExtensions} with extensions)` : "";
    warnings.push(
      `rule "${first.rule}", ${where}: maxDuration ${first.maxDuration} but sessions last ${first.sessionDuration}${assumed}: ` +
        `access may be used for ${first.usableFor}${extended}, because ${first.cause}.`,
    );
  }
  return { warnings, errors };
}
