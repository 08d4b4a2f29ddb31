// The audit outbox as the feed reads it: records not yet in the audit channel, oldest first, marked
// delivered a whole post at a time, and the note of the post under way.
import type { AuditOutbox, PostingNote } from "../../audit/feed.js";
import type { StoredAuditRecord } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import { AUDIT_COLUMNS, storedRecordFromRow, type AuditRow } from "../audit-rows.js";
import type { SqliteDatabase } from "./database.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

export class SqliteOutbox implements AuditOutbox {
  private readonly waiting;
  private readonly mark;
  private readonly note;
  private readonly readNote;
  private readonly dropNote;
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
    this.note = db.prepare<[number, number, number]>(
      "INSERT OR REPLACE INTO audit_posting (id, first_seq, last_seq, started_at) VALUES (1, ?, ?, ?)",
    );
    this.readNote = db.prepare<[], PostingNote>(
      "SELECT first_seq AS firstSeq, last_seq AS lastSeq, started_at AS startedAt FROM audit_posting WHERE id = 1",
    );
    this.dropNote = db.prepare("DELETE FROM audit_posting");
  }

  async undelivered(limit: number): Promise<StoredAuditRecord[]> {
    return this.waiting.all(limit).map(storedRecordFromRow);
  }

  /** Delivery is in seq order, so the undelivered records up to `seq` are exactly those just posted. */
  async markDeliveredThrough(seq: number): Promise<void> {
    await this.commits.run(() => {
      this.mark.run(this.clock.now(), seq);
      this.dropNote.run();
    });
  }

  async notePosting(note: PostingNote): Promise<void> {
    await this.commits.run(() => this.note.run(note.firstSeq, note.lastSeq, note.startedAt));
  }

  async interruptedPost(): Promise<PostingNote | undefined> {
    return this.readNote.get();
  }

  async clearPosting(): Promise<void> {
    await this.commits.run(() => this.dropNote.run());
  }
}
