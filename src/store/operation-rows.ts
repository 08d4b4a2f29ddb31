// Mapping between operations and rows of the operations table (the same in both engines).
import type { AssignmentChange, Operation, OperationKind, OperationState, OperationTarget } from "../services/ports.js";
import { isMembership } from "../services/ports.js";

export interface OperationRow {
  id: number;
  grant_id: string | null;
  kind: OperationKind;
  account_id: string;
  permission_set: string;
  principal_id: string;
  principal_type: "USER" | "GROUP";
  /** Set for a membership change (and a group grant's fence); account_id and permission_set are then empty. */
  group_id: string | null;
  state: OperationState;
  request_id: string | null;
  failure_reason: string | null;
  created_at: number;
}

export function operationFromRow(row: OperationRow): Operation {
  return {
    id: row.id,
    grantId: row.grant_id,
    kind: row.kind,
    target:
      row.group_id !== null && row.group_id !== undefined
        ? { groupId: row.group_id, principalId: row.principal_id }
        : {
            accountId: row.account_id,
            permissionSetName: row.permission_set,
            principalId: row.principal_id,
            // A grant's target is a user's; only the rare group is spelled out, as AssignmentTarget does.
            ...(row.principal_type === "GROUP" ? { principalType: "GROUP" as const } : {}),
          },
    state: row.state,
    requestId: row.request_id,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
  };
}

/** The columns an operation's target is stored in. */
export function targetColumns(target: OperationTarget): {
  accountId: string;
  permissionSet: string;
  principalId: string;
  principalType: "USER" | "GROUP";
  groupId: string | null;
} {
  if (isMembership(target)) {
    return { accountId: "", permissionSet: "", principalId: target.principalId, principalType: "USER", groupId: target.groupId };
  }
  return {
    accountId: target.accountId,
    permissionSet: target.permissionSetName,
    principalId: target.principalId,
    principalType: target.principalType ?? "USER",
    groupId: null,
  };
}

/**
 * SQL (the same in both engines): memberships whose most recent completed change was an addition by
 * the bot, the membership counterpart of createdByUs's assignments.
 */
export const MEMBERSHIPS_ADDED_BY_US = `
  SELECT o.* FROM operations o
   WHERE o.kind = 'add-member' AND o.state = 'succeeded'
     AND o.id = (SELECT max(l.id) FROM operations l
                 WHERE l.group_id = o.group_id AND l.principal_id = o.principal_id AND l.state IN ('succeeded', 'absent')
                   AND l.kind IN ('add-member', 'remove-member'))
   ORDER BY o.id`;

const ASSIGNMENT_CHANGES = ["create", "delete"] as const satisfies readonly AssignmentChange[];

/**
 * SQL: the row of `alias` changed an assignment. A fence operation changed none, so the queries that
 * say whether the bot created or removed an assignment leave it out.
 */
export function changesAssignment(alias: string): string {
  return `${alias}.kind IN (${ASSIGNMENT_CHANGES.map((kind) => `'${kind}'`).join(", ")})`;
}
