// The audit outbox as the feed reads it: records not yet in the audit channel, oldest first, and
// marked delivered a whole post at a time (one statement, one commit).
import type { AuditOutbox } from "../audit/feed.js";
import type { AuditRecord } from "../domain/audit-event.js";
import type { Clock } from "../domain/clock.js";
import { AUDIT_COLUMNS, recordFromRow, type AuditRow } from "./audit-rows.js";
import type { SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

export class SqliteOutbox implements AuditOutbox {
  private readonly waiting;
  private readonly mark;
  private readonly commits: GroupCommit;

  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    this.commits = groupCommit(db);
    this.waiting = db.prepare<[number], AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE delivered_at IS NULL ORDER BY seq LIMIT ?`,
    );
    this.mark = db.prepare<[number, number]>("UPDATE audit_events SET delivered_at = ? WHERE delivered_at IS NULL AND seq <= ?");
  }

  async undelivered(limit: number): Promise<AuditRecord[]> {
    return this.waiting.all(limit).map(recordFromRow);
  }

  /** Delivery is in seq order, so the undelivered records up to `seq` are exactly those just posted. */
  async markDeliveredThrough(seq: number): Promise<void> {
    await this.commits.run(() => this.mark.run(this.clock.now(), seq));
  }
}
