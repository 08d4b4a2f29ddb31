// The audit trail in SQLite: appending records to the hash chain, and reading them back for
// export and verification. Appending must happen inside the transaction of the change it records.
import {
  chainHash,
  detailJson,
  GENESIS_HASH,
  verifyChain,
  type ChainLink,
  type ChainVerdict,
  type VerifyOptions,
} from "../../audit/chain.js";
import type { ChainScan, ScanRequest } from "../../audit/chain-ranges.js";
import type { AuditRecord, StoredAuditRecord } from "../../domain/audit-event.js";
import { AUDIT_COLUMNS, linkFromRow, storedRecordFromRow, type AuditRow } from "../audit-rows.js";
import type { AuditPeriod, AuditTrail, ChainHashes, ChainHead } from "../backend.js";
import { scanChain } from "./chain-scan.js";
import { prepared, type SqliteDatabase } from "./database.js";

export type NewAuditRecord = Omit<AuditRecord, "seq">;

/** Records are read this many at a time, so no statement stays open between pages. */
const PAGE = 1_000;

export class SqliteAuditLog implements AuditTrail {
  private readonly last;
  private readonly issued;
  private readonly insert;
  private readonly requests;

  constructor(private readonly db: SqliteDatabase) {
    this.last = db.prepare<[], { seq: number; hash: string | null }>("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
    this.issued = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'");
    this.insert = db.prepare(
      `INSERT INTO audit_events (seq, at, action, actor_id, grant_id, account_id, permission_set, detail, prev_hash, hash)
       VALUES (@seq, @at, @action, @actorId, @grantId, @accountId, @permissionSet, @detail, @prevHash, @hash)`,
    );
    this.requests = db.prepare<[string], { kind: string; request_id: string }>(
      "SELECT kind, request_id FROM operations WHERE grant_id = ? AND request_id IS NOT NULL ORDER BY id",
    );
  }

  /** The AWS request ids of the grant's assignment changes so far, as `create:<id> delete:<id>`, or null. */
  awsRequestIdsOf(grantId: string): string | null {
    const ids = this.requests.all(grantId).map((row) => `${row.kind}:${row.request_id}`);
    return ids.length > 0 ? ids.join(" ") : null;
  }

  /**
   * Chains the record to the last one. The caller's IMMEDIATE transaction holds the write lock, so
   * no other connection (the bot, the admin CLI) can append between reading the last hash and this insert.
   */
  append(entry: NewAuditRecord): StoredAuditRecord {
    if (!this.db.inTransaction) throw new Error("audit records are appended inside the transaction of the change they record");
    const last = this.last.get();
    // Continue AUTOINCREMENT's numbering, so records cut off the end leave a visible gap.
    const seq = Math.max(last?.seq ?? 0, this.highestIssuedSeq()) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    // Keys sorted: verification then hashes the stored detail without making a sorted copy of it.
    const storedDetail = detailJson(entry.detail);
    // Hash what a verifier will read back: the detail as parsed from its stored JSON.
    const record: AuditRecord = { ...entry, seq, detail: JSON.parse(storedDetail) as AuditRecord["detail"] };
    const hash = chainHash(prevHash, record);
    this.insert.run({ ...record, detail: storedDetail, prevHash, hash });
    return { ...record, prevHash, hash };
  }

  /** Records in seq order whose time falls in the period, a page at a time. */
  async *records(period: AuditPeriod = {}): AsyncIterableIterator<StoredAuditRecord> {
    const page = prepared<[number, number, number, number], AuditRow>(
      this.db,
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > ? AND at >= ? AND at < ? ORDER BY seq LIMIT ?`,
    );
    const from = period.from ?? Number.MIN_SAFE_INTEGER;
    const until = period.until ?? Number.MAX_SAFE_INTEGER;
    for (let after = 0; ; ) {
      const rows = page.all(after, from, until, PAGE);
      for (const row of rows) yield storedRecordFromRow(row);
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) return;
      after = last.seq;
    }
  }

  /** One grant's records, in seq order. */
  async forGrant(grantId: string): Promise<StoredAuditRecord[]> {
    return prepared<[string], AuditRow>(this.db, `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE grant_id = ? ORDER BY seq`)
      .all(grantId)
      .map(storedRecordFromRow);
  }

  /** Every record as stored, in seq order, for verification. Do not use this connection until iteration ends. */
  private *allLinks(): IterableIterator<ChainLink> {
    const rows = this.db.prepare<[], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_events ORDER BY seq`).iterate();
    for (const row of rows) yield linkFromRow(row);
  }

  async *links(afterSeq = 0): AsyncIterableIterator<ChainLink> {
    const page = prepared<[number, number], AuditRow>(
      this.db,
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
    );
    for (let after = afterSeq; ; ) {
      const rows = page.all(after, PAGE);
      for (const row of rows) yield linkFromRow(row);
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) return;
      after = last.seq;
    }
  }

  async *hashes(afterSeq: number): AsyncIterableIterator<ChainHashes> {
    const page = prepared<[number, number], ChainHashes>(
      this.db,
      "SELECT seq, prev_hash AS prevHash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    for (let after = afterSeq; ; ) {
      const rows = page.all(after, PAGE);
      yield* rows;
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) return;
      after = last.seq;
    }
  }

  async head(): Promise<ChainHead | undefined> {
    const last = this.last.get();
    return last?.hash ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async issuedThrough(): Promise<number> {
    return this.highestIssuedSeq();
  }

  /** The highest seq ever handed out, from SQLite's AUTOINCREMENT counter; 0 for an empty trail. */
  highestIssuedSeq(): number {
    return this.issued.get()?.seq ?? 0;
  }

  /** Checks the whole chain on every core (see chain-scan.ts), with the hashes at the wanted seqs. */
  scan(request: ScanRequest, options: VerifyOptions): Promise<ChainScan> {
    return scanChain(this.db, request, options);
  }

  /** Checks the whole chain; names the first record that does not hold. */
  async verify(): Promise<ChainVerdict> {
    // One read transaction: the counter and the rows come from the same snapshot.
    return this.db.transaction(() => verifyChain(this.allLinks(), { highestIssuedSeq: this.highestIssuedSeq() }))();
  }
}
