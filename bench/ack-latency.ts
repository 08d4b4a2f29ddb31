// Ack latency: how fast the bot answers Slack's HTTP requests over 50 concurrent connections.
import { REFUSED_AS_BUSY } from "../src/slack/transport/admission.js";
import { people, SIGNING_SECRET } from "../test/support/world.js";
import { pendingApprovals, statusCounts, storedRequests, unpostedRequests, type PendingApproval } from "./lib/bot-db.js";
import { startBot } from "./lib/bot-process.js";
import { startReferenceServer } from "./lib/reference.js";
import { failures, hammer, type LoadOutcome, type LoadSpec } from "./lib/cannon.js";
import type { BodySource } from "./lib/slack-bodies.js";
import { coreTimes } from "./lib/machine.js";
import { latencyLine, ms } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";
import { waitUntil } from "./lib/wait.js";
import { startBenchWorld } from "./lib/world.js";

const CONNECTIONS = 50;
/** Far above what one workspace sends (a busy one sends a few commands a minute), well below saturation. */
const PACED_RATE = 100;
/** The highest paced rate of `/jit request` that stays under the target here, with room: its capacity. */
const REQUEST_CAPACITY_RATE = 500;
const SATURATED_FIRST_CLICKS = 3000;
const PACED_FIRST_CLICKS = 500;
const TARGET_P99_MS = 50;
const REQUEST_TEXT = "request prod ReadOnlyAccess 1h INC-1 benchmark of the ack path";
/**
 * CPU per request for the reference server: nothing; about what `/jit help` costs the bot; twice that;
 * about what `/jit request` costs it.
 */
const REFERENCE_SPINS_MS = [0, 0.35, 0.7, 1.3] as const;

type Load = Omit<LoadSpec, "url" | "secret" | "connections">;

/**
 * A load's outcome, the CPU the bot spent on it (its work after the acks included), and how busy the
 * machine's cores were while the load ran.
 */
interface Timed extends LoadOutcome {
  readonly botCpuMs: number;
  readonly coresBusy: number;
  /** Requests answered "busy" (too many in progress, no slot within 2 s): taken for errors. */
  readonly refused: number;
}

function row(name: string, outcome: Timed, saturated: boolean): Metric {
  const failed = failures(outcome, outcome.refused);
  const pass = outcome.latency.p99 < TARGET_P99_MS && failed.count === 0;
  // Only a saturated run keeps the bot busy throughout; a paced one's CPU is mostly the idle bot's.
  const cost = saturated
    ? ` · bot CPU ${(outcome.botCpuMs / Math.max(1, outcome.latency.count)).toFixed(2)} ms/request · cores ${(outcome.coresBusy * 100).toFixed(0)}% busy`
    : "";
  return {
    name,
    value: `${latencyLine(outcome.latency)} · ${outcome.perSecond.toFixed(0)} req/s · ${outcome.latency.count} requests · ${failed.text}${cost}`,
    check: { target: `p99 < ${TARGET_P99_MS} ms, 0 errors`, pass },
  };
}

/**
 * The same saturated load against a server that only spends a fixed CPU time per request (see
 * lib/reference-server.ts): what the load itself allows a server of that cost, with the bot stopped.
 */
async function referenceRuns(bodies: BodySource): Promise<ReferenceRun[]> {
  const runs: ReferenceRun[] = [];
  for (const spinMs of REFERENCE_SPINS_MS) {
    const server = await startReferenceServer(spinMs);
    try {
      const load = (spec: Load) => hammer({ url: server.url, secret: SIGNING_SECRET, connections: CONNECTIONS, ...spec });
      await load({ amount: 500, bodies });
      const outcome = await load({ durationSeconds: 5, bodies });
      runs.push({ spinMs, outcome });
    } finally {
      await server.stop();
    }
  }
  return runs;
}

interface ReferenceRun {
  readonly spinMs: number;
  readonly outcome: LoadOutcome;
}

function referenceRow({ spinMs, outcome }: ReferenceRun): Metric {
  return {
    name: `Reference server, ${ms(spinMs)} ms CPU per request, saturated`,
    value: `${latencyLine(outcome.latency)} · mean ${ms(outcome.latency.mean)} ms · ${outcome.perSecond.toFixed(0)} req/s · ${failures(outcome, 0).text}`,
  };
}

/** What the reference runs say about the saturated target, in numbers from this run. */
function referenceNote(runs: readonly ReferenceRun[]): string {
  const spreads = runs.map(({ outcome }) => outcome.latency.p99 / outcome.latency.mean);
  const within = runs.filter(({ outcome }) => outcome.latency.p99 < TARGET_P99_MS).map(({ spinMs }) => spinMs);
  const dearest = within.length > 0 ? `${ms(Math.max(...within))} ms` : "none of them";
  return (
    `Saturated, p99 is ${Math.min(...spreads).toFixed(1)}–${Math.max(...spreads).toFixed(1)} times the mean against the ` +
    `reference server, which does nothing else: that spread is the closed loop on this machine, not the bot. A saturated ` +
    `p99 under ${TARGET_P99_MS} ms therefore needs a mean well under ${TARGET_P99_MS / 2} ms, i.e. thousands of requests/s ` +
    `over ${CONNECTIONS} connections; of the reference costs, the dearest that stays under the target is ${dearest} of CPU ` +
    `per request. Storing a request and posting it costs the bot several times more (bot CPU above); the paced ` +
    `${REQUEST_CAPACITY_RATE}/s row is the rate \`/jit request\` sustains under the target.`
  );
}

function clicksOn(approvals: readonly PendingApproval[], responseUrl: string): BodySource {
  return { kind: "clicks", approverId: people.bob.slackId, approvals, responseUrl };
}

export const ackLatency: Benchmark = {
  id: "ack",
  title: "Ack latency",
  about:
    `Signed slash commands and Approve clicks posted to the bot's HTTP endpoint over ${CONNECTIONS} concurrent ` +
    `connections, each request signed (HMAC-SHA256) as it is sent. Latency runs from the request being due to ` +
    `the HTTP answer (Bolt's ack), which Slack needs within 3 s. Each kind of request is run twice: *saturated* ` +
    `(autocannon, closed loop: each connection sends its next request as soon as it has the answer, so the bot ` +
    `runs flat out and latency ≈ ${CONNECTIONS} ÷ throughput) and *paced* (open loop: ${PACED_RATE} requests/s leaving ` +
    `at evenly spaced moments whatever the answers do, each timed from the moment it was due, so a stall counts ` +
    `against every request it holds up), once the bot has caught up with the saturated run (stored and posted ` +
    `every request it acknowledged); \`/jit request\` is paced at ${REQUEST_CAPACITY_RATE}/s too, the rate it sustains ` +
    `under the target on this machine. \`/jit request\` acks, then stores the request and posts it to the approvers; ` +
    `a first Approve click acks, then records the decision and provisions in the background; a repeat click on ` +
    `an approved request gets "already approved" through response_url. The load generator runs in a process of ` +
    `its own; the fake Slack and AWS answer the bot from the bench's process; the bot runs in a third. *Bot CPU* is ` +
    `the bot process's CPU time (user + system, all threads, from /proc) from the start of a run until it has stored ` +
    `and posted every request the run sent, divided by the requests: what one request costs the bot, its work after ` +
    `the ack included (except provisioning, which goes on at the AWS rate limit); *cores busy* is the share of all ` +
    `the machine's cores in use while the load ran (bot, load generator and fakes together). A saturated run at ` +
    `100% busy is bounded by CPU: throughput ≤ cores ÷ (CPU per request, all three processes), and latency ≈ ` +
    `${CONNECTIONS} ÷ throughput. The *reference server* rows put the same saturated load (5 s) on a server that ` +
    `only spends a fixed CPU time per request on its one thread and answers, once the bot has stopped: what this ` +
    `load and machine allow any single-threaded server of that cost.`,
  async run(): Promise<Findings> {
    const findings = await measureBot();
    const helpBody: BodySource = { kind: "command", userId: people.alice.slackId, text: "help", responseUrl: "http://127.0.0.1:9/unused" };
    const reference = await referenceRuns(helpBody);
    return {
      ...findings,
      metrics: [...findings.metrics, ...reference.map(referenceRow)],
      notes: [...findings.notes, referenceNote(reference)],
    };
  },
};

async function measureBot(): Promise<Findings> {
  const bench = await startBenchWorld(0);
  const bot = await startBot({ build: "tsx", env: bench.env({ JIT_AWS_CALLS_PER_SECOND: "20" }), cwd: bench.world.dir });
  try {
    const url = `http://127.0.0.1:${bot.port}/slack/events`;
    const responseUrl = bench.world.slack.responseUrl("bench-ack");
    const load = (spec: Load) => hammer({ url, secret: SIGNING_SECRET, connections: CONNECTIONS, ...spec });
    const command = (text: string): BodySource => ({ kind: "command", userId: people.alice.slackId, text, responseUrl });
    let requestsSent = 0;
    // A saturated run leaves requests acked but still being stored and posted: each run waits for
    // that backlog, so the paced run measures an idle bot and the CPU counted is every request's.
    // Those refused as busy are never stored; their log lines may reach us a little after the answers.
    const caughtUp = () =>
      waitUntil(
        () =>
          storedRequests(bench.world.databaseFile) >= requestsSent - bot.logCount(REFUSED_AS_BUSY) &&
          unpostedRequests(bench.world.databaseFile) === 0,
        120_000,
        "the bot to store and post every acknowledged request",
      );
    const timed = async (spec: Load, storesRequests: boolean): Promise<Timed> => {
      const cpuBefore = bot.cpuMs();
      const coresBefore = coreTimes();
      const refusedBefore = bot.logCount(REFUSED_AS_BUSY);
      const outcome = await load(spec);
      const coresAfter = coreTimes();
      if (storesRequests) requestsSent += outcome.latency.count;
      await caughtUp();
      const refused = bot.logCount(REFUSED_AS_BUSY) - refusedBefore;
      const coresBusy = (coresAfter.busyMs - coresBefore.busyMs) / Math.max(1, coresAfter.totalMs - coresBefore.totalMs);
      return { ...outcome, botCpuMs: bot.cpuMs() - cpuBefore, coresBusy, refused };
    };
    const twice = async (name: string, saturated: Load, paced: Load, storesRequests = false): Promise<Metric[]> => [
      row(`${name}, saturated`, await timed(saturated, storesRequests), true),
      row(`${name}, ${PACED_RATE}/s`, await timed({ ...paced, rate: PACED_RATE }, storesRequests), false),
    ];

    await load({ amount: 500, bodies: command("help") });
    const metrics = [
      ...(await twice("/jit help", { durationSeconds: 10, bodies: command("help") }, { durationSeconds: 5, bodies: command("help") })),
      ...(await twice("/jit list", { durationSeconds: 5, bodies: command("list") }, { durationSeconds: 5, bodies: command("list") })),
      ...(await twice(
        "/jit request",
        { durationSeconds: 10, bodies: command(REQUEST_TEXT) },
        { durationSeconds: 10, bodies: command(REQUEST_TEXT) },
        true,
      )),
      row(
        `/jit request, ${REQUEST_CAPACITY_RATE}/s`,
        await timed({ durationSeconds: 10, rate: REQUEST_CAPACITY_RATE, bodies: command(REQUEST_TEXT) }, true),
        false,
      ),
    ];
    const pending = pendingApprovals(bench.world.databaseFile);
    const paced = Math.min(PACED_FIRST_CLICKS, Math.floor(pending.length / 4));
    const saturatedClicks = pending.slice(paced, paced + SATURATED_FIRST_CLICKS);
    const pacedClicks = pending.slice(0, paced);
    if (pacedClicks.length === 0) {
      throw new Error(
        `too few pending requests to click (${pending.length}); grant states: ${JSON.stringify(statusCounts(bench.world.databaseFile))}\n${bot.tail()}`,
      );
    }
    metrics.push(
      ...(await twice(
        "Approve, first click",
        { amount: saturatedClicks.length, bodies: clicksOn(saturatedClicks, responseUrl) },
        { amount: pacedClicks.length, bodies: clicksOn(pacedClicks, responseUrl) },
      )),
      ...(await twice(
        "Approve, repeat click",
        { durationSeconds: 10, bodies: clicksOn(saturatedClicks, responseUrl) },
        { durationSeconds: 5, bodies: clicksOn(saturatedClicks, responseUrl) },
      )),
    );
    return {
      metrics,
      settings: [
        `${CONNECTIONS} connections, after 500 warm-up requests; saturated runs 10 s (list 5 s), paced runs 5 s (request 10 s, twice)`,
        `first clicks on ${saturatedClicks.length} + ${pacedClicks.length} distinct pending requests`,
        "bot: tsx src/main.ts, LOG_LEVEL=info, JIT_AWS_CALLS_PER_SECOND=20; fake Slack and AWS answer at once",
      ],
      notes: [
        "`/jit help` and `/jit list` answer in the ack itself (the caller's grants read from the database), so their answer is what is timed.",
        `Grant states after the run: ${JSON.stringify(statusCounts(bench.world.databaseFile))}; approved ones were still provisioning in the background at 20 AWS calls/s while the later runs went on.`,
      ],
    };
  } finally {
    await bot.stop();
    await bench.close();
  }
}
