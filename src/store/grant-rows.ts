// Mapping between grant objects and rows of the grants table.
import type { Grant, GrantChanges, GrantStatus, NewGrant } from "../domain/grant.js";
import type { GroupAccess } from "../domain/group-access.js";

export interface GrantRow {
  id: string;
  requester_id: string;
  requester_team_id: string;
  requester_email: string | null;
  bundle_id: string | null;
  account_id: string;
  permission_set: string;
  group_id: string | null;
  group_name: string | null;
  /** JSON: GroupAccess[]. */
  group_access: string;
  duration_ms: number;
  justification: string;
  ticket: string | null;
  rule_name: string;
  status: GrantStatus;
  created_at: number;
  updated_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
  break_glass: number;
  reviewed_by: string | null;
  reviewed_at: number | null;
  approval_channel: string | null;
  approval_ts: string | null;
  principal_id: string | null;
  keeps_assignment: number;
  activated_at: number | null;
  expires_at: number | null;
  warned_at: number | null;
  ended_at: number | null;
  failure_reason: string | null;
}

export function grantFromRow(row: GrantRow): Grant {
  return {
    id: row.id,
    requesterId: row.requester_id,
    requesterTeamId: row.requester_team_id,
    requesterEmail: row.requester_email,
    bundleId: row.bundle_id ?? null,
    accountId: row.account_id,
    permissionSetName: row.permission_set,
    groupId: row.group_id ?? null,
    groupName: row.group_name ?? null,
    groupAccess: groupAccessFrom(row.group_access),
    durationMs: row.duration_ms,
    justification: row.justification,
    ticket: row.ticket,
    ruleName: row.rule_name,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    breakGlass: row.break_glass === 1,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at,
    approvalChannel: row.approval_channel,
    approvalTs: row.approval_ts,
    principalId: row.principal_id,
    keepsAssignment: row.keeps_assignment === 1,
    activatedAt: row.activated_at,
    expiresAt: row.expires_at,
    warnedAt: row.warned_at,
    endedAt: row.ended_at,
    failureReason: row.failure_reason,
  };
}

/** The group columns of a new grant: null, null and "[]" for an assignment grant. */
export function groupColumns(grant: NewGrant): { groupId: string | null; groupName: string | null; groupAccess: string } {
  return { groupId: grant.groupId ?? null, groupName: grant.groupName ?? null, groupAccess: JSON.stringify(grant.groupAccess ?? []) };
}

function groupAccessFrom(text: string | null | undefined): readonly GroupAccess[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const { accountId, permissionSetName } = item as Record<string, unknown>;
    return typeof accountId === "string" && typeof permissionSetName === "string" ? [{ accountId, permissionSetName }] : [];
  });
}

const CHANGE_COLUMNS: Readonly<Record<keyof GrantChanges, string>> = {
  decidedBy: "decided_by",
  decidedAt: "decided_at",
  decisionReason: "decision_reason",
  reviewedBy: "reviewed_by",
  reviewedAt: "reviewed_at",
  approvalChannel: "approval_channel",
  approvalTs: "approval_ts",
  principalId: "principal_id",
  keepsAssignment: "keeps_assignment",
  activatedAt: "activated_at",
  expiresAt: "expires_at",
  warnedAt: "warned_at",
  endedAt: "ended_at",
  failureReason: "failure_reason",
};

/** `SET` assignments and their parameters for the fields present in `changes`. */
export function changeAssignments(changes: GrantChanges): { sql: string[]; params: Record<string, unknown> } {
  const sql: string[] = [];
  const params: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(CHANGE_COLUMNS) as Array<[keyof GrantChanges, string]>) {
    if (!(key in changes)) continue;
    const value = changes[key];
    sql.push(`${column} = @${column}`);
    params[column] = typeof value === "boolean" ? Number(value) : (value ?? null);
  }
  return { sql, params };
}
