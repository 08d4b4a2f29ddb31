// The organization as last read, in PostgreSQL: one row, replaced whole.
import type { Pool } from "pg";
import type { OrganizationSnapshots, StoredOrganization } from "../../services/ports.js";
import { storedOrganizationFromRow, type OrganizationRow } from "../organization-rows.js";
import { selectRow } from "./sql.js";

export class PostgresOrganizationSnapshots implements OrganizationSnapshots {
  constructor(private readonly pool: Pool) {}

  async readAt(): Promise<number | undefined> {
    const row = await selectRow<{ read_at: number }>(this.pool, "SELECT read_at FROM organization_snapshot WHERE id = 1");
    return row ? Number(row.read_at) : undefined;
  }

  async latest(): Promise<StoredOrganization | undefined> {
    const row = await selectRow<OrganizationRow>(this.pool, "SELECT read_at, read_by, snapshot FROM organization_snapshot WHERE id = 1");
    return row ? storedOrganizationFromRow(row) : undefined;
  }

  async put(stored: StoredOrganization): Promise<void> {
    await this.pool.query(
      `INSERT INTO organization_snapshot (id, read_at, read_by, snapshot) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET read_at = excluded.read_at, read_by = excluded.read_by, snapshot = excluded.snapshot`,
      [stored.readAt, stored.readBy, stored.snapshot],
    );
  }
}
