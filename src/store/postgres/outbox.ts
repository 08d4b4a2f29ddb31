// The audit outbox in PostgreSQL: records not yet in the audit channel, oldest first.
import type { Pool } from "pg";
import type { AuditOutbox } from "../../audit/feed.js";
import type { AuditRecord } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import { AUDIT_COLUMNS, recordFromRow, type AuditRow } from "../audit-rows.js";
import { selectRows } from "./sql.js";

export class PostgresOutbox implements AuditOutbox {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async undelivered(limit: number): Promise<AuditRecord[]> {
    const rows = await selectRows<AuditRow>(
      this.pool,
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE delivered_at IS NULL ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map(recordFromRow);
  }

  /** Delivery is in seq order, so the undelivered records up to `seq` are exactly those just posted. */
  async markDeliveredThrough(seq: number): Promise<void> {
    await this.pool.query("UPDATE audit_events SET delivered_at = $1 WHERE delivered_at IS NULL AND seq <= $2", [this.clock.now(), seq]);
  }
}
