// Mapping between operations and rows of the operations table (the same in both engines).
import type { AssignmentChange, Operation, OperationKind, OperationState } from "../services/ports.js";

export interface OperationRow {
  id: number;
  grant_id: string | null;
  kind: OperationKind;
  account_id: string;
  permission_set: string;
  principal_id: string;
  principal_type: "USER" | "GROUP";
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
    target: {
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

const ASSIGNMENT_CHANGES = ["create", "delete"] as const satisfies readonly AssignmentChange[];

/**
 * SQL: the row of `alias` changed an assignment. A fence operation changed none, so the queries that
 * say whether the bot created or removed an assignment leave it out.
 */
export function changesAssignment(alias: string): string {
  return `${alias}.kind IN (${ASSIGNMENT_CHANGES.map((kind) => `'${kind}'`).join(", ")})`;
}
