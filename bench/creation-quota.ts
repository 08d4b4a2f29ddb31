// Approvals against AWS's quota of ten creations outstanding: 200 approved at once, each creation
// taking 3 s in the fake AWS's realistic mode, on one bot and on three replicas of one database.
import { query } from "../test/support/replicas.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { people, SIGNING_SECRET } from "../test/support/world.js";
import type { PendingApproval } from "./lib/bot-db.js";
import { startBot, type BotProcess } from "./lib/bot-process.js";
import { postgresServer } from "./lib/postgres-server.js";
import { approveBody, commandBody, postSigned } from "./lib/slack-bodies.js";
import { seconds } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";
import { sleep, waitUntil } from "./lib/wait.js";
import { startBenchWorld, type BenchWorld } from "./lib/world.js";

const REPLICA_COUNTS = [1, 3] as const;
const APPROVALS = 200;
const OPERATION_MS = 3_000;
const QUOTA = 10;
const CALLS_PER_SECOND = 20;
const BOUND_MS = (APPROVALS * OPERATION_MS) / QUOTA;
const TARGET_RATIO = 1.1;
/** The bot's default: status polls at 0, 1 and 3 s after a creation is accepted, and on doubling to 5 s. */
const POLL_INTERVAL_MS = 1_000;
/** Replicas recount each other every 10 s; the approvals come after they have. */
const LEAD_MS = 12_000;
const DEADLINE_MS = 5 * 60_000;

interface Run {
  readonly allMs: number;
  readonly peak: number;
  readonly refused: number;
  readonly throttled: number;
  /** Identity Center calls AWS accepted from the first click to the last grant active. */
  readonly calls: number;
}

async function count(url: string, sql: string): Promise<number> {
  return (await query<{ n: number }>(url, sql))[0]?.n ?? 0;
}

async function requestAll(bench: BenchWorld, urls: readonly string[], databaseUrl: string): Promise<PendingApproval[]> {
  const responseUrl = bench.world.slack.responseUrl("bench-creation-quota");
  const queue = bench.requesters.map((requester, i) => ({ requester, i }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const body = commandBody(next.requester.slackId, "request prod ReadOnlyAccess 1h INC-20 creation quota benchmark", responseUrl);
      const answer = await postSigned(urls[next.i % urls.length] ?? "", SIGNING_SECRET, body);
      if (answer.status !== 200) throw new Error(`/jit request answered HTTP ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const pending = () =>
    query<{ grantId: string; requesterId: string; channel: string; ts: string }>(
      databaseUrl,
      `SELECT id AS "grantId", requester_id AS "requesterId", approval_channel AS channel, approval_ts AS ts
       FROM grants WHERE status = 'pending' AND approval_ts IS NOT NULL`,
    );
  let approvals: PendingApproval[] = [];
  await waitUntil(
    async () => {
      approvals = await pending();
      return approvals.length === bench.requesters.length;
    },
    60_000,
    "every request to be posted to its approvers",
    250,
  );
  return approvals;
}

async function approveAtOnce(serverUrl: string, replicas: number): Promise<Run> {
  const bench = await startBenchWorld(APPROVALS);
  const db = await createTestDatabase(serverUrl);
  const bots: BotProcess[] = [];
  try {
    const env = bench.env({
      DATABASE_URL: db.url,
      JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: "true",
      JIT_AWS_CALLS_PER_SECOND: String(CALLS_PER_SECOND),
      JIT_AWS_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    });
    const startedAt = Date.now();
    bots.push(...(await Promise.all(Array.from({ length: replicas }, () => startBot({ build: "tsx", env, cwd: bench.world.dir })))));
    const urls = bots.map((bot) => `http://127.0.0.1:${bot.port}/slack/events`);
    const approvals = await requestAll(bench, urls, db.url);
    await sleep(Math.max(0, startedAt + LEAD_MS - Date.now()));

    const { aws, slack } = bench.world;
    aws.setRealistic({
      operationMs: { min: OPERATION_MS, max: OPERATION_MS },
      callsPerSecond: CALLS_PER_SECOND,
      maxOutstandingCreations: QUOTA,
      seed: 20,
    });
    const throttledBefore = aws.throttledCount;
    const responseUrl = slack.responseUrl("bench-creation-quota");
    const clickedAt = Date.now();
    await Promise.all(
      approvals.map(async (approval, i) => {
        const answer = await postSigned(
          urls[i % urls.length] ?? "",
          SIGNING_SECRET,
          approveBody(people.bob.slackId, approval, responseUrl),
        );
        if (answer.status !== 200) throw new Error(`Approve answered HTTP ${answer.status}`);
      }),
    );
    await waitUntil(
      async () => (await count(db.url, "SELECT count(*)::int AS n FROM grants WHERE status = 'active'")) === APPROVALS,
      DEADLINE_MS,
      `all ${APPROVALS} grants to be active`,
      100,
    );
    return {
      allMs: Date.now() - clickedAt,
      peak: aws.peakOutstandingCreations,
      refused: aws.quotaViolations.length,
      throttled: aws.throttledCount - throttledBefore,
      calls: aws.calls.filter(
        (call) => call.at >= clickedAt && call.error === undefined && (call.service === "sso-admin" || call.service === "identitystore"),
      ).length,
    };
  } finally {
    await Promise.all(bots.map((bot) => bot.stop()));
    await bench.close();
    await db.drop();
  }
}

const label = (replicas: number) => (replicas === 1 ? "1 bot" : `${replicas} replicas`);

function rows(replicas: number, run: Run): Metric[] {
  const ratio = run.allMs / BOUND_MS;
  return [
    {
      name: `${label(replicas)}: ${APPROVALS} approvals at once → all active`,
      value: `${seconds(run.allMs)}; bound ${seconds(BOUND_MS)} (${APPROVALS} × ${OPERATION_MS / 1000} s / ${QUOTA}); ratio ${ratio.toFixed(2)}`,
      check: { target: `≤ ${TARGET_RATIO} × bound (${seconds(BOUND_MS * TARGET_RATIO)})`, pass: ratio <= TARGET_RATIO },
    },
    {
      name: `${label(replicas)}: Identity Center calls made`,
      value: `${run.calls} (${(run.calls / APPROVALS).toFixed(1)} an approval): ${seconds((run.calls / CALLS_PER_SECOND) * 1000)} at ${CALLS_PER_SECOND}/s`,
    },
    {
      name: `${label(replicas)}: creations outstanding at AWS`,
      value: `peak ${run.peak}, ${run.refused} refused for the quota, ${run.throttled} calls throttled`,
      check: { target: `peak ≤ ${QUOTA}, 0 refused`, pass: run.peak <= QUOTA && run.refused === 0 },
    },
  ];
}

export const creationQuotaBenchmark: Benchmark = {
  id: "creation-quota",
  title: "Approvals against the quota of creations outstanding",
  about:
    `${APPROVALS} requests, each from its own requester (so each needs its own assignment), approved with one click each, all ` +
    `sent at once, on ${REPLICA_COUNTS.map(label).join(" and on ")} of one fresh PostgreSQL database. The fake AWS is in ` +
    `realistic mode: every creation stays IN_PROGRESS ${OPERATION_MS / 1000} s by the wall clock, Identity Center's APIs ` +
    `accept ${CALLS_PER_SECOND} calls in any sliding second together, and a CreateAccountAssignment past ${QUOTA} outstanding ` +
    `is refused (ThrottlingException), as AWS does. Measured from the first click to the last grant active. The bound is ` +
    `what the quota allows at best: ${APPROVALS} × ${OPERATION_MS / 1000} s / ${QUOTA} = ${seconds(BOUND_MS)}.`,
  async run(): Promise<Findings> {
    const server = await postgresServer();
    try {
      const metrics: Metric[] = [];
      for (const replicas of REPLICA_COUNTS) {
        const run = await approveAtOnce(server.url, replicas);
        process.stderr.write(`  ${label(replicas)}: all active in ${seconds(run.allMs)}, peak ${run.peak}, ${run.refused} refused\n`);
        metrics.push(...rows(replicas, run));
      }
      return {
        metrics,
        settings: [
          `PostgreSQL: ${server.origin}; each configuration on a fresh database`,
          `JIT_AWS_CALLS_PER_SECOND=${CALLS_PER_SECOND} (divided among live replicas), JIT_AWS_POLL_INTERVAL_MS=${POLL_INTERVAL_MS} (the default; polls double to 5 s)`,
          `fake AWS realistic mode: creations ${OPERATION_MS} ms, ${CALLS_PER_SECOND} calls/s over SSO Admin and Identity Store, ${QUOTA} creations outstanding`,
        ],
        notes: [
          "A slot is held until a status poll sees the creation end, so the time polls take past the 3 s (they double from JIT_AWS_POLL_INTERVAL_MS) is part of the measured time.",
          `Each approval also makes its other calls (user look-up, assignment list, status polls) within the same ${CALLS_PER_SECOND} calls/s.`,
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
