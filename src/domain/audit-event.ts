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
  | "revocation_stuck";

export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

/** What a caller says about a step; the store adds time, grant, account and permission set. */
export interface AuditNote {
  readonly action: AuditAction;
  /** Slack user id of the person who acted, or "system" for the bot's own work. */
  readonly actorId: string;
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

export const SYSTEM_ACTOR = "system";
