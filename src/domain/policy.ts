// Who may ask for what, for how long, and who must approve: pure evaluation over a parsed policy.
import { InvalidInput, PolicyDenied } from "./errors.js";
import { formatDuration } from "./duration.js";

export interface Account {
  readonly id: string;
  readonly name: string;
}

/** A Slack user id ("U…"/"W…") or an email address, as written in the policy. */
export type PrincipalRef = { readonly kind: "slack-user"; readonly id: string } | { readonly kind: "email"; readonly email: string };

export interface Rule {
  readonly name: string;
  readonly accountIds: readonly string[];
  readonly permissionSets: readonly string[];
  readonly requesters: readonly PrincipalRef[];
  readonly approvers: readonly PrincipalRef[];
  readonly approverChannel: string;
  readonly maxDurationMs: number;
  readonly allowSelfApproval: boolean;
}

/**
 * What reconciliation does with assignments of the policy's permission sets on the policy's
 * accounts that no grant explains (standing access given outside the bot).
 */
export type UnmanagedAssignments = "ignore" | "report" | "enforce";

export interface Policy {
  readonly unmanagedAssignments: UnmanagedAssignments;
  readonly accounts: readonly Account[];
  readonly permissionSets: readonly string[];
  /** In file order; the first rule that lets the requester ask wins. */
  readonly rules: readonly Rule[];
}

/** The person acting, as far as policy needs to know them. */
export interface Person {
  readonly slackId: string;
  readonly email: string | null;
}

export function isPerson(refs: readonly PrincipalRef[], person: Person): boolean {
  const email = person.email?.toLowerCase();
  return refs.some((ref) =>
    ref.kind === "slack-user" ? ref.id === person.slackId : email !== undefined && ref.email.toLowerCase() === email,
  );
}

/** An account by 12-digit id or by its name in the policy (names compare case-insensitively). */
export function findAccount(policy: Policy, ref: string): Account | undefined {
  const wanted = ref.trim().toLowerCase();
  return policy.accounts.find((account) => account.id === wanted || account.name.toLowerCase() === wanted);
}

export function findPermissionSet(policy: Policy, ref: string): string | undefined {
  const wanted = ref.trim().toLowerCase();
  return policy.permissionSets.find((name) => name.toLowerCase() === wanted);
}

export function findRule(policy: Policy, name: string): Rule | undefined {
  return policy.rules.find((rule) => rule.name === name);
}

export interface AccessAsk {
  readonly requester: Person;
  readonly accountId: string;
  readonly permissionSet: string;
  readonly durationMs: number;
}

function covers(rule: Rule, accountId: string, permissionSet: string): boolean {
  return rule.accountIds.includes(accountId) && rule.permissionSets.includes(permissionSet);
}

/**
 * The rule under which this request is made. Precedence: the first rule in file order that covers
 * the account and permission set and lists the requester. Its maximum duration is then enforced.
 */
export function ruleForRequest(policy: Policy, ask: AccessAsk): Rule {
  const covering = policy.rules.filter((rule) => covers(rule, ask.accountId, ask.permissionSet));
  if (covering.length === 0) {
    throw new PolicyDenied(`No rule in the policy allows requesting ${ask.permissionSet} on account ${ask.accountId}.`);
  }
  const rule = covering.find((candidate) => isPerson(candidate.requesters, ask.requester));
  if (!rule) {
    throw new PolicyDenied(`You are not on the list of people who may request ${ask.permissionSet} on account ${ask.accountId}.`);
  }
  if (ask.durationMs > rule.maxDurationMs) {
    throw new InvalidInput(
      `${formatDuration(ask.durationMs)} is longer than the ${formatDuration(rule.maxDurationMs)} allowed by rule "${rule.name}".`,
    );
  }
  return rule;
}

/** Throws PolicyDenied unless `approver` may decide a request made by `requesterId` under `rule`. */
export function assertMayDecide(rule: Rule, approver: Person, requesterId: string): void {
  if (approver.slackId === requesterId && !rule.allowSelfApproval) {
    throw new PolicyDenied("You cannot approve or deny your own request.");
  }
  if (!isPerson(rule.approvers, approver)) {
    throw new PolicyDenied(`You are not an approver for rule "${rule.name}".`);
  }
}
