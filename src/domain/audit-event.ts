// What the audit trail records for every step of a grant's life.

export type AuditAction =
  | "requested"
  | "approved"
  | "denied"
  | "provisioned"
  | "failed"
  | "revocation_started"
  | "revoked"
  | "revocation_retry"
  | "revocation_stuck"
  | "drift_detected"
  | "orphan_removed"
  | "unmanaged_assignment"
  | "unmanaged_removed"
  | "approval_recorded"
  /** Nobody decided a pending request within the rule's escalateAfter: it was posted to the escalation's approvers. */
  | "escalated"
  | "request_expired"
  | "cancelled"
  | "break_glass"
  | "reviewed"
  | "expiry_warning"
  | "extension_requested"
  | "extended"
  | "extension_denied"
  | "extension_expired"
  /** Role sessions opened before a revocation denied by the session fence. */
  | "session_fenced"
  /** A fence entry removed: every session it denied has run out. */
  | "fence_lifted"
  /** The fence's policies are full: a revocation could not fence its sessions. */
  | "session_fence_full"
  /** The fence's policies were full, so a role is fenced as a whole: its older sessions are denied to all but its live grants. */
  | "session_fence_whole_role"
  /** An admin's incident switch: every active grant in a scope ended at once (one record; each grant has its own). */
  | "revoke_all"
  /** The organization could not be read again (or the policy did not resolve against it): the last good policy stays. */
  | "organization_refresh_failed"
  /** After the organization was read again, a grant holding access is for a target the policy no longer allows (not revoked). */
  | "account_left_policy"
  /** What the grant's role sessions did, as CloudTrail recorded it: the digest's counts (partial when a region could not be read). */
  | "activity_digest"
  /** An approver looked at a digest with flagged actions (or of break-glass access) and marked it reviewed. */
  | "activity_reviewed"
  /** Someone tried what they may not (approve, end, extend, review, or from another workspace). */
  | "refused";

export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

/**
 * What a caller says about a step; the store adds time, grant, account, permission set and the
 * grant's context (requester, duration, justification, approver, status) to the detail.
 */
export interface AuditNote {
  readonly action: AuditAction;
  /** Slack user id of the person who acted, "system" for the bot's own work, or an admin (`cli:<name>`). */
  readonly actorId: string;
  /** The actor's email as Slack reported it, where known. */
  readonly actorEmail?: string | null;
  readonly detail?: AuditDetail;
}

export interface AuditRecord {
  readonly seq: number;
  readonly at: number;
  readonly action: AuditAction;
  readonly actorId: string;
  readonly grantId: string;
  readonly accountId: string;
  readonly permissionSet: string;
  readonly detail: AuditDetail;
}

/** A record as stored, with its place in the tamper-evident chain (see audit/chain.ts). */
export interface StoredAuditRecord extends AuditRecord {
  readonly prevHash: string;
  readonly hash: string;
}

export const SYSTEM_ACTOR = "system";

/** The actor recorded for an operator using the admin CLI. */
export function adminActor(name: string): string {
  return `cli:${name}`;
}
