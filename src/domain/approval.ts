// What one approval or denial does to a request or an extension, decided from what is on record by
// one pure function, as Teleport's ApplyAccessReview decides a review. The stores record what it
// decides, under a lock on the request, so concurrent deciders take turns and exactly one of them
// sees the quorum reached.
import type { Person } from "./people.js";
import { deciderProblem, type DeciderRule, type Rule } from "./policy.js";

export type Decision = "approve" | "deny";

/** A request for access, or for more time on an active grant: decided alike, audited under their own names. */
export type ApprovalSubject = "request" | "extension";

/** Everything the outcome depends on, as it stands when the decision is applied. */
export interface ApprovalCase {
  readonly subject: ApprovalSubject;
  readonly rule: DeciderRule & Pick<Rule, "approvalsRequired">;
  readonly requesterId: string;
  /** Whether the request (or extension) is still waiting for a decision. */
  readonly pending: boolean;
  /** The distinct approvers recorded so far. */
  readonly approvers: readonly string[];
  /** Whether the request has been escalated, so the escalation's approvers may decide it too (default: no). */
  readonly escalated?: boolean;
}

export type ApprovalOutcome =
  /** Nothing is recorded: the request was already closed, or the decider may not decide it (`problem` says why, to them). */
  | ({ readonly kind: "refused"; readonly reason: "closed" } & NoAudit)
  | ({ readonly kind: "refused"; readonly reason: "not-allowed"; readonly problem: string } & NoAudit)
  /** This approver had approved before; nothing changes. */
  | ({ readonly kind: "duplicate" } & Tally & NoAudit)
  /** The approval is recorded; the quorum is not reached yet. */
  | ({ readonly kind: "counted" } & Tally & { readonly audit: "approval_recorded" })
  /** The approval is recorded and was the last one needed. An extension is audited when its time is added, so here with none. */
  | ({ readonly kind: "approved" } & Tally & { readonly audit: "approved" | null })
  | { readonly kind: "denied"; readonly audit: "denied" | "extension_denied" };

interface Tally {
  /** Distinct approvals, counting this one. */
  readonly approvals: number;
  readonly required: number;
}

interface NoAudit {
  readonly audit: null;
}

export interface NewDecision {
  readonly decider: Person;
  readonly decision: Decision;
}

/** The outcome of `decision` by `decider` on the case; the audit action to record with it, if any. */
export function decideApproval(current: ApprovalCase, { decider, decision }: NewDecision): ApprovalOutcome {
  if (!current.pending) return { kind: "refused", reason: "closed", audit: null };
  const problem = deciderProblem(current.rule, decider, current.requesterId, current.escalated ?? false);
  if (problem) return { kind: "refused", reason: "not-allowed", problem, audit: null };
  if (decision === "deny") return { kind: "denied", audit: current.subject === "request" ? "denied" : "extension_denied" };

  const required = current.rule.approvalsRequired;
  if (current.approvers.includes(decider.slackId)) return { kind: "duplicate", approvals: current.approvers.length, required, audit: null };
  const approvals = current.approvers.length + 1;
  if (approvals < required) return { kind: "counted", approvals, required, audit: "approval_recorded" };
  return { kind: "approved", approvals, required, audit: current.subject === "request" ? "approved" : null };
}

/** Whether the outcome adds the decider to the approvers on record. */
export function recordsApproval(outcome: ApprovalOutcome): outcome is Extract<ApprovalOutcome, { kind: "counted" | "approved" }> {
  return outcome.kind === "counted" || outcome.kind === "approved";
}

/** What the audit record of a recorded approval adds to its detail: the tally after it. */
export function tallyOf(outcome: ApprovalOutcome): { approvals: number; required: number } | Record<string, never> {
  return outcome.kind === "counted" || outcome.kind === "approved" ? { approvals: outcome.approvals, required: outcome.required } : {};
}
