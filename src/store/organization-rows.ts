// The one row of organization_snapshot, the same in both engines.
import type { StoredOrganization } from "../services/ports.js";

export interface OrganizationRow {
  read_at: number;
  read_by: string;
  snapshot: string;
}

export function storedOrganizationFromRow(row: OrganizationRow): StoredOrganization {
  return { readAt: Number(row.read_at), readBy: row.read_by, snapshot: row.snapshot };
}
