// The embedded default: every store on one SQLite file, for a single bot process.
import type { Clock } from "../domain/clock.js";
import type { StoreBackend } from "./backend.js";
import { openDatabase, type SqliteDatabase } from "./database.js";
import { sqliteWritable } from "./sqlite-check.js";
import { SqliteExtensions } from "./sqlite-extensions.js";
import { SqliteLeases } from "./sqlite-leases.js";
import { SqliteMetricsSource } from "./sqlite-metrics.js";
import { SqliteOperationLog } from "./sqlite-operation-log.js";
import { SqliteOutbox } from "./sqlite-outbox.js";
import { SqliteStore } from "./sqlite-store.js";

export interface SqliteBackend extends StoreBackend {
  readonly kind: "sqlite";
  /** The connection itself, for tests and tools that need SQLite's own view. */
  readonly db: SqliteDatabase;
}

export function openSqliteBackend(file: string, clock: Clock): SqliteBackend {
  const db = openDatabase(file);
  const store = new SqliteStore(db, clock);
  const writable = sqliteWritable(db, file);
  return {
    kind: "sqlite",
    location: file,
    db,
    store,
    operations: new SqliteOperationLog(db, clock),
    extensions: new SqliteExtensions(db, store),
    audit: store.audit,
    outbox: new SqliteOutbox(db, clock),
    metrics: new SqliteMetricsSource(db),
    leases: new SqliteLeases(db),
    check: async () => writable(),
    close: async () => {
      db.close();
    },
  };
}
