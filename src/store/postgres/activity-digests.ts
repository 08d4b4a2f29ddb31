// Activity digest jobs in PostgreSQL: compare-and-set moves on the state, the digest's and the
// review's audit records in the transaction of the move.
import type { Pool } from "pg";
import type { AuditNote } from "../../domain/audit-event.js";
import type { Clock } from "../../domain/clock.js";
import type { ActivityDigests, DigestJob } from "../../services/ports.js";
import { digestJobFromRow, type DigestRow } from "../digest-rows.js";
import { appendGrantNote } from "./grant-notes.js";
import { selectRow, selectRows } from "./sql.js";
import { inTransaction } from "./transaction.js";

export class PostgresActivityDigests implements ActivityDigests {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  async get(grantId: string): Promise<DigestJob | undefined> {
    const row = await selectRow<DigestRow>(this.pool, "SELECT * FROM activity_digests WHERE grant_id = $1", [grantId]);
    return row && digestJobFromRow(row);
  }

  async unfinished(now: number, limit: number): Promise<DigestJob[]> {
    const rows = await selectRows<DigestRow>(
      this.pool,
      `SELECT * FROM activity_digests WHERE state <> 'posted' AND (retry_at IS NULL OR retry_at <= $1)
        ORDER BY created_at, grant_id LIMIT $2`,
      [now, limit],
    );
    return rows.map(digestJobFromRow);
  }

  async defer(grantId: string, at: number): Promise<void> {
    await this.pool.query("UPDATE activity_digests SET retry_at = $2 WHERE grant_id = $1 AND state = 'pending'", [grantId, at]);
  }

  async retryLater(grantId: string, attempts: number, retryAt: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE activity_digests SET attempts = $2, retry_at = $3 WHERE grant_id = $1 AND state = 'pending' AND attempts = $4",
      [grantId, attempts, retryAt, attempts - 1],
    );
    return rowCount === 1;
  }

  async collect(grantId: string, digest: string, needsReview: boolean, note: AuditNote): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE activity_digests SET state = 'collected', digest = $2, needs_review = $3, retry_at = NULL
          WHERE grant_id = $1 AND state = 'pending'`,
        [grantId, digest, needsReview],
      );
      if (rowCount !== 1) return false;
      await appendGrantNote(client, this.clock, grantId, note);
      return true;
    });
  }

  async startPosting(grantId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE activity_digests SET state = 'posting' WHERE grant_id = $1 AND state = 'collected'",
      [grantId],
    );
    return rowCount === 1;
  }

  async posted(grantId: string, channel: string, ts: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE activity_digests SET state = 'posted', channel = $2, ts = $3 WHERE grant_id = $1 AND state = 'posting'",
      [grantId, channel, ts],
    );
    return rowCount === 1;
  }

  async review(grantId: string, reviewerId: string, at: number, note: AuditNote): Promise<DigestJob | undefined> {
    return inTransaction(this.pool, async (client) => {
      const row = await selectRow<DigestRow>(
        client,
        `UPDATE activity_digests SET reviewed_by = $2, reviewed_at = $3
          WHERE grant_id = $1 AND needs_review AND reviewed_at IS NULL AND digest IS NOT NULL RETURNING *`,
        [grantId, reviewerId, at],
      );
      if (!row) return undefined;
      await appendGrantNote(client, this.clock, grantId, note);
      return digestJobFromRow(row);
    });
  }

  async listUnreviewed(limit: number): Promise<DigestJob[]> {
    const rows = await selectRows<DigestRow>(
      this.pool,
      `SELECT * FROM activity_digests WHERE needs_review AND reviewed_at IS NULL AND digest IS NOT NULL
        ORDER BY created_at, grant_id LIMIT $1`,
      [limit],
    );
    return rows.map(digestJobFromRow);
  }
}
