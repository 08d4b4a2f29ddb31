// Seen Slack request signatures in PostgreSQL, so a replay is refused whichever replica it reaches.
import type { Pool } from "pg";
import type { SeenRequests } from "../seen-requests.js";

/** Expired rows are deleted at most this often (each process), by the next request after it. */
const PURGE_EVERY_MS = 60_000;

export class PostgresSeenRequests implements SeenRequests {
  private nextPurge = 0;

  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
  ) {}

  async firstSight(signature: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    if (now >= this.nextPurge) {
      this.nextPurge = now + PURGE_EVERY_MS;
      await this.pool.query("DELETE FROM seen_requests WHERE expires_at <= $1", [now]);
    }
    const inserted = await this.pool.query(
      "INSERT INTO seen_requests (signature, expires_at) VALUES ($1, $2) ON CONFLICT (signature) DO NOTHING",
      [signature, expiresAt],
    );
    return inserted.rowCount === 1;
  }
}
