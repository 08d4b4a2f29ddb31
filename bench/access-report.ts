// The access-review report for a year of history: time to make it (HTML, JSON and CSV), against the
// bound of what it cannot avoid (reading the year's grants and checking the whole audit chain), and
// its figures checked against the database itself.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { reportCommand } from "../src/cli/report.js";
import type { AccessReview } from "../src/domain/access-review.js";
import { openSqliteBackend } from "../src/store/sqlite/sqlite-backend.js";
import { HISTORY, writeHistory } from "./lib/history.js";
import { seedDatabase } from "./lib/seed.js";
import { median, ms, seconds } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";

const TARGET_MS = 10_000;
const RUNS = 3;
const YEAR_MS = 365 * 24 * 3_600_000;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Runs `jit-admin report` in this process, as the CLI would, into `output`; stdout is kept for JSON. */
async function report(file: string, from: string, to: string, format: string, output?: string): Promise<string> {
  let out = "";
  const code = await reportCommand(
    ["--database", file, "--from", from, "--to", to, "--format", format, ...(output ? ["--output", output] : [])],
    { env: { JIT_POLICY_FILE: join(tmpdir(), "no-policy-for-the-bench.yaml") }, out: (text) => (out += text), err: () => undefined },
  );
  if (code !== 0) throw new Error(`report exited ${code}`);
  return out;
}

/** The same figures counted by SQL: a report that disagreed with its database would be worse than none. */
function checkAgainstDatabase(file: string, review: AccessReview, from: number, to: number): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get({ from, to }) as { n: number }).n;
    const held = one(
      "SELECT count(*) AS n FROM grants WHERE activated_at IS NOT NULL AND activated_at < @to AND COALESCE(ended_at, expires_at, activated_at) >= @from",
    );
    const denied = one("SELECT count(*) AS n FROM grants WHERE status = 'denied' AND created_at >= @from AND created_at < @to");
    const people = one(
      "SELECT count(DISTINCT requester_id) AS n FROM grants WHERE activated_at IS NOT NULL AND activated_at < @to AND COALESCE(ended_at, expires_at, activated_at) >= @from",
    );
    const unused = one(
      `SELECT count(*) AS n FROM audit_events e JOIN grants g ON g.id = e.grant_id
        WHERE e.action = 'activity_digest' AND json_extract(e.detail, '$.events') = 0 AND json_extract(e.detail, '$.partial') = 0
          AND g.activated_at < @to AND COALESCE(g.ended_at, g.expires_at, g.activated_at) >= @from`,
    );
    const problems: string[] = [];
    const unusedInReport = review.targets.reduce((sum, target) => sum + (target.unused ?? 0), 0);
    if (unusedInReport !== unused) problems.push(`unused ${unusedInReport} ≠ ${unused}`);
    if (review.totals.granted !== held) problems.push(`granted ${review.totals.granted} ≠ ${held}`);
    if (review.totals.denied !== denied) problems.push(`denied ${review.totals.denied} ≠ ${denied}`);
    if (review.totals.people !== people) problems.push(`people ${review.totals.people} ≠ ${people}`);
    const summed = review.targets.reduce((sum, target) => sum + target.grants, 0);
    if (summed !== held) problems.push(`per-target grants add up to ${summed} ≠ ${held}`);
    return problems;
  } finally {
    db.close();
  }
}

export const accessReportBenchmark: Benchmark = {
  id: "report",
  title: "Access-review report",
  about:
    `A year of history (${HISTORY.grants.toLocaleString("en")} grants, ${HISTORY.auditRows.toLocaleString("en")} audit records, as the scale ` +
    "benchmark seeds it) in SQLite; `jit-admin report` for the whole year is run in-process, as the CLI runs it, " +
    `${RUNS} times per format, and the median is reported. The *bound* is the work no report can skip: reading the year's ` +
    "grants, approvers, extensions and activity digests (AccessHistory.ofPeriod) while the whole audit chain is checked from its first " +
    "record (the scan `jit-admin audit verify` also uses: seq ranges hashed on worker threads, one per core), side by side as the " +
    "report does them; the ratio is the report's time over that. The JSON report's " +
    "totals are checked against counts made directly in SQL.",
  async run(): Promise<Findings> {
    const dir = mkdtempSync(join(tmpdir(), "jit-bench-report-"));
    try {
      const file = join(dir, "year.sqlite");
      const now = Date.now();
      const seeded = await seedDatabase(file, (writer) => writeHistory(writer, now));
      const from = new Date(now - YEAR_MS).toISOString().slice(0, 10);
      const to = new Date(now).toISOString().slice(0, 10);
      const fromMs = Date.parse(from);
      const toMs = Date.parse(to) + 86_400_000;

      const backend = openSqliteBackend(file, { now: () => now });
      let boundMs: number;
      const reads: number[] = [];
      const scans: number[] = [];
      let threads = 0;
      try {
        const scan = backend.audit.scan;
        if (!scan) throw new Error("the SQLite trail has no parallel scan");
        for (let run = 0; run < RUNS; run += 1) {
          reads.push(await timed(() => backend.history.ofPeriod(fromMs, toMs)));
          scans.push(
            await timed(async () => {
              const result = await scan.call(backend.audit, { wanted: new Set<number>() }, {});
              threads = result.threads ?? 1;
            }),
          );
        }
        const both: number[] = [];
        for (let run = 0; run < RUNS; run += 1) {
          both.push(
            await timed(async () => {
              const scanning = scan.call(backend.audit, { wanted: new Set<number>() }, {});
              await backend.history.ofPeriod(fromMs, toMs);
              await scanning;
            }),
          );
        }
        boundMs = median(both);
      } finally {
        await backend.close();
      }

      const metrics: Metric[] = [];
      let review: AccessReview | undefined;
      for (const format of ["html", "json", "csv"] as const) {
        const times: number[] = [];
        let size = 0;
        for (let run = 0; run < RUNS; run += 1) {
          const output = join(dir, `report.${format}`);
          times.push(
            await timed(async () => {
              if (format === "json") review = (JSON.parse(await report(file, from, to, format)) as { review: AccessReview }).review;
              else await report(file, from, to, format, output);
            }),
          );
          size = format === "json" ? 0 : statSync(output).size;
        }
        const took = median(times);
        metrics.push({
          name: `Report for a year, ${format}`,
          value: `median ${seconds(took)} (bound ${seconds(boundMs)}; ratio ${(took / boundMs).toFixed(2)})${size ? ` · ${(size / 1024).toFixed(0)} KiB` : ""}`,
          check: { target: `< ${seconds(TARGET_MS)}`, pass: took < TARGET_MS },
        });
      }
      const problems = review ? checkAgainstDatabase(file, review, fromMs, toMs) : ["no JSON report"];
      metrics.push({
        name: "Report totals against SQL counts",
        value:
          problems.length === 0
            ? `match (${review?.totals.granted.toLocaleString("en")} grants held, ${review?.totals.denied} denied, ${review?.targets.reduce((sum, t) => sum + (t.unused ?? 0), 0)} unused)`
            : problems.join("; "),
        check: { target: "match", pass: problems.length === 0 },
      });
      return {
        metrics,
        settings: [
          `${seeded.grants.toLocaleString("en")} grants, ${seeded.audit.toLocaleString("en")} audit records; ${RUNS} runs per format`,
        ],
        notes: [
          `Bound ${ms(boundMs)} ms: reading the year's records (AccessHistory.ofPeriod, median ${ms(median(reads))} ms alone) while ` +
            `the whole chain is checked from its first record on ${threads} worker threads (median ${ms(median(scans))} ms alone), ` +
            "side by side as the report does them; the ratio is what building the review and rendering it add.",
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
