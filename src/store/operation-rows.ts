// Mapping between operations and rows of the operations table (the same in both engines).
import type { Operation, OperationKind, OperationState } from "../services/ports.js";

export interface OperationRow {
  id: number;
  grant_id: string;
  kind: OperationKind;
  account_id: string;
  permission_set: string;
  principal_id: string;
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
    target: { accountId: row.account_id, permissionSetName: row.permission_set, principalId: row.principal_id },
    state: row.state,
    requestId: row.request_id,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
  };
}
