// Named leases in PostgreSQL: one upsert takes a free or lapsed lease, or renews the holder's own.
import type { Pool } from "pg";
import type { Leases } from "../backend.js";

export class PostgresLeases implements Leases {
  constructor(private readonly pool: Pool) {}

  async acquire(key: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO leases (key, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4
       RETURNING key`,
      [key, holder, now + ttlMs, now],
    );
    return result.rowCount === 1;
  }

  async renewAll(holder: string, now: number, ttlMs: number): Promise<void> {
    await this.pool.query("UPDATE leases SET expires_at = $1 WHERE holder = $2", [now + ttlMs, holder]);
  }

  async countLive(prefix: string, now: number): Promise<number> {
    const result = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM leases WHERE starts_with(key, $1) AND expires_at > $2",
      [prefix, now],
    );
    return result.rows[0]?.n ?? 0;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.pool.query("DELETE FROM leases WHERE key = $1 AND holder = $2", [key, holder]);
  }
}
