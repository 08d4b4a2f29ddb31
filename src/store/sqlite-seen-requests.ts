// Seen Slack request signatures in SQLite, written on the connection that does not wait for the
// disk (see sqlite-backend.ts): a restart keeps them, and the check before each ack costs no flush;
// a power cut may lose the last few, which only lets their replay through once.
import type { SqliteDatabase } from "./database.js";
import type { SeenRequests } from "./seen-requests.js";

/** Expired rows are deleted at most this often, before the next check. */
const PURGE_EVERY_MS = 60_000;

export class SqliteSeenRequests implements SeenRequests {
  private readonly record;
  private readonly purge;
  private nextPurge = 0;

  constructor(
    db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.record = db.prepare<[string, number]>("INSERT INTO seen_requests (signature, expires_at) VALUES (?, ?) ON CONFLICT (signature) DO NOTHING");
    this.purge = db.prepare<[number]>("DELETE FROM seen_requests WHERE expires_at <= ?");
  }

  async firstSight(signature: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    if (now >= this.nextPurge) {
      this.nextPurge = now + PURGE_EVERY_MS;
      this.purge.run(now);
    }
    return this.record.run(signature, expiresAt).changes === 1;
  }
}
