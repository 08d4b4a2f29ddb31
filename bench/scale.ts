// Scale: a year of history in SQLite; query times, the bot's memory and its start-up time.
import { statSync } from "node:fs";
import { startBot, type BotBuild } from "./lib/bot-process.js";
import { buildDist } from "./lib/build.js";
import { HISTORY, writeHistory } from "./lib/history.js";
import { QUERY_RUNS, REQUESTER_LISTING, timeQueries } from "./lib/query-timing.js";
import { seedDatabase } from "./lib/seed.js";
import { median, mib, ms, seconds } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";
import { sleep } from "./lib/wait.js";
import { startBenchWorld, type BenchWorld } from "./lib/world.js";

const TARGET_QUERY_MS = 5;
const TARGET_RSS = 150 * 1024 * 1024;
const TARGET_START_MS = 1500;
const STARTS = 3;
const SETTLE_MS = 2_000;
const RSS_SAMPLES = 16;
const RSS_EVERY_MS = 500;

interface ProcessFigures {
  readonly startsMs: readonly number[];
  readonly rss: readonly number[];
}

/** Starts the bot STARTS times on the seeded database; samples memory during the last run. */
async function measureProcess(bench: BenchWorld, build: BotBuild): Promise<ProcessFigures> {
  const startsMs: number[] = [];
  const rss: number[] = [];
  for (let run = 1; run <= STARTS; run += 1) {
    const bot = await startBot({ build, env: bench.env(), cwd: bench.world.dir });
    try {
      startsMs.push(bot.coldStartMs);
      if (run === STARTS) {
        await sleep(SETTLE_MS);
        for (let sample = 0; sample < RSS_SAMPLES; sample += 1) {
          rss.push(bot.rss());
          await sleep(RSS_EVERY_MS);
        }
      }
    } finally {
      await bot.stop();
    }
  }
  return { startsMs, rss };
}

function processMetrics(label: string, figures: ProcessFigures): Metric[] {
  const start = median(figures.startsMs);
  const rss = median(figures.rss);
  return [
    {
      name: `Cold start to ready, ${label}`,
      value: `median ${ms(start)} ms (runs: ${figures.startsMs.map(ms).join(", ")} ms)`,
      check: { target: `< ${TARGET_START_MS} ms`, pass: start < TARGET_START_MS },
    },
    {
      name: `Steady-state RSS, ${label}`,
      value: `${mib(rss)} (max ${mib(Math.max(...figures.rss))})`,
      check: { target: `< ${mib(TARGET_RSS)}`, pass: rss < TARGET_RSS },
    },
  ];
}

export const scale: Benchmark = {
  id: "scale",
  title: "Scale",
  about:
    `${HISTORY.grants.toLocaleString("en")} grants over a year (${HISTORY.requesters} requesters; mostly revoked, ` +
    `some denied or failed, the newest ${HISTORY.active} active) and ${HISTORY.auditRows.toLocaleString("en")} ` +
    `delivered audit records (padded with revocation_retry records to reach that number) are written into ` +
    `SQLite through the bot's own store in one transaction. The sweep's queries (through the bot's own ` +
    `\`SqliteStore\`), the audit feed's query and the per-requester listing \`/jit list\` will need ` +
    `(\`${REQUESTER_LISTING}\`) are each run ${QUERY_RUNS} times after a warm-up; the median is reported. Then the bot is ` +
    `started ${STARTS} times on that database, timed from spawn to its "jit-slack is running" log line, and its ` +
    `resident memory is sampled for ${(RSS_SAMPLES * RSS_EVERY_MS) / 1000} s while idle (sweeping every second); ` +
    `once under tsx as the tests run it, once compiled (\`npm run build\`, \`node dist/main.js\`) as \`npm start\` runs it.`,
  async run(): Promise<Findings> {
    const bench = await startBenchWorld(0);
    try {
      const seedStarted = performance.now();
      const now = Date.now();
      const counts = await seedDatabase(bench.world.databaseFile, (writer) => writeHistory(writer, now));
      const seedMs = performance.now() - seedStarted;
      const megabytes = statSync(bench.world.databaseFile).size / 1024 / 1024;

      const queries = await timeQueries(bench.world.databaseFile);
      const metrics: Metric[] = queries.map((q) => ({
        name: q.name,
        value: `median ${ms(q.medianMs)} ms · p99 ${ms(q.p99Ms)} ms · ${q.rows} rows`,
        check: { target: `median < ${TARGET_QUERY_MS} ms`, pass: q.medianMs < TARGET_QUERY_MS },
      }));
      metrics.push(...processMetrics("tsx src/main.ts", await measureProcess(bench, "tsx")));
      const build = await buildDist();
      const perRecordUs = (seedMs * 1000) / counts.audit;
      const notes = [
        `Seeded ${counts.grants.toLocaleString("en")} grants and ${counts.audit.toLocaleString("en")} audit records through the store in ${seconds(seedMs)} ` +
          `(≈ ${perRecordUs.toFixed(0)} µs per audit record with its state change, in one transaction without fsync); database file ${megabytes.toFixed(0)} MB.`,
      ];
      if (build.ok) {
        metrics.push(...processMetrics("node dist/main.js", await measureProcess(bench, "compiled")));
        notes.push(`\`npm run build\` took ${seconds(build.ms)} before the compiled runs.`);
      } else {
        metrics.push({
          name: "Compiled build (node dist/main.js)",
          value: `not measured: build failed: ${build.error}`,
          check: { target: "builds", pass: false },
        });
      }
      notes.push(
        "Start-up includes AWS discovery against the fake (STS, ListInstances, permission sets) and auth.test against the fake Slack.",
      );
      return {
        metrics,
        settings: [
          `${HISTORY.grants} grants, ${HISTORY.auditRows} audit rows`,
          `${STARTS} starts per build, RSS sampled every ${RSS_EVERY_MS} ms after ${SETTLE_MS / 1000} s`,
        ],
        notes,
      };
    } finally {
      await bench.close();
    }
  },
};
