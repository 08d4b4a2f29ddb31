// Reading one range of the audit chain as links, for a scan in this thread or in a worker.
import type Database from "better-sqlite3";
import type { ChainLink } from "../../audit/chain.js";

/** What a worker is asked to scan. */
export interface RangeJob {
  readonly file: string;
  readonly afterSeq: number;
  readonly throughSeq: number;
  readonly wanted: readonly number[];
  readonly window?: { readonly from: number; readonly until: number };
}

type LinkColumns = [number, number, string, string, string, string, string, string, string | null, string | null];

/** The links with afterSeq < seq ≤ throughSeq, in seq order, read as arrays (a scan reads every record). */
export function* rangeLinks(db: Database.Database, afterSeq: number, throughSeq: number): IterableIterator<ChainLink> {
  const rows = db
    .prepare<[number, number], LinkColumns>(
      `SELECT seq, at, action, actor_id, grant_id, account_id, permission_set, detail, prev_hash, hash
         FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq`,
    )
    .raw()
    .iterate(afterSeq, throughSeq);
  for (const [seq, at, action, actorId, grantId, accountId, permissionSet, detailJson, prevHash, hash] of rows) {
    yield { seq, at, action, actorId, grantId, accountId, permissionSet, detailJson, prevHash, hash };
  }
}
