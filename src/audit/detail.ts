// What every audit record says besides its columns: the grant's context, so each record stands on
// its own in an export, then what the step itself reported; with anything that looks like a secret
// masked, since error texts from AWS and Slack are recorded verbatim.
import type { AuditDetail, AuditNote, AuditRecord } from "../domain/audit-event.js";
import type { Grant } from "../domain/grant.js";

const SECRETS: readonly RegExp[] = [
  /\bxox[a-z]-[A-Za-z0-9-]+/g, // Slack bot, user and refresh tokens
  /\bxapp-[A-Za-z0-9-]+/g, // Slack app-level tokens
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /hooks\.slack\.com\/\S+/g, // Slack incoming webhooks
];

export const REDACTED = "[redacted]";

export function redactSecrets(text: string): string {
  return SECRETS.reduce((masked, pattern) => masked.replace(pattern, REDACTED), text);
}

/**
 * The detail stored with a note about `grant` (as it stands after the step): status (the outcome),
 * actorEmail (when the actor is the requester or the caller knows it), requester, rule, duration,
 * justification, approver, expiry and the AWS request ids of the grant's assignment changes so far
 * (`create:<id> delete:<id>`), the ticket and the approvers so far when there are any; then the note's own detail, which wins where keys overlap.
 */
export function auditDetail(grant: Grant, note: AuditNote, awsRequestIds: string | null, approvers: readonly string[] = []): AuditDetail {
  const actorEmail =
    note.actorEmail !== undefined ? note.actorEmail : note.actorId === grant.requesterId ? grant.requesterEmail : undefined;
  const detail: Record<string, string | number | boolean | null> = {
    status: grant.status,
    ...(actorEmail !== undefined ? { actorEmail } : {}),
    requesterId: grant.requesterId,
    requesterEmail: grant.requesterEmail,
    rule: grant.ruleName,
    // A group grant has no account or permission set: its records name the group.
    ...(grant.groupId !== null ? { group: grant.groupName ?? grant.groupId, groupId: grant.groupId } : {}),
    durationMs: grant.durationMs,
    justification: grant.justification,
    ...(grant.ticket ? { ticket: grant.ticket } : {}),
    decidedBy: grant.decidedBy,
    ...(approvers.length > 0 ? { approvers: approvers.join(" ") } : {}),
    expiresAt: grant.expiresAt === null ? null : new Date(grant.expiresAt).toISOString(),
    awsRequestIds,
    ...note.detail,
  };
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === "string") detail[key] = redactSecrets(value);
  }
  return detail;
}

/** A record about an account and permission set rather than a grant (grant id ""). */
export function unattachedRecord(
  scope: { accountId: string; permissionSet: string },
  note: AuditNote,
  at: number,
): Omit<AuditRecord, "seq"> {
  return {
    at,
    action: note.action,
    actorId: note.actorId,
    grantId: "",
    accountId: scope.accountId,
    permissionSet: scope.permissionSet,
    detail: unattachedDetail(note),
  };
}

/** The detail of a record about an account and permission set rather than a grant. */
function unattachedDetail(note: AuditNote): AuditDetail {
  return Object.fromEntries(
    Object.entries(note.detail ?? {}).map(([key, value]) => [key, typeof value === "string" ? redactSecrets(value) : value]),
  );
}
