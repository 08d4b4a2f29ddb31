// The session fence's entries in SQLite: one upsert that only moves an entry forward, and a
// compare-and-set removal.
import type { FenceEntry } from "../../domain/session-fence.js";
import type { FenceEntries } from "../../services/ports.js";
import { FENCE_COLUMNS, fenceEntryFromRow, laterFenceWins, type FenceRow } from "../fence-rows.js";
import type { SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

export class SqliteFenceEntries implements FenceEntries {
  private readonly commits: GroupCommit;
  private readonly upsert;
  private readonly removeUnchanged;
  private readonly selectAll;
  private readonly earliestLift;

  constructor(db: SqliteDatabase) {
    this.commits = groupCommit(db);
    this.upsert = db.prepare<FenceRow>(
      `INSERT INTO fence_entries (${FENCE_COLUMNS})
       VALUES (@principal_id, @account_id, @permission_set, @fenced_at, @lift_at, @grant_id)
       ON CONFLICT (principal_id, account_id, permission_set) DO UPDATE SET ${laterFenceWins("max")}`,
    );
    this.removeUnchanged = db.prepare<[string, string, string, number, number]>(
      `DELETE FROM fence_entries
       WHERE principal_id = ? AND account_id = ? AND permission_set = ? AND fenced_at = ? AND lift_at = ?`,
    );
    this.selectAll = db.prepare<[], FenceRow>(
      `SELECT ${FENCE_COLUMNS} FROM fence_entries ORDER BY principal_id, account_id, permission_set`,
    );
    this.earliestLift = db.prepare<[], { lift_at: number | null }>("SELECT min(lift_at) AS lift_at FROM fence_entries");
  }

  async put(entry: FenceEntry): Promise<void> {
    await this.commits.run(() =>
      this.upsert.run({
        principal_id: entry.principalId,
        account_id: entry.accountId,
        permission_set: entry.permissionSetName,
        fenced_at: entry.fencedAt,
        lift_at: entry.liftAt,
        grant_id: entry.grantId,
      }),
    );
  }

  async all(): Promise<FenceEntry[]> {
    return this.selectAll.all().map(fenceEntryFromRow);
  }

  async remove(entries: readonly FenceEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    return this.commits.run(() =>
      entries.reduce(
        (removed, entry) =>
          removed +
          this.removeUnchanged.run(entry.principalId, entry.accountId, entry.permissionSetName, entry.fencedAt, entry.liftAt).changes,
        0,
      ),
    );
  }

  async nextLift(): Promise<number | undefined> {
    return this.earliestLift.get()?.lift_at ?? undefined;
  }
}
