// One decision flow for requests and extensions alike: the checks, the one transaction that puts the
// decision on record, and what follows from it. What differs between the two — where they are
// stored, how a late click is worded, what an approval sets off — is a Ballot.
import { decideApproval, type ApprovalOutcome, type ApprovalSubject, type Decision } from "../domain/approval.js";
import { type Conflict, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import type { Person } from "../domain/people.js";
import { findRule, requesterProblem, type Rule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import type { DecideApproval, RecordedApproval } from "./ports.js";

/** What follows a decision once it is on record (messages, AWS work): run after the click is acknowledged. */
export type FollowUp<T> = () => Promise<T>;

export interface DecisionInput {
  readonly deciderId: string;
  readonly decision: Decision;
  /** Why, for a denial (optional). */
  readonly reason?: string;
}

export interface DecisionResult<S> {
  readonly subject: S;
  /** Whether it still waits for more approvals. */
  readonly pending: boolean;
  /** Distinct approvals so far and how many the rule needs (for a denial: 0 of the quorum). */
  readonly approvals: number;
  readonly required: number;
  /** For a part of a multi-target request: how many of its grants the decision was recorded on. */
  readonly targets?: number;
}

type Approved = Extract<ApprovalOutcome, { kind: "approved" }>;

/** A pending request or extension, and how its flow differs. */
export interface Ballot<S> {
  readonly subject: ApprovalSubject;
  readonly current: S;
  /** The request itself, or the grant an extension is for. */
  readonly grant: Grant;
  readonly requesterId: string;
  isPending(subject: S): boolean;
  /** The refusal of a decision that lost to another one (re-reading the subject when `latest` is unknown). */
  closedMeanwhile(latest?: S): Promise<Conflict>;
  duplicate(outcome: Extract<ApprovalOutcome, { kind: "duplicate" }>): Conflict;
  /** True when its time to be decided is over; it is then expired instead, and the follow-up refuses the click. */
  lapsed(now: number): boolean;
  refuseLapsed(now: number): Promise<FollowUp<never>>;
  /** pending → denied (compare-and-set), audited under `audit`; undefined when it was no longer pending. */
  deny(
    decider: Person,
    now: number,
    audit: Extract<ApprovalOutcome, { kind: "denied" }>["audit"],
    reason: string | null,
  ): Promise<S | undefined>;
  /** The requester may no longer get the access (`problem` says why): refuse the approval. */
  requesterGone(problem: string): Promise<FollowUp<never>>;
  /** The store's approval primitive for this kind of subject. */
  approve(decider: Person, now: number, decide: DecideApproval<S>): Promise<RecordedApproval<S> | undefined>;
  afterDenied(denied: S): Promise<void>;
  afterCounted(counted: S): Promise<void>;
  /** What the last approval sets off; resolves with the subject to report. */
  afterApproved(approved: S, outcome: Approved, decider: Person): Promise<FollowUp<S>>;
}

/**
 * Records exactly one decision per request or extension: the domain decides its outcome inside the
 * store's transaction, under a lock on the subject, so double clicks, retries and simultaneous
 * Approve/Deny lose with a Conflict instead of deciding twice, and an approver counts once towards
 * the quorum however often they click. One past its time is expired instead, as the sweep would.
 *
 * Only the checks and the one transaction happen here: a click is acknowledged once this has
 * returned (or thrown), so a bot that dies after Slack got its answer keeps the decision. Resolves
 * with what follows from it; throws what the clicker is told, with nothing recorded.
 */
export async function decideBallot<S>(deps: ServiceDeps, ballot: Ballot<S>, input: DecisionInput): Promise<FollowUp<DecisionResult<S>>> {
  const admitted = await admit(deps, ballot, input);
  if (typeof admitted === "function") return admitted;
  const { rule, decider, judge, early, now } = admitted;
  const result = (subject: S, approvals: number): DecisionResult<S> => ({
    subject,
    pending: ballot.isPending(subject),
    approvals,
    required: rule.approvalsRequired,
  });

  if (early.kind === "denied") {
    const reason = input.reason?.replace(/\s+/g, " ").trim().slice(0, 500) || null;
    const denied = await ballot.deny(decider, now, early.audit, reason);
    if (!denied) throw await ballot.closedMeanwhile();
    return async () => {
      await ballot.afterDenied(denied);
      return result(denied, 0);
    };
  }

  const problem = await requesterStillAllowed(deps, ballot.grant, rule);
  if (problem) return ballot.requesterGone(problem);
  const recorded = await ballot.approve(decider, now, judge);
  if (!recorded) throw await ballot.closedMeanwhile();
  const { subject, outcome } = recorded;
  switch (outcome.kind) {
    case "refused":
      throw outcome.reason === "closed" ? await ballot.closedMeanwhile(subject) : new PolicyDenied(outcome.problem);
    case "denied":
      throw new Error(`an approval of ${ballot.grant.id} was recorded as a denial`);
    case "duplicate":
      throw ballot.duplicate(outcome);
    case "counted":
      return async () => {
        await ballot.afterCounted(subject);
        return result(subject, outcome.approvals);
      };
    case "approved": {
      const followUp = await ballot.afterApproved(subject, outcome, decider);
      return async () => result(await followUp(), outcome.approvals);
    }
  }
}

/**
 * Throws what `decideBallot` would refuse this decision with, deciding nothing; the follow-up returns
 * the subject. One past its time is expired here too, and the follow-up then throws.
 */
export async function checkBallot<S>(deps: ServiceDeps, ballot: Ballot<S>, input: DecisionInput): Promise<FollowUp<S>> {
  const admitted = await admit(deps, ballot, input);
  return typeof admitted === "function" ? admitted : async () => ballot.current;
}

interface Admitted<S> {
  readonly rule: Rule;
  readonly decider: Person;
  readonly judge: DecideApproval<S>;
  /** The outcome as things stood before the transaction: a denial, or an approval to record. */
  readonly early: ApprovalOutcome;
  readonly now: number;
}

/** The checks before any write: the decider may decide (a refusal is audited), the subject is open and in time. */
async function admit<S>(deps: ServiceDeps, ballot: Ballot<S>, input: DecisionInput): Promise<Admitted<S> | FollowUp<never>> {
  const rule = ruleOf(deps, ballot.grant);
  const decider = await deps.directory.person(input.deciderId);
  // Read before the transaction: an escalation is never undone, so this can only refuse too much.
  const escalated = ballot.subject === "request" && rule.escalation != null && (await deps.nudges.of(ballot.grant.id)).escalatedAt !== null;
  const judge = (subject: S, approvers: readonly string[]): ApprovalOutcome =>
    decideApproval(
      { subject: ballot.subject, rule, requesterId: ballot.requesterId, pending: ballot.isPending(subject), approvers, escalated },
      { decider, decision: input.decision },
    );
  // Who may decide does not depend on the approvers so far: the refusal is known (and audited) before any write.
  const early = await deps.refusals.check({ actorId: input.deciderId, attempt: input.decision, grantId: ballot.grant.id }, () =>
    refusing(judge(ballot.current, [])),
  );
  if (early.kind === "refused") throw await ballot.closedMeanwhile(ballot.current);
  const now = deps.clock.now();
  if (ballot.lapsed(now)) return ballot.refuseLapsed(now);
  return { rule, decider, judge, early, now };
}

/** Throws the refusal the outcome is, for a decider who may not decide; otherwise returns it. */
function refusing(outcome: ApprovalOutcome): ApprovalOutcome {
  if (outcome.kind === "refused" && outcome.reason === "not-allowed") throw new PolicyDenied(outcome.problem);
  return outcome;
}

/**
 * The requester is looked up again at every approval, of a request or an extension: someone
 * deactivated, dropped from the rule or whose confirmed email changed since asking must not receive
 * the access. Why not, or undefined.
 */
export async function requesterStillAllowed(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<string | undefined> {
  return requesterProblem(rule, grant.requesterEmail, await deps.directory.person(grant.requesterId));
}

export function ruleOf(deps: ServiceDeps, grant: Grant): Rule {
  const rule = findRule(deps.policy, grant.ruleName);
  if (!rule) throw new PolicyDenied(`The rule "${grant.ruleName}" this request was made under is no longer in the policy.`);
  return rule;
}
