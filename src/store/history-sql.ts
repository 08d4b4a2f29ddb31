// The SQL an access review reads, the same on both engines: the grants of a period (requested in
// it, or holding access at some time in it), their approvers and their approved extensions.

/** `grants g` rows of the period; parameters: from, to, from, to. */
export const PERIOD_GRANTS = `
  (g.created_at >= ? AND g.created_at < ?)
  OR (g.activated_at IS NOT NULL AND g.activated_at < ? AND COALESCE(g.ended_at, g.expires_at, g.activated_at) >= ?)`;

export function periodGrantsSql(where: string): { grants: string; approvers: string; extensions: string } {
  return {
    grants: `SELECT g.* FROM grants g WHERE ${where} ORDER BY g.created_at, g.id`,
    approvers: `SELECT a.subject_id, a.approver_id FROM approvals a JOIN grants g ON g.id = a.subject_id
      WHERE ${where} ORDER BY a.subject_id, a.at`,
    extensions: `SELECT e.grant_id, COUNT(*) AS n FROM extensions e JOIN grants g ON g.id = e.grant_id
      WHERE e.status = 'approved' AND (${where}) GROUP BY e.grant_id`,
  };
}

export interface ApproverRow {
  readonly subject_id: string;
  readonly approver_id: string;
}

export interface ExtensionCountRow {
  readonly grant_id: string;
  readonly n: number | string;
}

export function approversByGrant(rows: readonly ApproverRow[]): Map<string, string[]> {
  const approvers = new Map<string, string[]>();
  for (const row of rows) approvers.set(row.subject_id, [...(approvers.get(row.subject_id) ?? []), row.approver_id]);
  return approvers;
}

export function extensionCounts(rows: readonly ExtensionCountRow[]): Map<string, number> {
  return new Map(rows.map((row) => [row.grant_id, Number(row.n)]));
}
