// The audit outbox in PostgreSQL: records not yet in the audit channel, oldest first.
import type { Pool } from "pg";
import type { AuditOutbox, PostingNote } from "../../audit/feed.js";
import type { StoredAuditRecord } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import { AUDIT_COLUMNS, storedRecordFromRow, type AuditRow } from "../audit-rows.js";
import { selectRow, selectRows } from "./sql.js";
import { inTransaction } from "./transaction.js";

export class PostgresOutbox implements AuditOutbox {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async undelivered(limit: number): Promise<StoredAuditRecord[]> {
    const rows = await selectRows<AuditRow>(
      this.pool,
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE delivered_at IS NULL ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map(storedRecordFromRow);
  }

  /** Delivery is in seq order, so the undelivered records up to `seq` are exactly those just posted. */
  async markDeliveredThrough(seq: number): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query("UPDATE audit_events SET delivered_at = $1 WHERE delivered_at IS NULL AND seq <= $2", [this.clock.now(), seq]);
      await client.query("DELETE FROM audit_posting");
    });
  }

  async notePosting(note: PostingNote): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_posting (id, first_seq, last_seq, started_at) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET first_seq = EXCLUDED.first_seq, last_seq = EXCLUDED.last_seq, started_at = EXCLUDED.started_at`,
      [note.firstSeq, note.lastSeq, note.startedAt],
    );
  }

  async interruptedPost(): Promise<PostingNote | undefined> {
    return selectRow<PostingNote>(
      this.pool,
      `SELECT first_seq AS "firstSeq", last_seq AS "lastSeq", started_at AS "startedAt" FROM audit_posting WHERE id = 1`,
    );
  }

  async clearPosting(): Promise<void> {
    await this.pool.query("DELETE FROM audit_posting");
  }
}
