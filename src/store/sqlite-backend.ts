// The embedded default: every store on one SQLite file, for a single bot process.
import Database from "better-sqlite3";
import type { Clock } from "../domain/clock.js";
import type { StoreBackend } from "./backend.js";
import { openDatabase, type SqliteDatabase } from "./database.js";
import { fileAccessWarnings, sqliteWritable } from "./sqlite-check.js";
import { SqliteCheckpoints } from "./sqlite-checkpoints.js";
import { SqliteExtensions } from "./sqlite-extensions.js";
import { SqliteLeases } from "./sqlite-leases.js";
import { SqliteMetricsSource } from "./sqlite-metrics.js";
import { SqliteOperationLog } from "./sqlite-operation-log.js";
import { SqliteOutbox } from "./sqlite-outbox.js";
import { SqliteSeenRequests } from "./sqlite-seen-requests.js";
import { SqliteStore } from "./sqlite-store.js";

export interface SqliteBackend extends StoreBackend {
  readonly kind: "sqlite";
  /** The connection itself, for tests and tools that need SQLite's own view. */
  readonly db: SqliteDatabase;
}

/**
 * Leases and seen request signatures get a connection of their own that commits without waiting for
 * the disk: a lease lost to a power cut only lapses early, which is what a crashed holder's lease
 * does anyway, a lost signature only lets one replay through, and the two or four lease writes
 * around each piece of AWS work, and the check before each ack, would otherwise cost a disk flush.
 */
function openLeaseConnection(db: SqliteDatabase, file: string): SqliteDatabase {
  if (file === ":memory:" || file.startsWith("file:")) return db;
  const connection = new Database(file);
  connection.pragma("synchronous = OFF");
  connection.pragma("busy_timeout = 5000");
  return connection;
}

export function openSqliteBackend(file: string, clock: Clock): SqliteBackend {
  const db = openDatabase(file);
  const store = new SqliteStore(db, clock);
  const writable = sqliteWritable(db, file);
  const leaseConnection = openLeaseConnection(db, file);
  return {
    kind: "sqlite",
    location: file,
    db,
    store,
    operations: new SqliteOperationLog(db, clock),
    extensions: new SqliteExtensions(db, store),
    audit: store.audit,
    checkpoints: new SqliteCheckpoints(db),
    outbox: new SqliteOutbox(db, clock),
    metrics: new SqliteMetricsSource(db),
    leases: new SqliteLeases(leaseConnection),
    seenRequests: new SqliteSeenRequests(leaseConnection, () => clock.now()),
    auditSafety: async () => ({ refusals: [], warnings: fileAccessWarnings(file) }),
    check: async () => writable(),
    close: async () => {
      if (leaseConnection !== db) leaseConnection.close();
      db.close();
    },
  };
}
