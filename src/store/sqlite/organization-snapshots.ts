// The organization as last read, in SQLite: one row, replaced whole.
import type { OrganizationSnapshots, StoredOrganization } from "../../services/ports.js";
import { storedOrganizationFromRow, type OrganizationRow } from "../organization-rows.js";
import type { SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

export class SqliteOrganizationSnapshots implements OrganizationSnapshots {
  private readonly commits: GroupCommit;
  private readonly upsert;
  private readonly selectReadAt;
  private readonly selectLatest;

  constructor(db: SqliteDatabase) {
    this.commits = groupCommit(db);
    this.upsert = db.prepare<OrganizationRow>(
      `INSERT INTO organization_snapshot (id, read_at, read_by, snapshot) VALUES (1, @read_at, @read_by, @snapshot)
       ON CONFLICT (id) DO UPDATE SET read_at = excluded.read_at, read_by = excluded.read_by, snapshot = excluded.snapshot`,
    );
    this.selectReadAt = db.prepare<[], { read_at: number }>("SELECT read_at FROM organization_snapshot WHERE id = 1");
    this.selectLatest = db.prepare<[], OrganizationRow>("SELECT read_at, read_by, snapshot FROM organization_snapshot WHERE id = 1");
  }

  async readAt(): Promise<number | undefined> {
    return this.selectReadAt.get()?.read_at;
  }

  async latest(): Promise<StoredOrganization | undefined> {
    const row = this.selectLatest.get();
    return row ? storedOrganizationFromRow(row) : undefined;
  }

  async put(stored: StoredOrganization): Promise<void> {
    await this.commits.run(() => this.upsert.run({ read_at: stored.readAt, read_by: stored.readBy, snapshot: stored.snapshot }));
  }
}
