// The audit trail in PostgreSQL: appending to the hash chain inside the transaction of the change a
// record describes, and reading it back a page at a time for export and verification.
import type { Pool, PoolClient } from "pg";
import { chainHash, ChainVerifier, detailJson, type ChainLink, type ChainVerdict } from "../../audit/chain.js";
import type { AuditRecord, StoredAuditRecord } from "../../domain/audit-event.js";
import type { AuditPeriod, AuditTrail, ChainHashes, ChainHead } from "../backend.js";
import { AUDIT_COLUMNS, linkFromRow, storedRecordFromRow, type AuditRow } from "../audit-rows.js";
import { selectRow, selectRows } from "./sql.js";
import { inTransaction } from "./transaction.js";

export type NewAuditRecord = Omit<AuditRecord, "seq">;

const PAGE = 2000;

/**
 * Chains a record to the audit head. The head row stays locked until the caller's transaction
 * ends, so appenders on every replica take turns: one chain, numbered without gaps (a rolled-back
 * append rolls the head back too). Every appender waits for that lock, so it is held for as few round
 * trips as can be: the record is described before it is taken (the caller holds the lock on what the
 * record describes, see appendGrantNote), and the record and the new head go in one statement.
 */
export async function appendAudit(client: PoolClient, describe: () => Promise<NewAuditRecord>): Promise<StoredAuditRecord> {
  const entry = await describe();
  // Keys sorted: verification then hashes the stored detail without making a sorted copy of it.
  const storedDetail = detailJson(entry.detail);
  const head = await selectRow<{ seq: number; hash: string }>(client, "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE");
  if (!head) throw new Error("the audit_head row is missing: the audit trail cannot be appended to");
  const seq = head.seq + 1;
  const prevHash = head.hash;
  // Hash what a verifier will read back: the detail as parsed from its stored JSON.
  const record: AuditRecord = { ...entry, seq, detail: JSON.parse(storedDetail) as AuditRecord["detail"] };
  const hash = chainHash(prevHash, record);
  await client.query(
    `WITH head AS (UPDATE audit_head SET seq = $1, hash = $10 WHERE id = 1)
     INSERT INTO audit_events (seq, at, action, actor_id, grant_id, account_id, permission_set, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [seq, record.at, record.action, record.actorId, record.grantId, record.accountId, record.permissionSet, storedDetail, prevHash, hash],
  );
  return { ...record, prevHash, hash };
}

export class PostgresAuditTrail implements AuditTrail {
  constructor(private readonly pool: Pool) {}

  async *records(period: AuditPeriod = {}): AsyncIterable<StoredAuditRecord> {
    const from = period.from ?? Number.MIN_SAFE_INTEGER;
    const until = period.until ?? Number.MAX_SAFE_INTEGER;
    for (let after = 0; ; ) {
      const rows = await selectRows<AuditRow>(
        this.pool,
        `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > $1 AND at >= $2 AND at < $3 ORDER BY seq LIMIT ${PAGE}`,
        [after, from, until],
      );
      for (const row of rows) yield storedRecordFromRow(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < PAGE) return;
      after = last.seq;
    }
  }

  async forGrant(grantId: string): Promise<StoredAuditRecord[]> {
    const rows = await selectRows<AuditRow>(this.pool, `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE grant_id = $1 ORDER BY seq`, [
      grantId,
    ]);
    return rows.map(storedRecordFromRow);
  }

  async *links(afterSeq = 0): AsyncIterable<ChainLink> {
    for (let after = afterSeq; ; ) {
      const rows = await selectRows<AuditRow>(
        this.pool,
        `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
        [after],
      );
      for (const row of rows) yield linkFromRow(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < PAGE) return;
      after = last.seq;
    }
  }

  async *hashes(afterSeq: number): AsyncIterable<ChainHashes> {
    for (let after = afterSeq; ; ) {
      const rows = await selectRows<ChainHashes>(
        this.pool,
        `SELECT seq, prev_hash AS "prevHash", hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
        [after],
      );
      yield* rows;
      const last = rows[rows.length - 1];
      if (!last || rows.length < PAGE) return;
      after = last.seq;
    }
  }

  /** The last committed record (appends commit in seq order, holding the audit head until they do). */
  async head(): Promise<ChainHead | undefined> {
    return selectRow<ChainHead>(this.pool, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
  }

  async issuedThrough(): Promise<number> {
    return (await selectRow<{ seq: number }>(this.pool, "SELECT seq FROM audit_head WHERE id = 1"))?.seq ?? 0;
  }

  /** One REPEATABLE READ snapshot: the head and every page of records agree with each other. */
  async verify(): Promise<ChainVerdict> {
    return inTransaction(
      this.pool,
      async (client) => {
        const head = await selectRow<{ seq: number }>(client, "SELECT seq FROM audit_head WHERE id = 1");
        const verifier = new ChainVerifier();
        for (let after = 0; ; ) {
          const rows = await selectRows<AuditRow>(
            client,
            `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
            [after],
          );
          for (const row of rows) {
            const verdict = verifier.add(linkFromRow(row));
            if (verdict) return verdict;
          }
          const last = rows[rows.length - 1];
          if (!last || rows.length < PAGE) break;
          after = last.seq;
        }
        return verifier.finish({ highestIssuedSeq: head?.seq ?? 0 });
      },
      { isolation: "REPEATABLE READ", readOnly: true },
    );
  }
}
