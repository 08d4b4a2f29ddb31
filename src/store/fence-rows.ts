// Mapping between fence entries and rows of the fence_entries table, and the upsert's rule for an
// entry fenced again (the same in both engines).
import type { FenceEntry } from "../domain/session-fence.js";

export interface FenceRow {
  principal_id: string;
  account_id: string;
  permission_set: string;
  fenced_at: number;
  lift_at: number;
  grant_id: string;
}

export const FENCE_COLUMNS = "principal_id, account_id, permission_set, fenced_at, lift_at, grant_id";

export function fenceEntryFromRow(row: FenceRow): FenceEntry {
  return {
    principalId: row.principal_id,
    accountId: row.account_id,
    permissionSetName: row.permission_set,
    fencedAt: row.fenced_at,
    liftAt: row.lift_at,
    grantId: row.grant_id,
  };
}

/**
 * The `DO UPDATE SET` of the upsert: each time moves only forward, and the grant id goes with the
 * later fenced_at (on a tie the stored one stays). SET expressions all read the row as it was, so
 * the CASE compares with the old fenced_at. `greatest` is the engine's two-argument maximum:
 * SQLite's scalar max(), PostgreSQL's GREATEST.
 */
export function laterFenceWins(greatest: "max" | "GREATEST"): string {
  return `fenced_at = ${greatest}(fence_entries.fenced_at, excluded.fenced_at),
          lift_at = ${greatest}(fence_entries.lift_at, excluded.lift_at),
          grant_id = CASE WHEN excluded.fenced_at > fence_entries.fenced_at THEN excluded.grant_id ELSE fence_entries.grant_id END`;
}
