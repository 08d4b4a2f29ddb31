// Approval to assignment: the bot's own time from an Approve click to the AWS call and the DM.
import type { FakeAwsCall } from "../src/simulators/fake-aws.js";
import type { SlackCall } from "../src/simulators/fake-slack.js";
import { people, SIGNING_SECRET } from "../test/support/world.js";
import { pendingApprovals, statusCounts, unpostedRequests, type PendingApproval } from "./lib/bot-db.js";
import { startBot } from "./lib/bot-process.js";
import { approveBody, commandBody, postSigned } from "./lib/slack-bodies.js";
import { latencyLine, summarize } from "./lib/stats.js";
import type { Benchmark, Findings } from "./lib/types.js";
import { sleep, waitUntil } from "./lib/wait.js";
import { startBenchWorld, type BenchWorld } from "./lib/world.js";

const MEASURED = 200;
const WARM_UP = 10;
/**
 * One approval makes five AWS calls (user lookup, assignment list, create, two status polls): 10 a
 * second at this pace, half the bot's limit, so its limiter's waiting stays out of the figures. (At
 * 250 ms the calls came at exactly the limit, and the tail was the limiter queueing status polls.)
 */
const PACE_MS = 500;
const TARGET_P99_MS = 100;
const CALLS_PER_SECOND = 20;
const POLL_INTERVAL_MS = 10;

interface Timing {
  readonly ackMs: number;
  readonly toCreateMs: number;
  readonly toDmMs: number;
}

/** The first record at or after `since` that matches, searching from the newest. */
function firstSince<T extends { at: number }>(records: readonly T[], since: number, matches: (record: T) => boolean): T | undefined {
  let found: T | undefined;
  for (let i = records.length - 1; i >= 0; i -= 1) {
    const record = records[i];
    if (!record || record.at < since) break;
    if (matches(record)) found = record;
  }
  return found;
}

async function requestAll(bench: BenchWorld, url: string): Promise<void> {
  const responseUrl = bench.world.slack.responseUrl("bench-approval");
  const queue = [...bench.requesters];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const body = commandBody(next.slackId, "request prod ReadOnlyAccess 1h INC-2 approval latency benchmark", responseUrl);
      const answer = await postSigned(url, SIGNING_SECRET, body);
      if (answer.status !== 200) throw new Error(`/jit request answered HTTP ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const file = bench.world.databaseFile;
  await waitUntil(
    () => unpostedRequests(file) === 0 && pendingApprovals(file).length === bench.requesters.length,
    30_000,
    "all requests to be posted",
  );
}

async function approveAndTime(bench: BenchWorld, url: string, approval: PendingApproval): Promise<Timing> {
  const { slack, aws } = bench.world;
  const requester = bench.requesters.find((r) => r.slackId === approval.requesterId);
  if (!requester) throw new Error(`no requester ${approval.requesterId}`);
  const dmChannel = slack.dmChannelOf(requester.slackId);
  const clickedAt = Date.now();
  const ack = await postSigned(url, SIGNING_SECRET, approveBody(people.bob.slackId, approval, slack.responseUrl("bench-approval")));
  if (ack.status !== 200) throw new Error(`Approve answered HTTP ${ack.status}`);
  const isCreate = (call: FakeAwsCall) =>
    call.operation === "CreateAccountAssignment" && call.error === undefined && call.input.PrincipalId === requester.principalId;
  const isDm = (call: SlackCall) => call.method === "chat.postMessage" && call.args.channel === dmChannel;
  let create: FakeAwsCall | undefined;
  let dm: SlackCall | undefined;
  await waitUntil(
    () => {
      create ??= firstSince(aws.calls, clickedAt, isCreate);
      dm ??= firstSince(slack.calls, clickedAt, isDm);
      return create !== undefined && dm !== undefined;
    },
    10_000,
    `CreateAccountAssignment and the DM for ${approval.grantId}`,
    1,
  );
  return { ackMs: ack.ms, toCreateMs: (create?.at ?? Number.NaN) - clickedAt, toDmMs: (dm?.at ?? Number.NaN) - clickedAt };
}

export const approvalLatency: Benchmark = {
  id: "approval",
  title: "Approval to assignment",
  about:
    `${MEASURED} requests, each from a different requester (so each needs its own assignment), approved one at a ` +
    `time. Measured from sending the Approve click to the fake AWS receiving \`CreateAccountAssignment\`, and to ` +
    `the fake Slack receiving the DM that tells the requester access is active (after the creation status poll ` +
    `says SUCCEEDED). AWS and Slack answer at once, so this is the bot's own overhead: Slack user lookup, ` +
    `Identity Store lookup, \`ListAccountAssignments\`, the SQLite transitions and the Slack calls. Clicks are ` +
    `paced ${PACE_MS} ms apart (10 AWS calls/s against the bot's limit of ${CALLS_PER_SECOND}), so its rate limiter never delays them; the fakes record arrival ` +
    `times with millisecond resolution.`,
  async run(): Promise<Findings> {
    const bench = await startBenchWorld(MEASURED + WARM_UP);
    const env = bench.env({ JIT_AWS_CALLS_PER_SECOND: String(CALLS_PER_SECOND), JIT_AWS_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) });
    const bot = await startBot({ build: "tsx", env, cwd: bench.world.dir });
    try {
      const url = `http://127.0.0.1:${bot.port}/slack/events`;
      await requestAll(bench, url);
      const timings: Timing[] = [];
      for (const approval of pendingApprovals(bench.world.databaseFile)) {
        const started = Date.now();
        timings.push(await approveAndTime(bench, url, approval));
        await sleep(Math.max(0, started + PACE_MS - Date.now()));
      }
      const measured = timings.slice(WARM_UP);
      const toCreate = summarize(measured.map((t) => t.toCreateMs));
      const toDm = summarize(measured.map((t) => t.toDmMs));
      const acks = summarize(measured.map((t) => t.ackMs));
      return {
        metrics: [
          {
            name: "Click → CreateAccountAssignment",
            value: latencyLine(toCreate),
            check: { target: `p99 < ${TARGET_P99_MS} ms`, pass: toCreate.p99 < TARGET_P99_MS },
          },
          {
            name: "Click → requester's DM",
            value: latencyLine(toDm),
            check: { target: `p99 < ${TARGET_P99_MS} ms`, pass: toDm.p99 < TARGET_P99_MS },
          },
          { name: "Click ack (one at a time)", value: latencyLine(acks) },
        ],
        settings: [
          `${MEASURED} approvals after ${WARM_UP} warm-up ones`,
          `JIT_AWS_POLL_INTERVAL_MS=${POLL_INTERVAL_MS}, JIT_AWS_CALLS_PER_SECOND=${CALLS_PER_SECOND}, fake AWS latency 0, one IN_PROGRESS status per operation`,
          "bot: tsx src/main.ts",
        ],
        notes: [`Grant states after the run: ${JSON.stringify(statusCounts(bench.world.databaseFile))}.`],
      };
    } finally {
      await bot.stop();
      await bench.close();
    }
  },
};
