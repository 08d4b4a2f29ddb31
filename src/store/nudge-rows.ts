// The approval_nudges row both engines read, and the upserts both write: the first write of a
// grant's row inserts it, later ones update only the column they concern, under their own condition.
import { NO_NUDGES, type NudgeState } from "../domain/approval-nudges.js";

export interface NudgeRow {
  readonly escalated_at: number | null;
  readonly reminded_at: number | null;
}

export function nudgesFromRow(row: NudgeRow | undefined): NudgeState {
  return row ? { escalatedAt: row.escalated_at, remindedAt: row.reminded_at } : NO_NUDGES;
}
