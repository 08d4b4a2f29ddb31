// The SQL an access review reads, the same on both engines: the grants of a period (requested in
// it, or holding access at some time in it), their approvers, their approved extensions, and what
// their activity digests found. The digests' figures come from their audit records, which the
// report's chain check covers, not from the digest jobs' table, which nothing verifies.
import { z } from "zod";
import type { GrantActivity } from "../domain/access-review.js";

/** `grants g` rows of the period; parameters: from, to, from, to. */
export const PERIOD_GRANTS = `
  (g.created_at >= ? AND g.created_at < ?)
  OR (g.activated_at IS NOT NULL AND g.activated_at < ? AND COALESCE(g.ended_at, g.expires_at, g.activated_at) >= ?)`;

export function periodGrantsSql(where: string): { grants: string; approvers: string; extensions: string; activity: string } {
  return {
    grants: `SELECT g.* FROM grants g WHERE ${where} ORDER BY g.created_at, g.id`,
    approvers: `SELECT a.subject_id, a.approver_id FROM approvals a JOIN grants g ON g.id = a.subject_id
      WHERE ${where} ORDER BY a.subject_id, a.at`,
    extensions: `SELECT e.grant_id, COUNT(*) AS n FROM extensions e JOIN grants g ON g.id = e.grant_id
      WHERE e.status = 'approved' AND (${where}) GROUP BY e.grant_id`,
    activity: `SELECT e.grant_id, e.action, e.detail FROM audit_events e JOIN grants g ON g.id = e.grant_id
      WHERE e.action IN ('activity_digest', 'activity_reviewed') AND (${where}) ORDER BY e.seq`,
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

export interface ActivityRecordRow {
  readonly grant_id: string;
  readonly action: string;
  readonly detail: string;
}

/** The counts an `activity_digest` record carries (services/activity-digest.ts, digestCounts). */
const digestFigures = z.object({
  events: z.number().int().nonnegative(),
  writes: z.number().int().nonnegative(),
  flagged: z.number().int().nonnegative(),
  partial: z.boolean(),
});

/**
 * Each grant's digest figures and whether it was reviewed. A record whose figures do not read is
 * taken as a partial digest of nothing, so the report never calls such a grant unused.
 */
export function activityByGrant(rows: readonly ActivityRecordRow[]): Map<string, GrantActivity> {
  const digests = new Map<string, Omit<GrantActivity, "reviewed">>();
  const reviewed = new Set<string>();
  for (const row of rows) {
    if (row.action === "activity_reviewed") {
      reviewed.add(row.grant_id);
      continue;
    }
    const figures = digestFigures.safeParse(parsedDetail(row.detail));
    digests.set(
      row.grant_id,
      figures.success
        ? { calls: figures.data.events, writeCalls: figures.data.writes, flagged: figures.data.flagged, partial: figures.data.partial }
        : { calls: 0, writeCalls: 0, flagged: 0, partial: true },
    );
  }
  return new Map([...digests].map(([grantId, figures]) => [grantId, { ...figures, reviewed: reviewed.has(grantId) }]));
}

function parsedDetail(detail: string): unknown {
  try {
    return JSON.parse(detail);
  } catch {
    return undefined;
  }
}
