// Audit rows as SQLite holds them, and the records and chain links made from them.
import type { ChainLink } from "../audit/chain.js";
import type { AuditDetail, AuditRecord, StoredAuditRecord } from "../domain/audit-event.js";

export interface AuditRow {
  seq: number;
  at: number;
  action: AuditRecord["action"];
  actor_id: string;
  grant_id: string;
  account_id: string;
  permission_set: string;
  detail: string;
  prev_hash: string | null;
  hash: string | null;
}

export const AUDIT_COLUMNS = "seq, at, action, actor_id, grant_id, account_id, permission_set, detail, prev_hash, hash";

/** The columns a record and a chain link share. */
function fieldsFromRow(row: AuditRow): Omit<AuditRecord, "detail"> {
  return {
    seq: row.seq,
    at: row.at,
    action: row.action,
    actorId: row.actor_id,
    grantId: row.grant_id,
    accountId: row.account_id,
    permissionSet: row.permission_set,
  };
}

export function recordFromRow(row: AuditRow): AuditRecord {
  return { ...fieldsFromRow(row), detail: JSON.parse(row.detail) as AuditDetail };
}

export function storedRecordFromRow(row: AuditRow): StoredAuditRecord {
  return { ...recordFromRow(row), prevHash: row.prev_hash ?? "", hash: row.hash ?? "" };
}

export function linkFromRow(row: AuditRow): ChainLink {
  return { ...fieldsFromRow(row), detailJson: row.detail, prevHash: row.prev_hash, hash: row.hash };
}
