// Opens the SQLite file and brings its schema up to date.
import { closeSync, existsSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations/index.js";

export type SqliteDatabase = Database.Database;

export function openDatabase(file: string): SqliteDatabase {
  createPrivately(file);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // FULL: a grant or audit record acknowledged to a person survives power loss.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * A new database file is created readable and writable by its owner only (0600) before SQLite opens
 * it; SQLite gives its -wal and -shm files the database file's mode.
 */
function createPrivately(file: string): void {
  if (file === ":memory:" || file.startsWith("file:") || existsSync(file)) return;
  closeSync(openSync(file, "wx", 0o600));
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`The database is at schema version ${current}, newer than this build knows (${MIGRATIONS.length}). Upgrade jit-slack.`);
  }
  if (current === MIGRATIONS.length) return;
  // Rebuilding a table (the only way to change a constraint) needs foreign keys off, and they can
  // only be switched outside a transaction; they are checked before being switched back on.
  db.pragma("foreign_keys = OFF");
  try {
    db.transaction(() => {
      MIGRATIONS.slice(current).forEach((migration, index) => {
        if (typeof migration === "string") db.exec(migration);
        else migration(db);
        db.pragma(`user_version = ${current + index + 1}`);
      });
      const broken = db.pragma("foreign_key_check") as unknown[];
      if (broken.length > 0) throw new Error(`the migration left ${broken.length} rows with broken foreign keys`);
    }).immediate();
  } finally {
    db.pragma("foreign_keys = ON");
  }
}

const statementCaches = new WeakMap<SqliteDatabase, Map<string, Database.Statement>>();

/** `db.prepare`, compiled once per connection and SQL text: the stores run the same statements all day. */
export function prepared<Params extends unknown[] | object = unknown[], Row = unknown>(
  db: SqliteDatabase,
  sql: string,
): Database.Statement<Params, Row> {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement as unknown as Database.Statement<Params, Row>;
}
