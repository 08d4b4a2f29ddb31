// Approvals of requests and extensions alike: one row per distinct approver, so a quorum counts rows.
import type { Queryable } from "./sql.js";
import { selectRow, selectRows } from "./sql.js";

/** True when this approver had not approved the subject before. */
export async function recordApproval(db: Queryable, subjectId: string, approverId: string, at: number): Promise<boolean> {
  const result = await db.query(
    "INSERT INTO approvals (subject_id, approver_id, at) VALUES ($1, $2, $3) ON CONFLICT (subject_id, approver_id) DO NOTHING",
    [subjectId, approverId, at],
  );
  return result.rowCount === 1;
}

export async function countApprovals(db: Queryable, subjectId: string): Promise<number> {
  return (await selectRow<{ n: number }>(db, "SELECT count(*) AS n FROM approvals WHERE subject_id = $1", [subjectId]))?.n ?? 0;
}

/** Who has approved the subject, in the order they did. */
export async function approverIds(db: Queryable, subjectId: string): Promise<string[]> {
  const rows = await selectRows<{ approver_id: string }>(
    db,
    "SELECT approver_id FROM approvals WHERE subject_id = $1 ORDER BY at, approver_id",
    [subjectId],
  );
  return rows.map((row) => row.approver_id);
}
