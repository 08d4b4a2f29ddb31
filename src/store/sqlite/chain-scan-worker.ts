// A worker thread's share of a chain scan: one range of seq read from its own read-only connection.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { scanRange } from "../../audit/chain-ranges.js";
import { rangeLinks, type RangeJob } from "./chain-scan-range.js";

const job = workerData as RangeJob;
const db = new Database(job.file, { readonly: true, fileMustExist: true });
try {
  const scan = scanRange(rangeLinks(db, job.afterSeq, job.throughSeq), job.afterSeq === 0, {
    wanted: new Set(job.wanted),
    window: job.window,
  });
  parentPort?.postMessage(scan);
} finally {
  db.close();
}
