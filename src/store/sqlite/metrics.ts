// What metrics read from SQLite when scraped: grants per open status, the audit outbox, and the
// audit records appended since the last scrape (by this process or any other, e.g. jit-admin).
import { OPEN_STATUSES, type GrantStatus } from "../../domain/grant.js";
import type { AuditFact, MetricsSource } from "../../services/ports.js";
import type { SqliteDatabase } from "./database.js";
import { statusList } from "../status-list.js";

export class SqliteMetricsSource implements MetricsSource {
  private readonly byStatus;
  private readonly outboxRow;
  private readonly lastSeq;
  private readonly since;

  constructor(db: SqliteDatabase) {
    this.byStatus = db.prepare<[], { status: GrantStatus; n: number }>(
      `SELECT status, count(*) AS n FROM grants
       WHERE status IN (${statusList(OPEN_STATUSES)}) GROUP BY status`,
    );
    this.outboxRow = db.prepare<[], { depth: number; oldestAt: number | null }>(
      "SELECT count(*) AS depth, min(at) AS oldestAt FROM audit_events WHERE delivered_at IS NULL",
    );
    this.lastSeq = db.prepare<[], { seq: number | null }>("SELECT max(seq) AS seq FROM audit_events");
    this.since = db.prepare<[number, number], AuditFact>(
      `SELECT a.seq, a.action, a.at, g.created_at AS grantCreatedAt, g.expires_at AS grantExpiresAt
       FROM audit_events a LEFT JOIN grants g ON g.id = a.grant_id
       WHERE a.seq > ? ORDER BY a.seq LIMIT ?`,
    );
  }

  async grantsByStatus(): Promise<Partial<Record<GrantStatus, number>>> {
    return Object.fromEntries(this.byStatus.all().map((row) => [row.status, row.n]));
  }

  async outbox(): Promise<{ depth: number; oldestAt: number | null }> {
    return this.outboxRow.get() ?? { depth: 0, oldestAt: null };
  }

  async lastAuditSeq(): Promise<number> {
    return this.lastSeq.get()?.seq ?? 0;
  }

  async auditSince(seq: number, limit: number): Promise<AuditFact[]> {
    return this.since.all(seq, limit);
  }
}
