// What metrics read from PostgreSQL when scraped: grants per open status, the audit outbox, and the
// audit records appended since the last scrape (by any replica or the admin CLI).
import type { Pool } from "pg";
import { OPEN_STATUSES, type GrantStatus } from "../../domain/grant.js";
import type { AuditFact, MetricsSource } from "../../services/ports.js";
import { statusList } from "../status-list.js";
import { selectRow, selectRows } from "./sql.js";

export class PostgresMetricsSource implements MetricsSource {
  constructor(private readonly pool: Pool) {}

  async grantsByStatus(): Promise<Partial<Record<GrantStatus, number>>> {
    const rows = await selectRows<{ status: GrantStatus; n: number }>(
      this.pool,
      `SELECT status, count(*) AS n FROM grants
       WHERE status IN (${statusList(OPEN_STATUSES)}) GROUP BY status`,
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async outbox(): Promise<{ depth: number; oldestAt: number | null }> {
    const row = await selectRow<{ depth: number; oldestAt: number | null }>(
      this.pool,
      `SELECT count(*) AS depth, min(at) AS "oldestAt" FROM audit_events WHERE delivered_at IS NULL`,
    );
    return row ?? { depth: 0, oldestAt: null };
  }

  async lastAuditSeq(): Promise<number> {
    return (await selectRow<{ seq: number | null }>(this.pool, "SELECT max(seq) AS seq FROM audit_events"))?.seq ?? 0;
  }

  async auditSince(seq: number, limit: number): Promise<AuditFact[]> {
    return selectRows<AuditFact>(
      this.pool,
      `SELECT a.seq, a.action, a.at, g.created_at AS "grantCreatedAt", g.expires_at AS "grantExpiresAt"
       FROM audit_events a LEFT JOIN grants g ON g.id = a.grant_id
       WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
      [seq, limit],
    );
  }
}
