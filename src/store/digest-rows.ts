// The activity_digests row as both engines return it, and the job it stands for.
import type { DigestJob, DigestState } from "../services/ports.js";

export interface DigestRow {
  readonly grant_id: string;
  readonly state: string;
  readonly attempts: number;
  readonly retry_at: number | string | null;
  readonly digest: string | null;
  readonly needs_review: number | boolean;
  readonly reviewed_by: string | null;
  readonly reviewed_at: number | string | null;
  readonly channel: string | null;
  readonly ts: string | null;
  readonly created_at: number | string;
}

const orNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function digestJobFromRow(row: DigestRow): DigestJob {
  return {
    grantId: row.grant_id,
    state: row.state as DigestState,
    attempts: Number(row.attempts),
    retryAt: orNull(row.retry_at),
    digest: row.digest,
    needsReview: row.needs_review === true || row.needs_review === 1,
    reviewedBy: row.reviewed_by,
    reviewedAt: orNull(row.reviewed_at),
    channel: row.channel,
    ts: row.ts,
    createdAt: Number(row.created_at),
  };
}
