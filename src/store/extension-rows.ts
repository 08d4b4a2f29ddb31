// Mapping between extension objects and rows of the extensions table (the same in both engines).
import type { Extension, ExtensionStatus } from "../domain/extension.js";

export interface ExtensionRow {
  id: string;
  grant_id: string;
  requester_id: string;
  extra_ms: number;
  status: ExtensionStatus;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  approval_channel: string | null;
  approval_ts: string | null;
}

export function extensionFromRow(row: ExtensionRow): Extension {
  return {
    id: row.id,
    grantId: row.grant_id,
    requesterId: row.requester_id,
    extraMs: row.extra_ms,
    status: row.status,
    createdAt: row.created_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    approvalChannel: row.approval_channel,
    approvalTs: row.approval_ts,
  };
}
