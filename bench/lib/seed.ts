// Writes history into the bot's SQLite file through the bot's own store, so every row has the
// shape, audit record and state transitions the bot itself would have written; all of it inside
// one transaction (the store's own transactions nest as savepoints), with durability relaxed.
import type { AuditAction, AuditDetail } from "../../src/domain/audit-event.js";
import type { Clock } from "../../src/domain/clock.js";
import type { GrantChanges, GrantStatus, NewGrant } from "../../src/domain/grant.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { immediateCommits } from "../../src/store/sqlite/group-commit.js";
import { SqliteStore } from "../../src/store/sqlite/grant-store.js";

/** A grant id the bot accepts on a button: `jit-` and eight base-36 characters. */
export function seedGrantId(n: number): string {
  return `jit-${n.toString(36).padStart(8, "0")}`;
}

class SettableClock implements Clock {
  time = 0;
  now(): number {
    return this.time;
  }
}

/**
 * The store's methods, called at a chosen time. They are async but do their SQL synchronously, so
 * they run inside the surrounding transaction; failures are collected and reported afterwards.
 */
export class HistoryWriter {
  private failure: unknown;

  constructor(
    private readonly store: SqliteStore,
    private readonly clock: SettableClock,
  ) {}

  request(at: number, grant: Omit<NewGrant, "createdAt">): void {
    this.clock.time = at;
    this.track(this.store.insert({ ...grant, createdAt: at }, { action: "requested", actorId: grant.requesterId }), false);
  }

  move(
    at: number,
    id: string,
    from: GrantStatus,
    to: GrantStatus,
    changes: GrantChanges,
    action: AuditAction | null,
    actorId = "system",
  ): void {
    this.clock.time = at;
    this.track(this.store.transition(id, from, to, changes, action ? { action, actorId } : null), true);
  }

  note(at: number, id: string, action: AuditAction, detail?: AuditDetail): void {
    this.clock.time = at;
    this.track(this.store.note(id, { action, actorId: "system", detail }), false);
  }

  /** Throws the first failure, once the store's promises have settled. */
  async check(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failure !== undefined) throw this.failure;
  }

  private track(result: Promise<unknown>, isTransition: boolean): void {
    result.then(
      (value) => {
        if (isTransition && value === undefined) this.failure ??= new Error("a seeded transition found the grant in another state");
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
  }
}

export interface Seeded {
  readonly grants: number;
  readonly audit: number;
}

/**
 * Creates (migrating, as the bot does) the database and runs `write` in one transaction. Every audit
 * record is then marked delivered, as the audit feed would have done, so the bot starts with history
 * rather than a backlog.
 */
export async function seedDatabase(file: string, write: (writer: HistoryWriter) => void): Promise<Seeded> {
  const db = openDatabase(file);
  try {
    db.pragma("synchronous = OFF");
    const clock = new SettableClock();
    // Each write at once, inside the surrounding transaction, at the clock's time (not batched for later).
    const writer = new HistoryWriter(new SqliteStore(db, clock, immediateCommits(db)), clock);
    db.transaction(() => write(writer))();
    await writer.check();
    db.prepare("UPDATE audit_events SET delivered_at = at WHERE delivered_at IS NULL").run();
    db.pragma("wal_checkpoint(TRUNCATE)");
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { grants: count("grants"), audit: count("audit_events") };
  } finally {
    db.close();
  }
}
