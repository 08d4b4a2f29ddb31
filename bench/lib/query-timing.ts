// Times the store's sweep queries and the per-requester listing on a seeded database, in process.
import { systemClock } from "../../src/domain/clock.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { SqliteOutbox } from "../../src/store/sqlite/outbox.js";
import { SqliteStore } from "../../src/store/sqlite/grant-store.js";
import { historyRequester, HISTORY } from "./history.js";
import { percentile } from "./stats.js";

export interface QueryTiming {
  readonly name: string;
  readonly rows: number;
  readonly medianMs: number;
  readonly p99Ms: number;
}

const WARM_UP = 20;
export const QUERY_RUNS = 300;
const DAY = 24 * 3_600_000;

/** The listing `/jit list` will need: a requester's newest 50 grants. */
export const REQUESTER_LISTING =
  "SELECT id, account_id, permission_set, status, created_at, expires_at FROM grants WHERE requester_id = ? ORDER BY created_at DESC LIMIT 50";

async function time(name: string, query: (run: number) => Promise<unknown[]> | unknown[]): Promise<QueryTiming> {
  let rows = 0;
  for (let run = 0; run < WARM_UP; run += 1) rows = (await query(run)).length;
  const samples: number[] = [];
  for (let run = 0; run < QUERY_RUNS; run += 1) {
    const started = performance.now();
    await query(run);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { name, rows, medianMs: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}

export async function timeQueries(file: string): Promise<QueryTiming[]> {
  const db = openDatabase(file);
  try {
    const store = new SqliteStore(db, systemClock);
    const listing = db.prepare<[string], unknown>(REQUESTER_LISTING);
    const outbox = new SqliteOutbox(db, systemClock);
    const now = Date.now();
    return [
      await time("listExpired(now) — sweep", () => store.listExpired(Date.now())),
      await time(`listExpired(tomorrow) — all ${HISTORY.active} active due`, () => store.listExpired(now + 2 * DAY)),
      await time("listByStatus(['revoking']) — sweep", () => store.listByStatus(["revoking"])),
      await time("listByStatus(['approved','provisioning']) — sweep", () => store.listByStatus(["approved", "provisioning"])),
      await time("requester's newest 50 — /jit list", (run) => listing.all(historyRequester(run))),
      await time("undelivered(50) — audit feed, every second", () => outbox.undelivered(50)),
    ];
  } finally {
    db.close();
  }
}
