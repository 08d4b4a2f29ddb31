// Approvals of requests and extensions alike: one row per distinct approver.
import type { Queryable } from "./sql.js";
import { selectRows } from "./sql.js";

/** Adds an approver the domain has counted; the caller holds the subject's row lock, so a conflict means a broken invariant. */
export async function addApprover(db: Queryable, subjectId: string, approverId: string, at: number): Promise<void> {
  const result = await db.query(
    "INSERT INTO approvals (subject_id, approver_id, at) VALUES ($1, $2, $3) ON CONFLICT (subject_id, approver_id) DO NOTHING",
    [subjectId, approverId, at],
  );
  if (result.rowCount !== 1) throw new Error(`approval of ${subjectId} by ${approverId} changed inside a transaction`);
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
