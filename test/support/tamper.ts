// What an attacker who can write the database does after changing the audit trail: recompute every
// hash so the chain holds again, and set the counters back so nothing looks cut off.
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { chainHash, GENESIS_HASH } from "../../src/audit/chain.js";
import { recordFromRow, type AuditRow } from "../../src/store/audit-rows.js";
import { createTestDatabase, databaseName, superuser, TEST_SERVER_URL } from "./test-database.js";
import type { World } from "./world.js";

export interface Rehashed {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hashes the rows would have if they had been written as they now read. */
export function rehashRows(rows: readonly AuditRow[]): Rehashed[] {
  let prevHash = GENESIS_HASH;
  return rows.map((row) => {
    const hash = chainHash(prevHash, recordFromRow(row));
    const link = { seq: row.seq, prevHash, hash };
    prevHash = hash;
    return link;
  });
}

/** On a SQLite connection whose audit triggers are dropped: the chain re-hashed, and its counter set to the last record. */
export function rehashSqlite(db: Database.Database): void {
  const rows = db.prepare<[], AuditRow>("SELECT * FROM audit_events ORDER BY seq").all();
  const update = db.prepare<[string, string, number]>("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?");
  for (const link of rehashRows(rows)) update.run(link.prevHash, link.hash, link.seq);
  db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_events'").run(rows.at(-1)?.seq ?? 0);
}

/** A copy of a world's database, tampered with, and how jit-admin reaches it. */
export interface TamperedCopy {
  /** Extra jit-admin arguments (`--database <file>` for SQLite). */
  readonly args: readonly string[];
  /** Environment overrides (DATABASE_URL for PostgreSQL). */
  readonly env: Record<string, string>;
  /** More SQL on the copy, triggers still out of the way. */
  sql(text: string): Promise<void>;
  /** The copy's last record. */
  head(): Promise<{ seq: number; hash: string }>;
  drop(): Promise<void>;
}

export interface Tampering {
  /** SQL run on the copy with the audit triggers out of the way. */
  readonly sql: string;
  /** Then every hash recomputed and the counters (sqlite_sequence, audit_head) set to the last record. */
  readonly rehash?: boolean;
}

const HEAD = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

/**
 * Copies the world's database (its bot stopped) and tampers with the copy as someone who can write
 * it would: the file's owner on SQLite, a superuser on PostgreSQL, triggers disabled first.
 */
export async function tamperedCopy(world: World, name: string, tampering: Tampering): Promise<TamperedCopy> {
  if (world.database.kind === "postgres") {
    const copy = await createTestDatabase(TEST_SERVER_URL ?? "", databaseName(world.database.url));
    const triggersOff = ["audit_events", "audit_head", "audit_checkpoints"]
      .map((table) => `ALTER TABLE ${table} DISABLE TRIGGER USER;`)
      .join(" ");
    await superuser(copy.url, `${triggersOff} ${tampering.sql}`);
    if (tampering.rehash) await rehashPostgres(copy.url);
    return {
      args: [],
      env: { DATABASE_URL: copy.url },
      sql: async (text) => void (await superuser(copy.url, text)),
      head: async () => {
        const [row] = await superuser(copy.url, HEAD);
        return { seq: Number(row?.seq), hash: String(row?.hash) };
      },
      drop: () => copy.drop(),
    };
  }
  const file = join(world.dir, `${name}.sqlite`);
  copyFileSync(world.database.file, file);
  const withCopy = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  withCopy((db) => {
    for (const trigger of [
      "audit_events_no_update",
      "audit_events_no_delete",
      "audit_checkpoints_no_update",
      "audit_checkpoints_no_delete",
    ]) {
      db.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
    }
    db.exec(tampering.sql);
    if (tampering.rehash) rehashSqlite(db);
  });
  return {
    args: ["--database", file],
    env: {},
    sql: async (text) => withCopy((db) => void db.exec(text)),
    head: async () => withCopy((db) => db.prepare<[], { seq: number; hash: string }>(HEAD).get() ?? { seq: 0, hash: "" }),
    drop: async () => rmSync(file, { force: true }),
  };
}

async function rehashPostgres(url: string): Promise<void> {
  const rows = (await superuser(url, "SELECT * FROM audit_events ORDER BY seq")).map(
    (row) => ({ ...row, seq: Number(row.seq), at: Number(row.at) }) as unknown as AuditRow,
  );
  const links = rehashRows(rows);
  const last = links.at(-1);
  if (!last) return;
  const values = links.map((link) => `(${link.seq}, '${link.prevHash}', '${link.hash}')`).join(", ");
  await superuser(
    url,
    `UPDATE audit_events a SET prev_hash = v.p, hash = v.h FROM (VALUES ${values}) AS v(seq, p, h) WHERE a.seq = v.seq;
     UPDATE audit_head SET seq = ${last.seq}, hash = '${last.hash}' WHERE id = 1;`,
  );
}
