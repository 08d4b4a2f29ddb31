// Group commit for SQLite. In synchronous=FULL mode every commit waits for the disk (about a
// millisecond here, longer on network disks), and better-sqlite3 waits on the event loop: a burst of
// requests would spend most of its time flushing. Writes asked for in the same turn of the event
// loop are made in one transaction instead, each inside a savepoint of its own, so each stays
// atomic and one that fails (a broken constraint) rolls back alone; every caller hears back only
// once the shared commit is on disk.
import type { SqliteDatabase } from "./database.js";

/** More than this many writes wait for the next turn, so one batch never blocks the loop for long. */
const MAX_BATCH = 100;

interface Write {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** How a store's writes are committed. */
export interface Commits {
  /** Runs `work` atomically; resolves once it is committed. */
  run<T>(work: () => T): Promise<T>;
}

/**
 * Each write at once, synchronously, in a transaction of its own, or in a savepoint of the caller's
 * open transaction: for tools that fill a database in one big transaction of their own.
 */
export function immediateCommits(db: SqliteDatabase): Commits {
  return {
    run<T>(work: () => T): Promise<T> {
      try {
        return Promise.resolve(db.transaction(work)());
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

export class GroupCommit implements Commits {
  private waiting: Write[] = [];

  constructor(private readonly db: SqliteDatabase) {}

  /** Runs `work` atomically in the next group transaction; resolves after that transaction commits. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting.splice(0, MAX_BATCH);
    if (this.waiting.length > 0) setImmediate(() => this.flush());
    const outcomes: Outcome[] = [];
    try {
      this.db
        .transaction(() => {
          for (const write of batch) {
            try {
              // A transaction inside a transaction is a savepoint in better-sqlite3.
              outcomes.push({ ok: true, value: this.db.transaction(write.work)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, database locked too long): nothing of the batch was kept.
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) write.resolve(outcome.value);
      else write.reject(outcome?.error);
    });
  }
}

const byConnection = new WeakMap<SqliteDatabase, GroupCommit>();

/** The connection's one group commit, shared by every store on it so their writes share commits too. */
export function groupCommit(db: SqliteDatabase): GroupCommit {
  let commits = byConnection.get(db);
  if (!commits) byConnection.set(db, (commits = new GroupCommit(db)));
  return commits;
}
