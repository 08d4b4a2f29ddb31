// Seen Slack request signatures in PostgreSQL, so a replay is refused whichever replica it reaches.
import type { Pool } from "pg";
import { BatchedSeenRequests } from "../seen-requests.js";

export class PostgresSeenRequests extends BatchedSeenRequests {
  constructor(
    private readonly pool: Pool,
    now: () => number,
  ) {
    super(now);
  }

  protected async record(expiries: ReadonlyMap<string, number>, purgeBefore: number | undefined): Promise<ReadonlySet<string>> {
    if (purgeBefore !== undefined) await this.pool.query("DELETE FROM seen_requests WHERE expires_at <= $1", [purgeBefore]);
    const inserted = await this.pool.query<{ signature: string }>(
      `INSERT INTO seen_requests (signature, expires_at)
         SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT (signature) DO NOTHING
         RETURNING signature`,
      [[...expiries.keys()], [...expiries.values()]],
    );
    return new Set(inserted.rows.map((row) => row.signature));
  }
}
