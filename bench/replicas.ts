// Replicas on PostgreSQL: revocation throughput and ack latency with one replica and with three on
// one database, against the same shared AWS rate limit.
import { REFUSED_AS_BUSY } from "../src/slack/transport/admission.js";
import { PROD, SIGNING_SECRET, people } from "../test/support/world.js";
import { query, seedActiveGrants, setExpiry } from "../test/support/replicas.js";
import { createTestDatabase } from "../test/support/test-database.js";
import type { FakeAwsCall } from "../src/simulators/fake-aws.js";
import { startBot, type BotProcess } from "./lib/bot-process.js";
import { failures, hammer, type LoadOutcome } from "./lib/cannon.js";
import { postgresServer } from "./lib/postgres-server.js";
import { latencyLine, ms, seconds, summarize, type Summary } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";
import { sleep } from "./lib/wait.js";
import { startBenchWorld, type BenchWorld } from "./lib/world.js";
import { fakeAwsSetting } from "./revocation-figures.js";

const REPLICA_COUNTS = [1, 3] as const;
const GRANTS = 1000;
const AWS_LIMIT = 20;
const BOT_RATE = 20;
/** DeleteAccountAssignment; the confirmations are batched, one status listing per second for many deletions. */
const CALLS_PER_REVOCATION = 1;
/** The production default: a status listing per second confirms every deletion made since the last. */
const POLL_INTERVAL_MS = 1000;
/** The fake's realistic mode: each deletion IN_PROGRESS for 1–5 s. */
const OPERATION_MS = { min: 1_000, max: 5_000 } as const;
/** Replicas recount each other every 10 s; the burst comes after they have. */
const LEAD_MS = 12_000;
const CONNECTIONS = 50;
const LOAD_SECONDS = 5;
const TARGET_P99_MS = 50;
const REQUEST_TEXT = "request prod ReadOnlyAccess 1h INC-7 replicas benchmark";
const BOUND_MS = ((GRANTS * CALLS_PER_REVOCATION) / AWS_LIMIT) * 1000;

interface Cluster {
  readonly bench: BenchWorld;
  readonly url: string;
  readonly bots: readonly BotProcess[];
  close(): Promise<void>;
}

/** A bench world, a fresh database on the server, and `replicas` bots on it started together. */
async function cluster(serverUrl: string, replicas: number, prepare: (bench: BenchWorld, url: string) => Promise<void>): Promise<Cluster> {
  const bench = await startBenchWorld(0);
  const db = await createTestDatabase(serverUrl);
  const bots: BotProcess[] = [];
  const close = async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await bench.close();
    await db.drop();
  };
  try {
    await prepare(bench, db.url);
    const env = bench.env({
      DATABASE_URL: db.url,
      JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: "true",
      JIT_AWS_CALLS_PER_SECOND: String(BOT_RATE),
      JIT_SWEEP_INTERVAL_SECONDS: "1",
      JIT_AWS_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    });
    const started = await Promise.allSettled(Array.from({ length: replicas }, () => startBot({ build: "tsx", env, cwd: bench.world.dir })));
    for (const outcome of started) if (outcome.status === "fulfilled") bots.push(outcome.value);
    const failed = started.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
    return { bench, url: db.url, bots, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function count(url: string, sql: string): Promise<number> {
  return (await query<{ n: number }>(url, sql))[0]?.n ?? 0;
}

interface RevocationRun {
  readonly allMs: number;
  readonly firstDeleteMs: number;
  readonly toRevoked: Summary;
  readonly lost: number;
  readonly repeatedDeletes: number;
  readonly throttled: number;
  readonly retries: number;
  readonly statusCalls: number;
}

async function revocations(serverUrl: string, replicas: number): Promise<RevocationRun> {
  let ids: string[] = [];
  let principals: string[] = [];
  const running = await cluster(serverUrl, replicas, async (bench, url) => {
    const seeded = await seedActiveGrants(bench.world, url, GRANTS, Date.now() + 86_400_000);
    ids = seeded.map((g) => g.id);
    principals = seeded.map((g) => g.principalId);
  });
  const { aws } = running.bench.world;
  try {
    await sleep(LEAD_MS);
    aws.setRateLimit(AWS_LIMIT);
    aws.setRealistic({ operationMs: OPERATION_MS, callsPerSecond: AWS_LIMIT, maxOutstandingCreations: 10, seed: replicas });
    const firstCall = aws.calls.length;
    const firstExpiry = Date.now();
    await setExpiry(running.url, ids, (i) => firstExpiry + Math.floor((i * 1000) / GRANTS));
    const deadline = firstExpiry + BOUND_MS * 2 + 60_000;
    while ((await count(running.url, "SELECT count(*)::int AS n FROM grants WHERE status = 'revoked'")) < GRANTS && Date.now() < deadline) {
      await sleep(250);
    }
    const ended = await query<{ lag: string; ended_at: string }>(
      running.url,
      "SELECT ended_at - expires_at AS lag, ended_at FROM grants WHERE status = 'revoked'",
    );
    const calls: FakeAwsCall[] = aws.calls.slice(firstCall);
    const deletes = calls.filter((c) => c.operation === "DeleteAccountAssignment" && c.error === undefined);
    const perPrincipal = new Map<string, number>();
    for (const call of deletes)
      perPrincipal.set(String(call.input.PrincipalId), (perPrincipal.get(String(call.input.PrincipalId)) ?? 0) + 1);
    const permissionSetArn = running.bench.world.permissionSets.ReadOnlyAccess;
    const stillAssigned = principals.filter((principalId) => aws.hasAssignment({ accountId: PROD, permissionSetArn, principalId })).length;
    return {
      allMs: ended.length < GRANTS ? Number.NaN : Math.max(...ended.map((row) => Number(row.ended_at))) - firstExpiry,
      firstDeleteMs: (deletes[0]?.at ?? Number.NaN) - firstExpiry,
      toRevoked: summarize(ended.map((row) => Number(row.lag))),
      lost: GRANTS - ended.length + stillAssigned,
      repeatedDeletes: [...perPrincipal.values()].reduce((sum, n) => sum + n - 1, 0),
      throttled: calls.filter((c) => c.error === "ThrottlingException").length,
      statusCalls: calls.filter((c) => c.error === undefined && /AccountAssignmentDeletionStatus$/.test(c.operation)).length,
      retries: await count(running.url, "SELECT count(*)::int AS n FROM audit_events WHERE action = 'revocation_retry'"),
    };
  } finally {
    await running.close();
  }
}

interface AckRun {
  readonly help: LoadOutcome;
  readonly request: LoadOutcome;
  /** From the end of the `/jit request` load until every acknowledged request was stored (NaN: never). */
  readonly storedAfterMs: number;
  /** `/jit request`s taken (acknowledged, not refused as busy) but not stored by the deadline. */
  readonly lost: number;
  /** `/jit request`s answered "busy", nothing stored: JIT_MAX_REQUESTS_IN_PROGRESS reached and no slot within 2 s. */
  readonly refused: number;
}

/** Storing follows acks at the database's pace; a flood of thousands a second takes a while to store. */
const STORE_DEADLINE_MS = 300_000;

async function acks(serverUrl: string, replicas: number): Promise<AckRun> {
  const running = await cluster(serverUrl, replicas, async () => undefined);
  try {
    const { slack } = running.bench.world;
    const responseUrl = slack.responseUrl("bench-replicas");
    // Connection i goes to replica i mod n.
    const url = running.bots.map((bot) => `http://127.0.0.1:${bot.port}/slack/events`);
    const load = (text: string, spec: { amount?: number; durationSeconds?: number }) =>
      hammer({
        url,
        secret: SIGNING_SECRET,
        connections: CONNECTIONS,
        ...spec,
        bodies: { kind: "command", userId: people.alice.slackId, text, responseUrl },
      });
    await load("help", { amount: 200 });
    const help = await load("help", { durationSeconds: LOAD_SECONDS });
    const request = await load(REQUEST_TEXT, { durationSeconds: LOAD_SECONDS });
    const loadEnded = Date.now();
    // Re-read each time: a refusal's log line may reach us a little after its answer did.
    const refusedSoFar = () => running.bots.reduce((sum, bot) => sum + bot.logCount(REFUSED_AS_BUSY), 0);
    let stored = 0;
    while (
      (stored = await count(running.url, "SELECT count(*)::int AS n FROM grants")) < request.latency.count - refusedSoFar() &&
      Date.now() < loadEnded + STORE_DEADLINE_MS
    ) {
      await sleep(250);
    }
    const refused = refusedSoFar();
    const lost = Math.max(0, request.latency.count - refused - stored);
    return { help, request, storedAfterMs: lost === 0 ? Date.now() - loadEnded : Number.NaN, lost, refused };
  } finally {
    await running.close();
  }
}

/** Each figure as soon as it is known: the run is long, and the backstop would lose them all. */
const progress = (line: string) => process.stderr.write(`  ${line}\n`);

const label = (replicas: number) => (replicas === 1 ? "1 replica" : `${replicas} replicas`);

function revocationRows(replicas: number, run: RevocationRun, single: RevocationRun | undefined): Metric[] {
  const notSlower = single === undefined ? undefined : run.allMs <= single.allMs * 1.1;
  return [
    {
      name: `${label(replicas)}: all ${GRANTS} revoked, from the first expiry`,
      value: `${seconds(run.allMs)}, bound ${seconds(BOUND_MS)} (${GRANTS * CALLS_PER_REVOCATION} deletions at ${AWS_LIMIT}/s), ratio ${(run.allMs / BOUND_MS).toFixed(2)}`,
      check: {
        target: `≤ ${seconds(BOUND_MS * 1.1)} (ratio ≤ 1.10)${notSlower === undefined ? "" : ", and ≤ 1 replica's time + 10%"}`,
        pass: run.allMs <= BOUND_MS * 1.1 && notSlower !== false,
      },
    },
    { name: `${label(replicas)}: expiry → grant revoked`, value: `${latencyLine(run.toRevoked)} (${run.toRevoked.count} grants)` },
    { name: `${label(replicas)}: first expiry → first DeleteAccountAssignment`, value: `${ms(run.firstDeleteMs)} ms` },
    {
      name: `${label(replicas)}: lost revocations, repeated deletions`,
      value: `${run.lost} lost, ${run.repeatedDeletes} repeated`,
      check: { target: "0, 0", pass: run.lost === 0 && run.repeatedDeletes === 0 },
    },
    {
      name: `${label(replicas)}: deletion status calls (List…Status + Describe…Status), AWS calls throttled, revocation_retry rows`,
      value: `${run.statusCalls} status calls, ${run.throttled} throttled, ${run.retries} retries`,
      check: { target: "0 retries (no throttling surfaced)", pass: run.retries === 0 },
    },
  ];
}

/** `refused`: answered "busy", which counts as an error here. */
function ackRow(name: string, outcome: LoadOutcome, refused = 0): Metric {
  const failed = failures(outcome, refused);
  return {
    name,
    value: `${latencyLine(outcome.latency)} · ${outcome.perSecond.toFixed(0)} req/s · ${outcome.latency.count} requests · ${failed.text}`,
    check: { target: `p99 < ${TARGET_P99_MS} ms, 0 errors`, pass: outcome.latency.p99 < TARGET_P99_MS && failed.count === 0 },
  };
}

export const replicasBenchmark: Benchmark = {
  id: "replicas",
  title: "Replicas on PostgreSQL",
  about:
    `The bot on PostgreSQL as ${REPLICA_COUNTS.map(label).join(" and as ")} sharing one fresh database. *Revocation:* ${GRANTS} ` +
    `active grants, each on its own assignment in the fake AWS, are seeded through the store before the replicas ` +
    `start and brought to expire within one second ${LEAD_MS / 1000} s after they are up; the fake AWS accepts at most ` +
    `${AWS_LIMIT} calls in any sliding second. The bound is that shared AWS limit (${CALLS_PER_REVOCATION} calls per ` +
    `revocation), and the replicas divide JIT_AWS_CALLS_PER_SECOND among themselves, so three replicas are not ` +
    `expected to be faster than one: the point is that they are not slower, and lose or repeat nothing. *Ack:* ` +
    `signed slash commands from the load generator (autocannon) over ${CONNECTIONS} connections spread round-robin over the replicas, closed ` +
    `loop for ${LOAD_SECONDS} s each (\`/jit help\`, then \`/jit request\`, which acks before storing, with at most ` +
    `JIT_MAX_REQUESTS_IN_PROGRESS (default 500) unfinished per replica: past it an ack waits for a slot, and after 2 s answers ` +
    `"busy" with nothing stored); every request taken must then be in the database, and the time until the last one ` +
    `is says how far storing fell behind the acks.`,
  async run(): Promise<Findings> {
    const server = await postgresServer();
    try {
      const metrics: Metric[] = [];
      const revocationRuns = new Map<number, RevocationRun>();
      for (const replicas of REPLICA_COUNTS) {
        const run = await revocations(server.url, replicas);
        progress(`${label(replicas)}: all revoked in ${seconds(run.allMs)}, lag ${latencyLine(run.toRevoked)}, ${run.lost} lost`);
        metrics.push(...revocationRows(replicas, run, replicas === 1 ? undefined : revocationRuns.get(1)));
        revocationRuns.set(replicas, run);
      }
      for (const replicas of REPLICA_COUNTS) {
        const run = await acks(server.url, replicas);
        progress(`${label(replicas)}: /jit help ${latencyLine(run.help.latency)}; /jit request ${latencyLine(run.request.latency)}`);
        metrics.push(
          ackRow(`${label(replicas)}: /jit help ack, saturated`, run.help),
          ackRow(`${label(replicas)}: /jit request ack, saturated`, run.request, run.refused),
          {
            name: `${label(replicas)}: acknowledged requests stored`,
            value:
              `${run.request.latency.count - run.refused - run.lost} of ${run.request.latency.count - run.refused}` +
              (run.lost === 0 ? `, the last ${seconds(run.storedAfterMs)} after the load` : ` within ${seconds(STORE_DEADLINE_MS)}`) +
              (run.refused > 0 ? `; ${run.refused} more refused as busy, nothing stored` : ""),
            check: { target: "all", pass: run.lost === 0 },
          },
        );
      }
      return {
        metrics,
        settings: [
          `PostgreSQL: ${server.origin}; each configuration on a fresh database`,
          `JIT_AWS_CALLS_PER_SECOND=${BOT_RATE} (divided among live replicas), JIT_SWEEP_INTERVAL_SECONDS=1, JIT_AWS_POLL_INTERVAL_MS=${POLL_INTERVAL_MS}`,
          fakeAwsSetting({ awsRateLimit: AWS_LIMIT, operationMs: OPERATION_MS }),
        ],
        notes: [
          "The revocation bound is the AWS rate limit the replicas share: more replicas add availability (another replica finishes a dead one's work once its 30 s leases lapse), not throughput.",
          "The replicas, PostgreSQL, autocannon and the fakes share the machine's cores, so three replicas also compete for CPU with each other.",
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
