// Seen Slack request signatures in SQLite, written on the connection that does not wait for the
// disk (see sqlite-backend.ts): a restart keeps them, and the check before each ack costs no flush;
// a power cut may lose the last few, which only lets their replay through once.
import type { SqliteDatabase } from "./database.js";
import { BatchedSeenRequests } from "../seen-requests.js";

export class SqliteSeenRequests extends BatchedSeenRequests {
  private readonly recordAll;

  constructor(db: SqliteDatabase, now: () => number) {
    super(now);
    const insert = db.prepare<[string, number]>(
      "INSERT INTO seen_requests (signature, expires_at) VALUES (?, ?) ON CONFLICT (signature) DO NOTHING",
    );
    const purge = db.prepare<[number]>("DELETE FROM seen_requests WHERE expires_at <= ?");
    this.recordAll = db.transaction((expiries: ReadonlyMap<string, number>, purgeBefore: number | undefined) => {
      if (purgeBefore !== undefined) purge.run(purgeBefore);
      const recorded = new Set<string>();
      for (const [signature, expiresAt] of expiries) if (insert.run(signature, expiresAt).changes === 1) recorded.add(signature);
      return recorded;
    });
  }

  protected async record(expiries: ReadonlyMap<string, number>, purgeBefore: number | undefined): Promise<ReadonlySet<string>> {
    return this.recordAll(expiries, purgeBefore);
  }
}
