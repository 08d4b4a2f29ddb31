// Who may ask for what, for how long, and who must approve: pure evaluation over a parsed policy.
import { formatDuration } from "./duration.js";
import { plainText, visibleLength } from "./justification.js";
import { InvalidInput, PolicyDenied, quoted } from "./errors.js";
import { isPerson, standingProblem, type Person, type PrincipalRef } from "./people.js";
import { withinSchedule, type WeeklySchedule } from "./schedule.js";
import type { SessionFenceSettings } from "./fence-capability.js";
import { namesGroup, type IdentityGroup } from "./group-access.js";

export type { Person, PrincipalRef, Standing } from "./people.js";
export { isPerson } from "./people.js";

export interface Account {
  readonly id: string;
  readonly name: string;
  /** Where AWS Organizations has it; absent for an account only the policy file lists. */
  readonly org?: AccountPlace;
}

/** An account's place in the organization as last read, for finding it by OU or tag. */
export interface AccountPlace {
  /** The path of the OU it sits in directly, e.g. "/Root/Workloads/Prod". */
  readonly path: string;
  /** The ids of the OUs it sits in, its own first, up to the root's. */
  readonly unitIds: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/** How precisely a rule names its targets: it decides which rule applies when several cover a request. */
export interface Specificity {
  /**
   * 2: accounts by id or name; 1: an account group, an OU (ou:) or a tag (tag:); 0: "*". The most
   * specific part of the rule's list counts.
   */
  readonly account: 0 | 1 | 2;
  /** 1: permission sets by name; 0: "*". */
  readonly permissionSet: 0 | 1;
}

export type AutoApprove =
  | { readonly kind: "never" }
  | { readonly kind: "always" }
  | { readonly kind: "schedule"; readonly schedule: WeeklySchedule };

export interface TicketRule {
  readonly required: boolean;
  /** A ticket reference, when given, must match this. */
  readonly pattern: RegExp | null;
}

export interface Rule {
  readonly name: string;
  readonly accountIds: readonly string[];
  readonly permissionSets: readonly string[];
  /** Identity Center groups (DisplayName or GroupId, as the policy gives them) whose membership the rule grants. */
  readonly groups: readonly string[];
  readonly specificity: Specificity;
  readonly requesters: readonly PrincipalRef[];
  readonly approvers: readonly PrincipalRef[];
  /** People who may grant themselves access at once, without approval ("break glass"). */
  readonly breakGlass: readonly PrincipalRef[];
  readonly approverChannel: string;
  /** Also send each approver the request as a direct message. */
  readonly notifyApprovers: boolean;
  /** Distinct approvals needed (quorum). */
  readonly approvalsRequired: number;
  readonly allowSelfApproval: boolean;
  readonly autoApprove: AutoApprove;
  readonly maxDurationMs: number;
  /** The longest a grant may last counting extensions. */
  readonly maxTotalDurationMs: number;
  /** A pending request nobody decides within this expires. */
  readonly approvalTimeoutMs: number;
  /** An approved grant not active within this of its approval fails instead of starting late. */
  readonly activationTimeoutMs: number;
  readonly ticket: TicketRule;
  readonly justificationMinLength: number;
  /** The requester is warned this long before the grant expires. */
  readonly warnBeforeExpiryMs: number;
  /** Refuse requests for targets where revocation cannot end role sessions (see fence-capability.ts). */
  readonly requireSessionFence: boolean;
  /** People who may approve like `approvers` but are never pinged: no direct message, not named in the message. */
  readonly silentApprovers?: readonly PrincipalRef[];
  /** Who else is asked when nobody has decided in time; null (or absent) for none. */
  readonly escalation?: Escalation | null;
  /** How often the approvers are reminded in the message's thread while the request waits; null (or absent) for never. */
  readonly remindEveryMs?: number | null;
}

/**
 * A request nobody decided within `afterMs` is posted to these approvers (in `channel`, or to each
 * directly when it is null), who may decide it from then on, not before.
 */
export interface Escalation {
  readonly approvers: readonly PrincipalRef[];
  readonly channel: string | null;
  readonly afterMs: number;
}

/** The approval timeout when a rule names none, and for grants whose rule has left the policy. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;

/**
 * What reconciliation does with assignments of the policy's permission sets on the policy's
 * accounts that no grant explains (standing access given outside the bot).
 */
export type UnmanagedAssignments = "ignore" | "report" | "enforce";

export interface Policy {
  readonly unmanagedAssignments: UnmanagedAssignments;
  /** Addresses matching these are warned about as shared or role addresses, beside the built-in list. */
  readonly sharedAddressPatterns: readonly RegExp[];
  /** May end anyone's grant and review break-glass access. */
  readonly admins: readonly PrincipalRef[];
  readonly accounts: readonly Account[];
  readonly permissionSets: readonly string[];
  readonly rules: readonly Rule[];
  readonly sessionFence: SessionFenceSettings;
  /** How many (account, permission set) pairs one request may ask for (1, the default, turns multi-target requests off). */
  readonly maxTargetsPerRequest?: number;
}

/**
 * An account by 12-digit id or by its name in the policy (names compare case-insensitively). Names
 * from AWS Organizations need not be unique: a name two accounts share is refused (InvalidInput,
 * naming their ids) rather than guessed.
 */
export function findAccount(policy: Policy, ref: string): Account | undefined {
  const wanted = ref.trim().toLowerCase();
  const byId = policy.accounts.find((account) => account.id === wanted);
  if (byId) return byId;
  const named = policy.accounts.filter((account) => account.name.toLowerCase() === wanted);
  if (named.length > 1) {
    const ids = named.map((account) => account.id).join(", ");
    throw new InvalidInput(
      `${quoted(ref.trim())} is the name of ${named.length} accounts (${ids}); give the account id instead.`,
      "account",
    );
  }
  return named[0];
}

export function findPermissionSet(policy: Policy, ref: string): string | undefined {
  const wanted = ref.trim().toLowerCase();
  return policy.permissionSets.find((name) => name.toLowerCase() === wanted);
}

export function findRule(policy: Policy, name: string): Rule | undefined {
  return policy.rules.find((rule) => rule.name === name);
}

/** How long a request under this rule may wait for a decision (the default once the rule is gone). */
export function approvalTimeoutOf(policy: Policy, ruleName: string): number {
  return findRule(policy, ruleName)?.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
}

/** How long a grant under this rule may take to become active after its approval. */
export function activationTimeoutOf(policy: Policy, ruleName: string): number {
  return findRule(policy, ruleName)?.activationTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
}

export function isAdmin(policy: Policy, person: Person): boolean {
  return isPerson(policy.admins, person);
}

function covers(rule: Rule, accountId: string, permissionSet: string): boolean {
  return rule.accountIds.includes(accountId) && rule.permissionSets.includes(permissionSet);
}

const rank = (rule: Rule) => rule.specificity.account * 2 + rule.specificity.permissionSet;

/**
 * The rules that decide requests for this account and permission set: those covering it with the
 * highest specificity (accounts named > account group, OU or tag > "*", then permission sets named > "*").
 * A more specific rule overrides broader ones, so a team can narrow who may ask for production.
 */
export function decidingRules(policy: Policy, accountId: string, permissionSet: string): Rule[] {
  const covering = policy.rules.filter((rule) => covers(rule, accountId, permissionSet));
  const best = Math.max(-1, ...covering.map(rank));
  return covering.filter((rule) => rank(rule) === best);
}

/** May this person ask under this rule, with approval or by breaking glass? */
export function mayRequest(rule: Rule, person: Person): boolean {
  return isPerson(rule.requesters, person) || isPerson(rule.breakGlass, person);
}

/**
 * The rule a request is made under: among the deciding rules, the first in file order that lists
 * the requester. Nothing from a broader rule applies when a more specific one covers the target.
 */
export function ruleFor(policy: Policy, requester: Person, accountId: string, permissionSet: string): Rule {
  assertInGoodStanding(requester);
  const deciding = decidingRules(policy, accountId, permissionSet);
  if (deciding.length === 0) {
    throw new PolicyDenied(`No rule in the policy allows requesting ${permissionSet} on account ${accountId}.`, "permission_set");
  }
  const rule = deciding.find((candidate) => mayRequest(candidate, requester));
  if (!rule) {
    throw new PolicyDenied(`You are not on the list of people who may request ${permissionSet} on account ${accountId}.`, "permission_set");
  }
  return rule;
}

/**
 * The rule a request for membership of `group` is made under: the first in file order that offers
 * the group and lists the requester (groups have no specificity: a rule names each group it offers).
 */
export function groupRuleFor(policy: Policy, requester: Person, group: IdentityGroup): Rule {
  assertInGoodStanding(requester);
  const offering = policy.rules.filter((rule) => offersGroup(rule, group));
  if (offering.length === 0) {
    throw new PolicyDenied(`No rule in the policy allows requesting membership of the group ${group.displayName}.`, "group");
  }
  const rule = offering.find((candidate) => mayRequest(candidate, requester));
  if (!rule) {
    throw new PolicyDenied(`You are not on the list of people who may request membership of the group ${group.displayName}.`, "group");
  }
  return rule;
}

function offersGroup(rule: Rule, group: IdentityGroup): boolean {
  return rule.groups.some((ref) => namesGroup(ref, group));
}

/** A group a person may request membership of, with the rule groupRuleFor would pick. */
export interface GroupEligibility {
  readonly group: IdentityGroup;
  readonly rule: Rule;
}

/** The groups (of those resolved at start) that some rule offers this person, in the order given. */
export function eligibleGroups(policy: Policy, person: Person, groups: readonly IdentityGroup[]): GroupEligibility[] {
  return groups.flatMap((group) => {
    const rule = policy.rules.find((candidate) => offersGroup(candidate, group) && mayRequest(candidate, person));
    return rule ? [{ group, rule }] : [];
  });
}

export function assertDuration(rule: Rule, durationMs: number): void {
  if (durationMs > rule.maxDurationMs) {
    throw new InvalidInput(
      `${formatDuration(durationMs)} is longer than the ${formatDuration(rule.maxDurationMs)} allowed by rule "${rule.name}".`,
      "duration",
    );
  }
}

export interface AccessAsk {
  readonly requester: Person;
  readonly accountId: string;
  readonly permissionSet: string;
  readonly durationMs: number;
}

/** The rule for a request, with its maximum duration enforced. */
export function ruleForRequest(policy: Policy, ask: AccessAsk): Rule {
  const rule = ruleFor(policy, ask.requester, ask.accountId, ask.permissionSet);
  assertDuration(rule, ask.durationMs);
  return rule;
}

export interface Eligibility {
  readonly account: Account;
  readonly permissionSet: string;
  readonly rule: Rule;
}

/** Every (account, permission set) this person may request, with the rule that would apply. */
export function eligibleTargets(policy: Policy, person: Person): Eligibility[] {
  const eligible: Eligibility[] = [];
  for (const account of policy.accounts) {
    for (const permissionSet of policy.permissionSets) {
      const rule = decidingRules(policy, account.id, permissionSet).find((candidate) => mayRequest(candidate, person));
      if (rule) eligible.push({ account, permissionSet, rule });
    }
  }
  return eligible;
}

/** Throws PolicyDenied unless `approver` may decide a request made by `requesterId` under `rule`. */
export function assertMayDecide(rule: Rule, approver: Person, requesterId: string, escalated = false): void {
  const problem = deciderProblem(rule, approver, requesterId, escalated);
  if (problem) throw new PolicyDenied(problem);
}

/** What deciderProblem reads of a rule. */
export type DeciderRule = Pick<Rule, "name" | "approvers" | "allowSelfApproval" | "silentApprovers" | "escalation">;

/**
 * Why `approver` may not decide a request made by `requesterId` under `rule`, worded for them;
 * undefined when they may. The rule's approvers and silent approvers may always decide; the
 * escalation's approvers only once the request has been escalated to them (`escalated`).
 */
export function deciderProblem(rule: DeciderRule, approver: Person, requesterId: string, escalated = false): string | undefined {
  const standing = standingProblem(approver);
  if (standing) return standingRefusal(standing);
  if (approver.slackId === requesterId && !rule.allowSelfApproval) return "You cannot approve or deny your own request.";
  if (isPerson(rule.approvers, approver) || isPerson(rule.silentApprovers ?? [], approver)) return undefined;
  const escalatesTo = rule.escalation ? isPerson(rule.escalation.approvers, approver) : false;
  if (escalatesTo && escalated) return undefined;
  if (escalatesTo) return `You are not an approver for rule "${rule.name}" until a request is escalated to you.`;
  return `You are not an approver for rule "${rule.name}".`;
}

/**
 * Throws PolicyDenied unless Slack says the account is a full, active, human member of the home
 * workspace: whatever the policy lists, nobody else requests, approves or administers anything.
 */
export function assertInGoodStanding(person: Person): void {
  const problem = standingProblem(person);
  if (problem) throw new PolicyDenied(standingRefusal(problem));
}

function standingRefusal(problem: string): string {
  return `Your Slack account ${problem}; only full members of this workspace can use jit-slack.`;
}

/**
 * Why a request may no longer be granted to the person who made it, checked again at every
 * decision: they may have been deactivated or dropped from the rule since, and the access goes to
 * the Identity Center user with the email the approvers were shown, so that email must still be
 * theirs (confirmed by Slack).
 */
export function requesterProblem(rule: Rule, requestedWithEmail: string | null, requester: Person): string | undefined {
  const standing = standingProblem(requester);
  if (standing) return `the requester's Slack account ${standing}`;
  if (!mayRequest(rule, requester)) return `the requester is no longer allowed to request under rule "${rule.name}"`;
  if (requestedWithEmail !== null && requester.email !== requestedWithEmail.toLowerCase()) {
    return `the requester's confirmed Slack email is no longer ${requestedWithEmail}, the Identity Center user this request was made for`;
  }
  return undefined;
}

export type Approval = "break-glass" | "auto-always" | "auto-schedule" | "approvers";

/**
 * The ways a request by `requester` under `rule` can be approved, in the order they are tried: the
 * rule's auto-approval (always, or within its schedule), otherwise break-glass or the approvers.
 */
export interface ApprovalRoute {
  readonly auto: AutoApprove;
  readonly otherwise: "break-glass" | "approvers";
}

export function approvalRoute(rule: Rule, requester: Person): ApprovalRoute {
  return { auto: rule.autoApprove, otherwise: isPerson(rule.breakGlass, requester) ? "break-glass" : "approvers" };
}

/** How a request under `rule` by `requester` at `now` is approved. */
export function approvalPath(rule: Rule, requester: Person, now: number): Approval {
  const { auto, otherwise } = approvalRoute(rule, requester);
  if (auto.kind === "always") return "auto-always";
  if (auto.kind === "schedule" && withinSchedule(auto.schedule, now)) return "auto-schedule";
  return otherwise;
}

/**
 * How more time on a grant is approved: as a request would be, except that breaking glass never
 * extends itself. Break-glass is for getting in at once; staying longer can wait for an approver.
 */
export function extensionApprovalPath(rule: Rule, requester: Person, now: number): Exclude<Approval, "break-glass"> {
  const path = approvalPath(rule, requester, now);
  return path === "break-glass" ? "approvers" : path;
}

/** Throws InvalidInput unless the ticket reference satisfies the rule. Returns it normalized (or null). */
export function checkTicket(rule: Rule, ticket: string | null | undefined): string | null {
  const value = plainText(ticket ?? "");
  if (visibleLength(value) === 0) {
    if (rule.ticket.required) throw new InvalidInput(`Rule "${rule.name}" requires a ticket reference.`, "ticket");
    return null;
  }
  if (value.length > 100) throw new InvalidInput("A ticket reference is at most 100 characters.", "ticket");
  if (rule.ticket.pattern && !rule.ticket.pattern.test(value)) {
    throw new InvalidInput(
      `${quoted(value)} does not look like a ticket reference for rule "${rule.name}" (expected ${rule.ticket.pattern.source}).`,
      "ticket",
    );
  }
  return value;
}

/** Throws InvalidInput when the justification shows fewer characters than the rule asks (spaces do not count). */
export function checkJustificationLength(rule: Rule, justification: string): void {
  if (visibleLength(justification) < rule.justificationMinLength) {
    throw new InvalidInput(
      `Rule "${rule.name}" asks for a justification of at least ${rule.justificationMinLength} characters, not counting spaces; say a little more about why.`,
      "justification",
    );
  }
}

/** Throws InvalidInput when an extension would take the grant past the rule's maximum total. */
export function assertExtension(rule: Rule, activatedAt: number, expiresAt: number, extraMs: number): void {
  const total = expiresAt + extraMs - activatedAt;
  if (total > rule.maxTotalDurationMs) {
    const left = Math.max(0, rule.maxTotalDurationMs - (expiresAt - activatedAt));
    throw new InvalidInput(
      `That would make the grant ${formatDuration(total)} in all; rule "${rule.name}" allows ${formatDuration(rule.maxTotalDurationMs)}` +
        (left >= 60_000 ? `, so at most ${formatDuration(left)} more.` : ", and this grant has reached it."),
    );
  }
}
