// The session fence's entries in PostgreSQL: one upsert that only moves an entry forward, and a
// compare-and-set removal of many entries in one statement.
import type { Pool } from "pg";
import type { FenceEntry } from "../../domain/session-fence.js";
import type { FenceEntries } from "../../services/ports.js";
import { FENCE_COLUMNS, fenceEntryFromRow, laterFenceWins, type FenceRow } from "../fence-rows.js";
import { selectRow, selectRows } from "./sql.js";

export class PostgresFenceEntries implements FenceEntries {
  constructor(private readonly pool: Pool) {}

  async put(entry: FenceEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO fence_entries (${FENCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (principal_id, account_id, permission_set) DO UPDATE SET ${laterFenceWins("GREATEST")}`,
      [entry.principalId, entry.accountId, entry.permissionSetName, entry.fencedAt, entry.liftAt, entry.grantId],
    );
  }

  async all(): Promise<FenceEntry[]> {
    const rows = await selectRows<FenceRow>(
      this.pool,
      `SELECT ${FENCE_COLUMNS} FROM fence_entries ORDER BY principal_id, account_id, permission_set`,
    );
    return rows.map(fenceEntryFromRow);
  }

  async remove(entries: readonly FenceEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    // One statement, so one transaction: the given entries arrive as parallel arrays.
    const { rowCount } = await this.pool.query(
      `DELETE FROM fence_entries f
       USING unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS given (principal_id, account_id, permission_set, fenced_at, lift_at)
       WHERE f.principal_id = given.principal_id AND f.account_id = given.account_id AND f.permission_set = given.permission_set
         AND f.fenced_at = given.fenced_at AND f.lift_at = given.lift_at`,
      [
        entries.map((entry) => entry.principalId),
        entries.map((entry) => entry.accountId),
        entries.map((entry) => entry.permissionSetName),
        entries.map((entry) => entry.fencedAt),
        entries.map((entry) => entry.liftAt),
      ],
    );
    return rowCount ?? 0;
  }

  async nextLift(): Promise<number | undefined> {
    return (
      (await selectRow<{ lift_at: number | null }>(this.pool, "SELECT min(lift_at) AS lift_at FROM fence_entries"))?.lift_at ?? undefined
    );
  }
}
