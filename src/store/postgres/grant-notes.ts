// Audit records about a grant, written inside the transaction of the step they describe, with the
// grant's context (its AWS request ids, its approvers) read in that same transaction.
import type { PoolClient } from "pg";
import { auditDetail } from "../../audit/detail.js";
import type { AuditNote } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import type { Grant } from "../../domain/grant.js";
import { grantFromRow, type GrantRow } from "../grant-rows.js";
import { approverIds } from "./approvals.js";
import { appendAudit } from "./audit-trail.js";
import { selectRow, selectRows, type Queryable } from "./sql.js";

/**
 * Appends `note` about a grant: the grant as this transaction just inserted or updated it (so holds
 * its row lock), or its id, to read and lock it here. Either way no other transaction can change the
 * grant, or record an approval of it, before this one commits, so the record describes the grant as
 * of its place in the chain although it is read before the audit head is taken.
 */
export async function appendGrantNote(client: PoolClient, clock: Clock, grant: Grant | string, note: AuditNote): Promise<void> {
  await appendAudit(client, async () => {
    const subject = typeof grant === "string" ? await lockGrant(client, grant) : grant;
    return {
      at: clock.now(),
      action: note.action,
      actorId: note.actorId,
      grantId: subject.id,
      accountId: subject.accountId,
      permissionSet: subject.permissionSetName,
      detail: auditDetail(subject, note, await awsRequestIdsOf(client, subject.id), await approverIds(client, subject.id)),
    };
  });
}

/**
 * FOR NO KEY UPDATE: what an UPDATE of the grant takes, so it waits for (and holds off) changes to the
 * grant, yet not a foreign key's check from a row that names it (an extension being inserted).
 */
async function lockGrant(db: Queryable, id: string): Promise<Grant> {
  const row = await selectRow<GrantRow>(db, "SELECT * FROM grants WHERE id = $1 FOR NO KEY UPDATE", [id]);
  if (!row) throw new Error(`grant ${id} vanished inside a transaction`);
  return grantFromRow(row);
}

/** The AWS request ids of the grant's assignment changes so far, as `create:<id> delete:<id>`, or null. */
async function awsRequestIdsOf(db: Queryable, grantId: string): Promise<string | null> {
  const rows = await selectRows<{ kind: string; request_id: string }>(
    db,
    "SELECT kind, request_id FROM operations WHERE grant_id = $1 AND request_id IS NOT NULL ORDER BY id",
    [grantId],
  );
  return rows.length > 0 ? rows.map((row) => `${row.kind}:${row.request_id}`).join(" ") : null;
}
