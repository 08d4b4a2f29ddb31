// A grant is one request for access and everything that happens to it, from asking to revocation.
import { Conflict } from "./errors.js";
import type { GroupAccess } from "./group-access.js";

export type GrantStatus =
  | "pending" // waiting for an approver
  | "approved" // decided; AWS not touched yet
  | "denied"
  | "expired" // nobody decided within the rule's approval timeout
  | "cancelled" // withdrawn by its requester or an admin before AWS was touched
  | "provisioning" // AWS assignment being created (principal and prior access recorded)
  | "active"
  | "failed" // never became active; AWS holds nothing for it
  | "revoking" // AWS assignment being removed (also of a grant ended while AWS was still creating it)
  | "revoked";

/** The whole state machine, as data: every status change is checked against this table. */
export const TRANSITIONS: Readonly<Record<GrantStatus, readonly GrantStatus[]>> = {
  pending: ["approved", "denied", "expired", "cancelled", "failed"],
  // approved → cancelled: AWS has not been touched, so ending it needs no removal.
  approved: ["provisioning", "cancelled", "failed"],
  // provisioning → revoking: ended, or not active in time, while AWS may be creating the assignment;
  // the removal follows that creation up first, so nothing it makes is left behind.
  provisioning: ["active", "failed", "revoking"],
  active: ["revoking"],
  revoking: ["revoked"],
  denied: [],
  expired: [],
  cancelled: [],
  failed: [],
  revoked: [],
};

export function canTransition(from: GrantStatus, to: GrantStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: GrantStatus, to: GrantStatus): void {
  if (!canTransition(from, to)) {
    throw new Conflict(`A grant cannot go from ${from} to ${to}.`);
  }
}

export function isTerminal(status: GrantStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export const GRANT_STATUSES = Object.keys(TRANSITIONS) as readonly GrantStatus[];

/** Statuses a grant can still leave: waiting, on its way to AWS, in AWS, or being removed. */
export const OPEN_STATUSES: readonly GrantStatus[] = GRANT_STATUSES.filter((status) => !isTerminal(status));

/** Statuses in which a grant holds, or is about to hold, the AWS assignment. */
export const HOLDING_STATUSES: readonly GrantStatus[] = ["provisioning", "active"];

/** Statuses in which AWS may hold the grant's assignment: held, or not yet removed. */
export const IN_AWS_STATUSES: readonly GrantStatus[] = [...HOLDING_STATUSES, "revoking"];

export interface Grant {
  readonly id: string;
  readonly requesterId: string;
  readonly requesterTeamId: string;
  readonly requesterEmail: string | null;
  /** Set when the grant is one pair of a multi-target request: the id its grants share. */
  readonly bundleId: string | null;
  /** The account and permission set assigned; both empty for a group grant. */
  readonly accountId: string;
  readonly permissionSetName: string;
  /** Set for a grant of Identity Center group membership (Identity Store GroupId) instead of an assignment. */
  readonly groupId: string | null;
  /** The group's DisplayName when it was requested. */
  readonly groupName: string | null;
  /** What the group was assigned when it was requested: what the approvers were shown. */
  readonly groupAccess: readonly GroupAccess[];
  readonly durationMs: number;
  readonly justification: string;
  readonly ticket: string | null;
  readonly ruleName: string;
  readonly status: GrantStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  /** Why it was denied, when the approver said. */
  readonly decisionReason: string | null;
  /** Granted at once by breaking glass: to be reviewed after the fact. */
  readonly breakGlass: boolean;
  readonly reviewedBy: string | null;
  readonly reviewedAt: number | null;
  readonly approvalChannel: string | null;
  readonly approvalTs: string | null;
  /** Identity Center user id the assignment is made for. */
  readonly principalId: string | null;
  /** The user had this assignment (or group membership) from outside this grant: revocation must leave it alone. */
  readonly keepsAssignment: boolean;
  readonly activatedAt: number | null;
  readonly expiresAt: number | null;
  /** When the requester was warned of the coming expiry (cleared when the grant is extended). */
  readonly warnedAt: number | null;
  readonly endedAt: number | null;
  readonly failureReason: string | null;
}

export type NewGrant = Pick<
  Grant,
  | "id"
  | "requesterId"
  | "requesterTeamId"
  | "requesterEmail"
  | "accountId"
  | "permissionSetName"
  | "durationMs"
  | "justification"
  | "ruleName"
  | "createdAt"
> &
  Partial<Pick<Grant, "ticket" | "breakGlass" | "bundleId" | "groupId" | "groupName" | "groupAccess">>;

/** Fields a transition may set alongside the status. */
export type GrantChanges = Partial<
  Pick<
    Grant,
    | "decidedBy"
    | "decidedAt"
    | "decisionReason"
    | "reviewedBy"
    | "reviewedAt"
    | "approvalChannel"
    | "approvalTs"
    | "principalId"
    | "keepsAssignment"
    | "activatedAt"
    | "expiresAt"
    | "warnedAt"
    | "endedAt"
    | "failureReason"
  >
>;

/** The latest an approved grant may become active: its approval plus its rule's activation timeout. */
export function activationDeadline(grant: Pick<Grant, "decidedAt" | "createdAt">, activationTimeoutMs: number): number {
  return (grant.decidedAt ?? grant.createdAt) + activationTimeoutMs;
}

/**
 * When a grant becoming active at `now` ends: its whole duration from activation, but never later
 * than had it become active at its deadline, so a late start cannot stretch access.
 */
export function expiryWhenActivated(
  grant: Pick<Grant, "decidedAt" | "createdAt" | "durationMs">,
  activationTimeoutMs: number,
  now: number,
): number {
  return Math.min(now, activationDeadline(grant, activationTimeoutMs)) + grant.durationMs;
}

/** True once something asked for at `createdAt` has waited `timeoutMs` for a decision. */
export function approvalLapsed(createdAt: number, timeoutMs: number, now: number): boolean {
  return createdAt + timeoutMs <= now;
}

export function isExpired(grant: Grant, now: number): boolean {
  return grant.status === "active" && grant.expiresAt !== null && grant.expiresAt <= now;
}

/** A grant of group membership, with its group id. */
export function isGroupGrant(grant: Pick<Grant, "groupId">): grant is Pick<Grant, "groupId"> & { readonly groupId: string } {
  return grant.groupId !== null;
}
