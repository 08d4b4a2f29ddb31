// A request for several (account, permission set) pairs at once. Each pair is its own grant (its own
// assignment, expiry, revocation and audit records); the grants share a bundle id, one justification
// and one approval message. Pairs whose rules name the same approvers, quorum and channel form one
// part, decided by one click; where pairs need different approvers, each part is decided on its own.
import type { Grant } from "./grant.js";
import type { Policy, Rule } from "./policy.js";

/**
 * The most targets a policy may allow in one request: an approval message for this many, each
 * under its own rule, stays within Slack's 50 blocks (two per part and a few for the request).
 */
export const MAX_TARGETS_LIMIT = 20;

/**
 * How many targets a request may name when the policy does not say: one, so multi-target requests
 * (a new shape of message for approvers) are something a policy turns on, not an upgrade's surprise.
 */
export const DEFAULT_MAX_TARGETS = 1;

export function maxTargets(policy: Pick<Policy, "maxTargetsPerRequest">): number {
  return policy.maxTargetsPerRequest ?? DEFAULT_MAX_TARGETS;
}

/** An account and a permission set as the requester named them. */
export interface TargetRef {
  readonly account: string;
  readonly permissionSet: string;
}

/** Every account with every permission set, each distinct pair once (names compare case-insensitively), in the order given. */
export function requestedPairs(accounts: readonly string[], permissionSets: readonly string[]): TargetRef[] {
  const pairs = new Map<string, TargetRef>();
  for (const account of accounts) {
    for (const permissionSet of permissionSets) {
      const key = `${account.trim().toLowerCase()}\u0000${permissionSet.trim().toLowerCase()}`;
      if (!pairs.has(key)) pairs.set(key, { account: account.trim(), permissionSet: permissionSet.trim() });
    }
  }
  return [...pairs.values()];
}

/** The names in a comma-separated list ("prod,staging"), without blanks. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

type ApprovalSettings = Pick<
  Rule,
  "approvers" | "approvalsRequired" | "allowSelfApproval" | "approverChannel" | "silentApprovers" | "escalation" | "remindEveryMs"
>;

const refKeys = (refs: readonly unknown[]) => refs.map((ref) => JSON.stringify(ref)).sort();

/**
 * Rules with the same key are decided by the same people in the same way, escalated and reminded
 * alike: their pairs are one part, and a part is escalated and reminded once, not once per target.
 */
export function approverGroupKey(rule: ApprovalSettings): string {
  const escalation = rule.escalation ? [refKeys(rule.escalation.approvers), rule.escalation.channel, rule.escalation.afterMs] : null;
  return JSON.stringify([
    refKeys(rule.approvers),
    rule.approvalsRequired,
    rule.allowSelfApproval,
    rule.approverChannel,
    ...(rule.silentApprovers?.length || escalation || rule.remindEveryMs
      ? [refKeys(rule.silentApprovers ?? []), escalation, rule.remindEveryMs ?? null]
      : []),
  ]);
}

/** The pairs one approver group decides. */
export interface BundlePart {
  readonly key: string;
  /** The rules its grants were requested under, in order of first appearance. */
  readonly rules: readonly Rule[];
  readonly grants: readonly Grant[];
}

/**
 * The bundle's grants by approver group, in request order. A grant whose rule has left the policy
 * forms a part of its own (nobody may decide it any more; the sweep expires it).
 */
export function bundleParts(grants: readonly Grant[], ruleOf: (name: string) => Rule | undefined): BundlePart[] {
  const parts = new Map<string, { rules: Rule[]; grants: Grant[] }>();
  for (const grant of grants) {
    const rule = ruleOf(grant.ruleName);
    const key = rule ? approverGroupKey(rule) : `missing:${grant.ruleName}`;
    const part = parts.get(key) ?? { rules: [], grants: [] };
    if (rule && !part.rules.includes(rule)) part.rules.push(rule);
    part.grants.push(grant);
    parts.set(key, part);
  }
  return [...parts].map(([key, part]) => ({ key, rules: part.rules, grants: part.grants }));
}

/** A multi-target request as it stands. */
export interface RequestBundle {
  readonly id: string;
  readonly grants: readonly Grant[];
  readonly parts: readonly BundlePart[];
  /** Who has approved each grant so far, by grant id. */
  readonly approvers: ReadonlyMap<string, readonly string[]>;
  /** When each escalated grant still pending was escalated, by grant id. */
  readonly escalatedAt?: ReadonlyMap<string, number>;
}

/** The part a grant of the bundle belongs to. */
export function partOf(parts: readonly BundlePart[], grantId: string): BundlePart | undefined {
  return parts.find((part) => part.grants.some((grant) => grant.id === grantId));
}

/** Whether the part still waits for a decision. */
export function partPending(part: BundlePart): boolean {
  return part.grants.some((grant) => grant.status === "pending");
}
