// Version 2: the tamper-evident audit chain (see audit/chain.ts). Records written before it get their
// hashes here, in order, inside the migration's transaction: SQL cannot hash, so this step is code.
// From then on the hashes are as unchangeable as the rest of a record, and every insert must carry them.
import { chainHash, GENESIS_HASH } from "../../../audit/chain.js";
// The driver's type itself, not database.ts's alias: database.ts imports the migrations.
import type { Database as SqliteDatabase } from "better-sqlite3";
import { recordFromRow, type AuditRow } from "../../audit-rows.js";

const BATCH = 500;

export function auditChain(db: SqliteDatabase): void {
  db.exec(`
    ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit_events ADD COLUMN hash TEXT;
  `);
  hashExistingRecords(db);
  db.exec(`
    DROP TRIGGER audit_events_no_update;
    CREATE TRIGGER audit_events_no_update
    BEFORE UPDATE OF seq, at, action, actor_id, grant_id, account_id, permission_set, detail, prev_hash, hash
    ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

    CREATE INDEX audit_by_time ON audit_events (at);

    CREATE TRIGGER audit_events_chained BEFORE INSERT ON audit_events
    WHEN NEW.prev_hash IS NULL OR NEW.hash IS NULL
    BEGIN SELECT RAISE(ABORT, 'audit_events records must carry their chain hashes'); END;
  `);
}

function hashExistingRecords(db: SqliteDatabase): void {
  const page = db.prepare<[number, number], AuditRow>("SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?");
  const setHashes = db.prepare<[string, string, number]>("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?");
  let prevHash = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const rows = page.all(after, BATCH);
    for (const row of rows) {
      let hash: string;
      try {
        hash = chainHash(prevHash, recordFromRow(row));
      } catch (error) {
        throw new Error(`audit record #${row.seq} cannot be hashed into the chain: ${(error as Error).message}`);
      }
      setHashes.run(prevHash, hash, row.seq);
      prevHash = hash;
      after = row.seq;
    }
    if (rows.length < BATCH) return;
  }
}
