// What the store tests (both engines) build their grants from: a settable clock, a pending grant,
// and the domain's decision to hand the approval primitive.
import { decideApproval, type ApprovalSubject } from "../../src/domain/approval.js";
import type { AuditNote } from "../../src/domain/audit-event.js";
import type { Grant, NewGrant } from "../../src/domain/grant.js";
import type { Person } from "../../src/domain/people.js";

export const T0 = 1_700_000_000_000;
export const HOUR = 3_600_000;
export const PROD = "111122223333";

export class FakeClock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** A request by alice for AdministratorAccess on PROD for an hour, made at T0. */
export function newGrant(id: string, overrides: Partial<NewGrant> = {}): NewGrant {
  return {
    id,
    requesterId: "U0ALICE",
    requesterTeamId: "T0TEAM",
    requesterEmail: "alice@example.com",
    accountId: PROD,
    permissionSetName: "AdministratorAccess",
    durationMs: HOUR,
    justification: "incident 42",
    ruleName: "prod-admin",
    createdAt: T0,
    ...overrides,
  };
}

/** A new grant as a store returns it once inserted: pending, nothing decided or given yet. */
export function storedGrant(grant: NewGrant): Grant {
  return {
    ticket: null,
    breakGlass: false,
    ...grant,
    bundleId: grant.bundleId ?? null,
    groupId: grant.groupId ?? null,
    groupName: grant.groupName ?? null,
    groupAccess: grant.groupAccess ?? [],
    status: "pending",
    updatedAt: grant.createdAt,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    reviewedBy: null,
    reviewedAt: null,
    approvalChannel: null,
    approvalTs: null,
    principalId: null,
    keepsAssignment: false,
    activatedAt: null,
    expiresAt: null,
    warnedAt: null,
    endedAt: null,
    failureReason: null,
  };
}

export const requested: AuditNote = { action: "requested", actorId: "U0ALICE" };

/**
 * The domain's decision for `approverId` approving under a rule that needs `required` approvals and
 * names them as an approver: what the service hands a store's approval primitive.
 */
export function approving(approverId: string, required: number, subject: ApprovalSubject = "request") {
  const rule = {
    name: "r",
    approvers: [{ kind: "slack-user", id: approverId }] as const,
    allowSelfApproval: false,
    approvalsRequired: required,
  };
  const decider: Person = { slackId: approverId, email: null, standing: "member" };
  return (current: { status: string; requesterId: string }, approvers: readonly string[]) =>
    decideApproval(
      { subject, rule, requesterId: current.requesterId, pending: current.status === "pending", approvers },
      { decider, decision: "approve" },
    );
}
