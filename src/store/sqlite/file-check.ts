// Readiness of the SQLite file: still the file the bot opened, writable, and its write lock free;
// and whether anyone but its owner may read or write it.
import { accessSync, constants, statSync } from "node:fs";
import { DatabaseUnavailable } from "../backend.js";
import type { SqliteDatabase } from "./database.js";

/** The check waits this long for SQLite's write lock, blocking the event loop meanwhile, so keep it short. */
const LOCK_WAIT_MS = 100;

/**
 * A check that the file is still the one the bot opened, it may be written, and the write lock can
 * be taken (`BEGIN IMMEDIATE`, then `ROLLBACK`: nothing is written).
 */
export function sqliteWritable(db: SqliteDatabase, file: string): () => void {
  const onDisk = file !== ":memory:" && !file.startsWith("file:");
  const opened = onDisk ? statSync(file) : undefined;
  return () => {
    if (opened) {
      const now = statSync(file);
      if (now.ino !== opened.ino || now.dev !== opened.dev) {
        throw new DatabaseUnavailable("file_replaced", `${file} is no longer the file the bot opened (replaced or moved); restart the bot`);
      }
      accessSync(file, constants.W_OK);
      // access() says yes to root whatever the mode; a file nobody may write was made read-only on purpose.
      if ((now.mode & 0o222) === 0)
        throw new DatabaseUnavailable("read_only", `${file} is read-only (mode ${(now.mode & 0o777).toString(8)})`);
    }
    if (db.inTransaction) return;
    const busyTimeout = db.pragma("busy_timeout", { simple: true }) as number;
    db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    try {
      db.exec("BEGIN IMMEDIATE");
      db.exec("ROLLBACK");
    } finally {
      db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  };
}
