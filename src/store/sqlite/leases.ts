// Leases in SQLite: one upsert that takes a free or lapsed lease, or extends the holder's own.
import type { Leases } from "../backend.js";
import type { SqliteDatabase } from "./database.js";

export class SqliteLeases implements Leases {
  private readonly take;
  private readonly renew;
  private readonly drop;
  private readonly live;

  constructor(db: SqliteDatabase) {
    this.take = db.prepare<{ key: string; holder: string; now: number; until: number }, { key: string }>(
      `INSERT INTO leases (key, holder, expires_at) VALUES (@key, @holder, @until)
       ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= @now
       RETURNING key`,
    );
    this.renew = db.prepare<[number, string]>("UPDATE leases SET expires_at = ? WHERE holder = ?");
    this.live = db.prepare<[string, string, number], { n: number }>(
      "SELECT count(*) AS n FROM leases WHERE substr(key, 1, length(?)) = ? AND expires_at > ?",
    );
    this.drop = db.prepare<[string, string]>("DELETE FROM leases WHERE key = ? AND holder = ?");
  }

  async acquire(key: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return this.take.get({ key, holder, now, until: now + ttlMs }) !== undefined;
  }

  async renewAll(holder: string, now: number, ttlMs: number): Promise<void> {
    this.renew.run(now + ttlMs, holder);
  }

  async countLive(prefix: string, now: number): Promise<number> {
    return this.live.get(prefix, prefix, now)?.n ?? 0;
  }

  async release(key: string, holder: string): Promise<void> {
    this.drop.run(key, holder);
  }
}
