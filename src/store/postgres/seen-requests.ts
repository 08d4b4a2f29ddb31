// Seen Slack request signatures in PostgreSQL, so a replay is refused whichever replica it reaches.
// The requests that arrive in one turn of the event loop are checked in one statement: a burst
// costs a round trip, not a round trip each.
import type { Pool } from "pg";
import type { SeenRequests } from "../seen-requests.js";

/** Expired rows are deleted at most this often (each process), before the next check. */
const PURGE_EVERY_MS = 60_000;

interface Waiting {
  readonly signature: string;
  readonly expiresAt: number;
  resolve(first: boolean): void;
  reject(error: unknown): void;
}

export class PostgresSeenRequests implements SeenRequests {
  private waiting: Waiting[] = [];
  private nextPurge = 0;

  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
  ) {}

  firstSight(signature: string, expiresAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.check());
      this.waiting.push({ signature, expiresAt, resolve, reject });
    });
  }

  private async check(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    const expiries = new Map<string, number>();
    for (const { signature, expiresAt } of batch) if (!expiries.has(signature)) expiries.set(signature, expiresAt);
    try {
      await this.purgeIfDue();
      const inserted = await this.pool.query<{ signature: string }>(
        `INSERT INTO seen_requests (signature, expires_at)
           SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (signature) DO NOTHING
           RETURNING signature`,
        [[...expiries.keys()], [...expiries.values()]],
      );
      const firsts = new Set(inserted.rows.map((row) => row.signature));
      // The same signature twice in one batch: only the first of them is a first sight.
      for (const request of batch) request.resolve(firsts.delete(request.signature));
    } catch (error) {
      for (const request of batch) request.reject(error);
    }
  }

  private async purgeIfDue(): Promise<void> {
    const now = this.now();
    if (now < this.nextPurge) return;
    this.nextPurge = now + PURGE_EVERY_MS;
    await this.pool.query("DELETE FROM seen_requests WHERE expires_at <= $1", [now]);
  }
}
