// Checks the SQLite audit chain on every core: the records are split into ranges of seq, each read
// and hashed by a worker thread on a read-only connection of its own, and the ranges joined
// (audit/chain-ranges.ts). A small trail, or one in memory, is scanned in this thread.
import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { VerifyOptions } from "../../audit/chain.js";
import { joinRanges, scanRange, type ChainScan, type RangeScan, type ScanRequest } from "../../audit/chain-ranges.js";
import type { SqliteDatabase } from "./database.js";
import { rangeLinks, type RangeJob } from "./chain-scan-range.js";

/** Below this many records starting workers (about 0.2 s each) costs more than it saves. */
const PARALLEL_FROM = 50_000;
const MAX_WORKERS = 4;

export interface ScanSpread {
  /** Fewer records than this are scanned in this thread. */
  readonly parallelFrom: number;
  readonly workers: number;
}

const SPREAD: ScanSpread = { parallelFrom: PARALLEL_FROM, workers: Math.min(availableParallelism(), MAX_WORKERS) };

export async function scanChain(
  db: SqliteDatabase,
  request: ScanRequest,
  options: VerifyOptions,
  spread: ScanSpread = SPREAD,
): Promise<ChainScan> {
  const { last, count } = db
    .prepare<[], { last: number; count: number }>("SELECT coalesce(max(seq), 0) AS last, count(*) AS count FROM audit_events")
    .get() ?? { last: 0, count: 0 };
  const { workers } = spread;
  if (db.memory || count < spread.parallelFrom || workers < 2) return inThisThread(db, last, request, options);
  const jobs: RangeJob[] = [];
  for (let index = 0; index < workers; index += 1) {
    const afterSeq = Math.floor((last * index) / workers);
    const throughSeq = index === workers - 1 ? last : Math.floor((last * (index + 1)) / workers);
    const wanted = [...request.wanted].filter((seq) => seq > afterSeq && seq <= throughSeq);
    jobs.push({ file: db.name, afterSeq, throughSeq, wanted, window: request.window });
  }
  try {
    return { ...joinRanges(await Promise.all(jobs.map(inWorker)), options), threads: jobs.length };
  } catch {
    // A worker that cannot start or read (no worker threads here, the file moved) changes nothing but the time.
    return inThisThread(db, last, request, options);
  }
}

function inThisThread(db: SqliteDatabase, last: number, request: ScanRequest, options: VerifyOptions) {
  // One read transaction: the whole range from one snapshot.
  const scan = db.transaction(() => joinRanges([scanRange(rangeLinks(db, 0, last), true, request)], options))();
  return { ...scan, threads: 1 };
}

const WORKER_ENTRY = new URL(`./chain-scan-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function inWorker(job: RangeJob): Promise<RangeScan> {
  // Run from TypeScript source (tests, benchmarks), the worker registers tsx before loading its entry.
  const worker = WORKER_ENTRY.pathname.endsWith(".ts")
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); });`,
        { eval: true, workerData: job },
      )
    : new Worker(WORKER_ENTRY, { workerData: job });
  return new Promise<RangeScan>((resolve, reject) => {
    worker.once("message", (scan: RangeScan) => resolve(scan));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the chain scan worker exited (${code}) without an answer`)));
  });
}
