// The embedded default: every store on one SQLite file, for a single bot process.
import Database from "better-sqlite3";
import type { Clock } from "../../domain/clock.js";
import { createOwnerOnly, makeOwnerOnly, type OpenFile } from "../../private-files.js";
import type { Logger } from "../../services/ports.js";
import type { StoreBackend } from "../backend.js";
import { SqliteApprovalNudges } from "./approval-nudges.js";
import { SqliteActivityDigests } from "./activity-digests.js";
import { SqliteApproverMessages } from "./approver-messages.js";
import { openDatabase, type SqliteDatabase } from "./database.js";
import { sqliteWritable } from "./file-check.js";
import { SqliteCheckpoints } from "./checkpoints.js";
import { SqliteExtensions } from "./extensions.js";
import { SqliteFenceEntries } from "./fence-entries.js";
import { SqliteAccessHistory } from "./access-history.js";
import { SqliteOrganizationSnapshots } from "./organization-snapshots.js";
import { SqliteLeases } from "./leases.js";
import { SqliteMetricsSource } from "./metrics.js";
import { SqliteOperationLog } from "./operation-log.js";
import { SqliteOutbox } from "./outbox.js";
import { SqliteSeenRequests } from "./seen-requests.js";
import { SqliteStore } from "./grant-store.js";

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

/** SQLite's own files for `file`: the database, its write-ahead log and its shared-memory index. */
const COMPANIONS = ["", "-wal", "-shm"] as const;

/**
 * Every grant and the whole audit trail are in these files, so they are the bot's user's only. SQLite
 * creates `-wal` and `-shm` with the main file's permissions, ignoring the umask (sqlite
 * test/journal3.test), so the main file is created owner-only before SQLite first opens it; files
 * left open to others (an older bot, a restored copy) are made owner-only before anything is
 * written, and the companions are checked again once SQLite has created them.
 */
function keepPrivate(file: string, logger: Pick<Logger, "warn"> | undefined, when: "before" | "after"): void {
  if (when === "before") createOwnerOnly(file);
  for (const suffix of when === "before" ? COMPANIONS : COMPANIONS.slice(1)) {
    const open = makeOwnerOnly(`${file}${suffix}`);
    if (open) warnOpen(logger, open);
  }
}

function warnOpen(logger: Pick<Logger, "warn"> | undefined, open: OpenFile): void {
  if (open.tightened) {
    logger?.warn(
      { file: open.file, mode: open.mode },
      `the database file ${open.file} was readable or writable by others (mode ${open.mode}); it is now 600`,
    );
  } else {
    logger?.warn(
      { file: open.file, mode: open.mode, err: open.error },
      `the database file ${open.file} is readable or writable by others (mode ${open.mode}) and could not be changed: chmod 600 it`,
    );
  }
}

export function openSqliteBackend(file: string, clock: Clock, logger?: Pick<Logger, "warn">): SqliteBackend {
  const onDisk = file !== ":memory:" && !file.startsWith("file:");
  if (onDisk) keepPrivate(file, logger, "before");
  const db = openDatabase(file);
  if (onDisk) keepPrivate(file, logger, "after");
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
    approverMessages: new SqliteApproverMessages(db),
    nudges: new SqliteApprovalNudges(db, store),
    fenceEntries: new SqliteFenceEntries(db),
    history: new SqliteAccessHistory(db),
    organizationSnapshots: new SqliteOrganizationSnapshots(db),
    activityDigests: new SqliteActivityDigests(db, store),
    // Whoever owns the file can do anything to it; keepPrivate has already made it the bot's user's only.
    auditSafety: async () => ({ refusals: [], warnings: [] }),
    check: async () => writable(),
    close: async () => {
      if (leaseConnection !== db) leaseConnection.close();
      db.close();
    },
  };
}
