// Activity digest jobs in SQLite: compare-and-set moves on the state, the digest's and the review's
// audit records in the transaction of the move.
import type { AuditNote } from "../../domain/audit-event.js";
import type { ActivityDigests, DigestJob } from "../../services/ports.js";
import { digestJobFromRow, type DigestRow } from "../digest-rows.js";
import { prepared, type SqliteDatabase } from "./database.js";
import type { SqliteStore } from "./grant-store.js";
import { groupCommit, type GroupCommit } from "./group-commit.js";

export class SqliteActivityDigests implements ActivityDigests {
  private readonly commits: GroupCommit;
  private readonly select;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly grants: SqliteStore,
  ) {
    this.commits = groupCommit(db);
    this.select = db.prepare<[string], DigestRow>("SELECT * FROM activity_digests WHERE grant_id = ?");
  }

  async get(grantId: string): Promise<DigestJob | undefined> {
    const row = this.select.get(grantId);
    return row && digestJobFromRow(row);
  }

  async unfinished(now: number, limit: number): Promise<DigestJob[]> {
    return prepared<[number, number], DigestRow>(
      this.db,
      `SELECT * FROM activity_digests WHERE state <> 'posted' AND (retry_at IS NULL OR retry_at <= ?)
        ORDER BY created_at, grant_id LIMIT ?`,
    )
      .all(now, limit)
      .map(digestJobFromRow);
  }

  async defer(grantId: string, at: number): Promise<void> {
    await this.commits.run(() =>
      prepared(this.db, "UPDATE activity_digests SET retry_at = ? WHERE grant_id = ? AND state = 'pending'").run(at, grantId),
    );
  }

  async retryLater(grantId: string, attempts: number, retryAt: number): Promise<boolean> {
    return this.commits.run(
      () =>
        prepared(
          this.db,
          "UPDATE activity_digests SET attempts = ?, retry_at = ? WHERE grant_id = ? AND state = 'pending' AND attempts = ?",
        ).run(attempts, retryAt, grantId, attempts - 1).changes === 1,
    );
  }

  async collect(grantId: string, digest: string, needsReview: boolean, note: AuditNote): Promise<boolean> {
    return this.commits.run(() => {
      const { changes } = prepared(
        this.db,
        "UPDATE activity_digests SET state = 'collected', digest = ?, needs_review = ?, retry_at = NULL WHERE grant_id = ? AND state = 'pending'",
      ).run(digest, needsReview ? 1 : 0, grantId);
      if (changes === 1) this.grants.appendNote(grantId, note);
      return changes === 1;
    });
  }

  async startPosting(grantId: string): Promise<boolean> {
    return this.move(grantId, "collected", "posting");
  }

  async posted(grantId: string, channel: string, ts: string): Promise<boolean> {
    return this.commits.run(
      () =>
        prepared(this.db, "UPDATE activity_digests SET state = 'posted', channel = ?, ts = ? WHERE grant_id = ? AND state = 'posting'").run(
          channel,
          ts,
          grantId,
        ).changes === 1,
    );
  }

  async review(grantId: string, reviewerId: string, at: number, note: AuditNote): Promise<DigestJob | undefined> {
    return this.commits.run(() => {
      const { changes } = prepared(
        this.db,
        `UPDATE activity_digests SET reviewed_by = ?, reviewed_at = ?
          WHERE grant_id = ? AND needs_review = 1 AND reviewed_at IS NULL AND digest IS NOT NULL`,
      ).run(reviewerId, at, grantId);
      if (changes !== 1) return undefined;
      this.grants.appendNote(grantId, note);
      const row = this.select.get(grantId);
      return row && digestJobFromRow(row);
    });
  }

  async listUnreviewed(limit: number): Promise<DigestJob[]> {
    return prepared<[number], DigestRow>(
      this.db,
      `SELECT * FROM activity_digests WHERE needs_review = 1 AND reviewed_at IS NULL AND digest IS NOT NULL
        ORDER BY created_at, grant_id LIMIT ?`,
    )
      .all(limit)
      .map(digestJobFromRow);
  }

  private move(grantId: string, from: string, to: string): Promise<boolean> {
    return this.commits.run(
      () =>
        prepared(this.db, "UPDATE activity_digests SET state = ? WHERE grant_id = ? AND state = ?").run(to, grantId, from).changes === 1,
    );
  }
}
