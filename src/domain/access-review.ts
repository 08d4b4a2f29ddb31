// The figures of a user access review for a period, from the grants of record: per account and
// permission set, who had access, how often and how long (clipped to the period), who approved,
// break-glass use and extensions; the charts' series; and right-sizing hints. Pure, so every figure
// is unit-tested against grants built by hand.
import { SYSTEM_ACTOR } from "./audit-event.js";
import type { Grant } from "./grant.js";

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
/** A rule whose grants typically end before this share of its maximum is worth shortening. */
const SHORT_USE_SHARE = 0.25;
/** Hints need this many grants behind them. */
const HINT_MIN_GRANTS = 5;
/** One approver deciding more than this share of a target's grants is flagged. */
const CONCENTRATION_SHARE = 0.5;

export interface ReviewPeriod {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

/** What the activity digest found for a grant, where there is one. */
export interface GrantActivity {
  readonly calls: number;
  readonly writeCalls: number;
  readonly flagged: number;
  readonly reviewed: boolean;
  /** Some regions could not be read: no calls or no writes seen proves nothing. */
  readonly partial: boolean;
}

/** A digest that read everything and saw no call. */
function unusedBy(activity: GrantActivity | undefined): boolean {
  return activity !== undefined && !activity.partial && activity.calls === 0;
}

export interface ReviewInput {
  readonly period: ReviewPeriod;
  /** When the report is made: the end of access still running. */
  readonly now: number;
  /** Grants requested in the period or holding access at some time in it. */
  readonly grants: readonly Grant[];
  /** Distinct approvers of each grant's request. */
  readonly approvers: ReadonlyMap<string, readonly string[]>;
  /** Approved extensions of each grant. */
  readonly extensions: ReadonlyMap<string, number>;
  readonly accountName: (accountId: string) => string | undefined;
  /** The rule's maximum duration, when the rule is still in the policy. */
  readonly ruleMaxMs: (ruleName: string) => number | undefined;
  /** The permission sets that can change things (not read-only), for the right-sizing hints. */
  readonly writeCapable: (permissionSet: string) => boolean;
  readonly activity: ReadonlyMap<string, GrantActivity>;
}

export interface PersonUse {
  readonly requesterId: string;
  readonly email: string | null;
  readonly grants: number;
  readonly hours: number;
  readonly longestHours: number;
}

export interface Count {
  readonly id: string;
  readonly count: number;
}

export interface TargetReview {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly permissionSet: string;
  readonly grants: number;
  readonly hours: number;
  readonly longestHours: number;
  readonly people: readonly PersonUse[];
  /** Who approved, most first; break-glass and automatic approvals are counted apart. */
  readonly approvers: readonly Count[];
  readonly automatic: number;
  readonly breakGlass: number;
  readonly extensions: number;
  /** Grants with a digest that saw no call; null when no grant has a digest. */
  readonly unused: number | null;
  readonly flagged: number;
  readonly flaggedUnreviewed: number;
  /** Grants whose digest is partial (some regions unread). */
  readonly partialDigests: number;
}

export type Hint =
  | { readonly kind: "never-used"; readonly grantIds: readonly string[]; readonly accountId: string; readonly permissionSet: string }
  | { readonly kind: "read-only-use"; readonly grantIds: readonly string[]; readonly accountId: string; readonly permissionSet: string }
  | { readonly kind: "shorter-rule"; readonly rule: string; readonly grants: number; readonly medianMs: number; readonly maxMs: number };

export interface AccessReview {
  readonly period: ReviewPeriod;
  readonly totals: {
    readonly requests: number;
    readonly granted: number;
    readonly denied: number;
    readonly people: number;
    readonly hours: number;
    readonly breakGlass: number;
    readonly extensions: number;
  };
  readonly targets: readonly TargetReview[];
  /** Grants that began each week of the period (weeks from `period.from`). */
  readonly weekly: readonly { readonly weekStart: number; readonly grants: number }[];
  readonly hoursByAccount: readonly { readonly accountId: string; readonly name: string | null; readonly hours: number }[];
  readonly topRequesters: readonly PersonUse[];
  /** Per account, the approver deciding the largest share of its approved grants. */
  readonly concentration: readonly {
    readonly accountId: string;
    readonly name: string | null;
    readonly approver: string;
    readonly share: number;
    readonly approved: number;
    readonly flagged: boolean;
  }[];
  readonly hints: readonly Hint[];
}

/** When a grant's access ended, or ends as things stand (null when it never began). */
function heldUntil(grant: Grant, now: number): number | null {
  if (grant.activatedAt === null) return null;
  return grant.endedAt ?? Math.min(grant.expiresAt ?? now, now);
}

/** Hours of access within the period. */
function hoursIn(grant: Grant, period: ReviewPeriod, now: number): number {
  const until = heldUntil(grant, now);
  if (until === null || grant.activatedAt === null) return 0;
  const start = Math.max(grant.activatedAt, period.from);
  const end = Math.min(until, period.to);
  return end > start ? (end - start) / HOUR_MS : 0;
}

export function heldInPeriod(grant: Grant, period: ReviewPeriod, now: number): boolean {
  const until = heldUntil(grant, now);
  return grant.activatedAt !== null && until !== null && grant.activatedAt < period.to && until >= period.from;
}

function counted(ids: readonly string[]): Count[] {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].map(([id, count]) => ({ id, count })).sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function peopleOf(grants: readonly Grant[], hours: (grant: Grant) => number): PersonUse[] {
  const byPerson = new Map<string, Grant[]>();
  for (const grant of grants) byPerson.set(grant.requesterId, [...(byPerson.get(grant.requesterId) ?? []), grant]);
  return [...byPerson]
    .map(([requesterId, theirs]) => ({
      requesterId,
      email: theirs.find((grant) => grant.requesterEmail)?.requesterEmail ?? null,
      grants: theirs.length,
      hours: theirs.reduce((sum, grant) => sum + hours(grant), 0),
      longestHours: Math.max(...theirs.map(hours)),
    }))
    .sort((a, b) => b.hours - a.hours || b.grants - a.grants || a.requesterId.localeCompare(b.requesterId));
}

/** Approvers of a grant that a person decided (not the bot's automatic or break-glass approval). */
function humanApprovers(grant: Grant, input: ReviewInput): readonly string[] {
  if (grant.decidedBy === SYSTEM_ACTOR) return [];
  const recorded = input.approvers.get(grant.id) ?? [];
  return recorded.length > 0 ? recorded : grant.decidedBy ? [grant.decidedBy] : [];
}

function targetReview(
  key: readonly [string, string],
  grants: readonly Grant[],
  input: ReviewInput,
  hours: (g: Grant) => number,
): TargetReview {
  const [accountId, permissionSet] = key;
  const withDigest = grants.filter((grant) => input.activity.has(grant.id));
  const activity = (grant: Grant) => input.activity.get(grant.id);
  return {
    accountId,
    accountName: input.accountName(accountId) ?? null,
    permissionSet,
    grants: grants.length,
    hours: grants.reduce((sum, grant) => sum + hours(grant), 0),
    longestHours: Math.max(0, ...grants.map(hours)),
    people: peopleOf(grants, hours),
    approvers: counted(grants.flatMap((grant) => humanApprovers(grant, input))),
    automatic: grants.filter((grant) => grant.decidedBy === SYSTEM_ACTOR && !grant.breakGlass).length,
    breakGlass: grants.filter((grant) => grant.breakGlass).length,
    extensions: grants.reduce((sum, grant) => sum + (input.extensions.get(grant.id) ?? 0), 0),
    unused: withDigest.length === 0 ? null : withDigest.filter((grant) => unusedBy(activity(grant))).length,
    flagged: grants.filter((grant) => (activity(grant)?.flagged ?? 0) > 0).length,
    flaggedUnreviewed: grants.filter((grant) => (activity(grant)?.flagged ?? 0) > 0 && !activity(grant)?.reviewed).length,
    partialDigests: withDigest.filter((grant) => activity(grant)?.partial).length,
  };
}

function weekly(held: readonly Grant[], period: ReviewPeriod): { weekStart: number; grants: number }[] {
  const weeks = Math.max(1, Math.ceil((period.to - period.from) / WEEK_MS));
  const counts = new Array<number>(weeks).fill(0);
  for (const grant of held) {
    const started = Math.max(grant.activatedAt ?? period.from, period.from);
    const week = Math.min(weeks - 1, Math.floor((started - period.from) / WEEK_MS));
    counts[week] = (counts[week] ?? 0) + 1;
  }
  return counts.map((grants, week) => ({ weekStart: period.from + week * WEEK_MS, grants }));
}

function hints(held: readonly Grant[], input: ReviewInput): Hint[] {
  const found: Hint[] = [];
  const byTarget = groupBy(held, (grant) => `${grant.accountId}\u0000${grant.permissionSetName}`);
  for (const grants of byTarget.values()) {
    const [first] = grants;
    if (!first) continue;
    const where = { accountId: first.accountId, permissionSet: first.permissionSetName };
    const unused = grants.filter((grant) => unusedBy(input.activity.get(grant.id))).map((grant) => grant.id);
    if (unused.length > 0) found.push({ kind: "never-used", grantIds: unused, ...where });
    if (input.writeCapable(first.permissionSetName)) {
      const readOnly = grants
        .filter((grant) => {
          const activity = input.activity.get(grant.id);
          return activity !== undefined && !activity.partial && activity.calls > 0 && activity.writeCalls === 0;
        })
        .map((grant) => grant.id);
      if (readOnly.length > 0) found.push({ kind: "read-only-use", grantIds: readOnly, ...where });
    }
  }
  for (const [rule, grants] of groupBy(held, (grant) => grant.ruleName)) {
    const maxMs = input.ruleMaxMs(rule);
    const used = grants
      .filter((grant) => grant.endedAt !== null && grant.activatedAt !== null)
      .map((grant) => (grant.endedAt ?? 0) - (grant.activatedAt ?? 0));
    if (maxMs === undefined || used.length < HINT_MIN_GRANTS) continue;
    const medianMs = median(used);
    if (medianMs < maxMs * SHORT_USE_SHARE) found.push({ kind: "shorter-rule", rule, grants: used.length, medianMs, maxMs });
  }
  return found;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function accessReview(input: ReviewInput): AccessReview {
  const { period, now } = input;
  const hours = (grant: Grant) => hoursIn(grant, period, now);
  const held = input.grants.filter((grant) => heldInPeriod(grant, period, now));
  const requested = input.grants.filter((grant) => grant.createdAt >= period.from && grant.createdAt < period.to);
  const targets = [...groupBy(held, (grant) => `${grant.accountId}\u0000${grant.permissionSetName}`).values()]
    .map((grants) => targetReview([grants[0]?.accountId ?? "", grants[0]?.permissionSetName ?? ""], grants, input, hours))
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.permissionSet.localeCompare(b.permissionSet));
  const byAccount = groupBy(held, (grant) => grant.accountId);
  const concentration = [...byAccount].flatMap(([accountId, grants]) => {
    const approved = grants.flatMap((grant) => humanApprovers(grant, input).slice(0, 1));
    const [top] = counted(approved);
    if (!top) return [];
    const share = top.count / approved.length;
    const flagged = share > CONCENTRATION_SHARE && approved.length >= HINT_MIN_GRANTS;
    return [{ accountId, name: input.accountName(accountId) ?? null, approver: top.id, share, approved: approved.length, flagged }];
  });
  return {
    period,
    totals: {
      requests: requested.length,
      granted: held.length,
      denied: requested.filter((grant) => grant.status === "denied").length,
      people: new Set(held.map((grant) => grant.requesterId)).size,
      hours: held.reduce((sum, grant) => sum + hours(grant), 0),
      breakGlass: held.filter((grant) => grant.breakGlass).length,
      extensions: held.reduce((sum, grant) => sum + (input.extensions.get(grant.id) ?? 0), 0),
    },
    targets,
    weekly: weekly(held, period),
    hoursByAccount: [...byAccount]
      .map(([accountId, grants]) => ({
        accountId,
        name: input.accountName(accountId) ?? null,
        hours: grants.reduce((sum, grant) => sum + hours(grant), 0),
      }))
      .sort((a, b) => b.hours - a.hours || a.accountId.localeCompare(b.accountId)),
    topRequesters: peopleOf(held, hours).slice(0, 10),
    concentration: concentration.sort((a, b) => b.share - a.share || a.accountId.localeCompare(b.accountId)),
    hints: hints(held, input),
  };
}
