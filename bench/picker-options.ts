// Type-ahead latency: how fast the bot answers the request form's account picker (block_suggestion)
// with 5,000 accounts and 300 permission sets, one keystroke after another as Slack sends them.
import { ACCOUNT_SEARCH_ACTION } from "../src/slack/ids.js";
import { blockSuggestionPayload } from "../src/simulators/slack-requests.js";
import { APPROVALS, people, SIGNING_SECRET } from "../test/support/world.js";
import { startBot } from "./lib/bot-process.js";
import { signedHeaders } from "./lib/slack-bodies.js";
import { latencyLine, ms, summarize, type Summary } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";
import { startBenchWorld } from "./lib/world.js";

const ACCOUNTS = 5000;
const PERMISSION_SETS = 300;
const KEYSTROKES = 2000;
const WARM_UP = 200;
const TARGET_P99_MS = 100;
const id = (n: number) => String(400000000000 + n);
const SETS = Array.from({ length: PERMISSION_SETS }, (_, i) => `Set${String(i).padStart(3, "0")}`);

/**
 * Alice may request 200 permission sets on every account but the last 100, which a rule naming
 * them keeps for Carol; an engineers group rule and a per-team rule add kinds of requester and covers.
 */
function policy(): string {
  const accounts = Array.from(
    { length: ACCOUNTS },
    (_, i) => `  - { id: "${id(i)}", name: ${["prod", "staging", "dev"][i % 3]}-team${i % 50}-${i} }`,
  );
  const rule = (name: string, accountList: string, sets: string, requesters: string) => `
  - name: ${name}
    accounts: ${accountList}
    permissionSets: ${sets}
    requesters: ${requesters}
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h`;
  const carols = Array.from({ length: 100 }, (_, i) => `"${id(ACCOUNTS - 100 + i)}"`).join(", ");
  const team7 = Array.from({ length: ACCOUNTS / 50 }, (_, i) => `"${id(i * 50 + 7)}"`).join(", ");
  return `
accounts:
${accounts.join("\n")}
permissionSets: [${SETS.join(", ")}]
rules:${rule("read-anything", '["*"]', `[${SETS.slice(0, 200).join(", ")}]`, `[${people.alice.slackId}]`)}${rule("team7", `[${team7}]`, `[${SETS.slice(200, 260).join(", ")}]`, `[${people.alice.slackId}, ${people.dave.email}]`)}${rule("carols", `[${carols}]`, '["*"]', `[${people.carol.email}]`)}
`;
}

/** What people type, letter by letter: names, ids, teams, things that match nothing. */
function keystrokes(): string[] {
  const words = ["prod-team7-", "staging-team12-1", id(1234), "dev-", "team49", "nothing-like-it", "400000004", id(ACCOUNTS - 1)];
  const typed = words.flatMap((word) => Array.from({ length: word.length + 1 }, (_, n) => word.slice(0, n)));
  return Array.from({ length: KEYSTROKES }, (_, i) => typed[i % typed.length] as string);
}

interface Run {
  readonly latency: Summary;
  readonly errors: number;
  readonly offeredForeign: number;
}

async function timeKeystrokes(url: string, body: (typed: string) => string, texts: readonly string[], forbidden: string): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  let offeredForeign = 0;
  for (const typed of texts) {
    const payload = body(typed);
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: signedHeaders(SIGNING_SECRET, payload),
      body: payload,
    });
    const text = await response.text();
    latencies.push(performance.now() - started);
    if (response.status !== 200) errors += 1;
    else if (text.includes(forbidden)) offeredForeign += 1;
  }
  return { latency: summarize(latencies), errors, offeredForeign };
}

function row(name: string, run: Run, floor: Summary): Metric {
  const ratio = `ratio ${(run.latency.p50 / floor.p50).toFixed(1)}× p50, ${(run.latency.p99 / floor.p99).toFixed(1)}× p99 of the bound`;
  return {
    name,
    value: `${latencyLine(run.latency)} · ${run.latency.count} keystrokes · ${run.errors} errors · ${run.offeredForeign} answers offering an account the caller may not request · ${ratio}`,
    check: {
      target: `p99 < ${TARGET_P99_MS} ms, 0 errors, none not theirs`,
      pass: run.latency.p99 < TARGET_P99_MS && run.errors === 0 && run.offeredForeign === 0,
    },
  };
}

export const pickerOptions: Benchmark = {
  id: "options",
  title: "Type-ahead picker",
  about:
    `Signed block_suggestion requests for the request form's account picker, posted to the bot's HTTP endpoint one ` +
    `after another as Slack sends them while someone types (each the next prefix of a name, id or team), with ` +
    `${ACCOUNTS.toLocaleString("en")} accounts and ${PERMISSION_SETS} permission sets in the policy (file mode) and three rules ` +
    `giving Alice 200 or 260 permission sets on 4,900 accounts and Carol the last 100. The form itself is not opened (building it with 300 ` +
    `permission sets is the form's cost, not the picker's). Latency runs from the request to the options answer, which Slack ` +
    `needs within 3 s. The *bound* is the same signed request for an action_id the form does not use: the bot looks ` +
    `the caller up and answers no options, so it costs everything but the search (HTTP, signature, Bolt, the ` +
    `directory); the ratio is the search's latency over that.`,
  async run(): Promise<Findings> {
    const bench = await startBenchWorld(0, policy(), { prepare: (w) => SETS.forEach((name) => w.aws.addPermissionSet(name)) });
    const bot = await startBot({ build: "tsx", env: bench.env(), cwd: bench.world.dir, timeoutMs: 60_000 });
    try {
      const url = `http://127.0.0.1:${bot.port}/slack/events`;
      const { slack } = bench.world;
      // The form is not opened (with 300 permission sets, building it is the form's own cost); a
      // block_suggestion names its view, which the bot does not read.
      // Each body distinct (the view id counts up): the bot refuses a signed body it has seen (replays).
      let sent = 0;
      const body = (userId: string, actionId: string) => (typed: string) => {
        sent += 1;
        const viewId = `V0BENCH${sent}`;
        const payload = blockSuggestionPayload({ userId, teamId: slack.teamId, viewId, callbackId: "jit_request", actionId, value: typed });
        return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      };
      const texts = keystrokes();
      const carols = id(ACCOUNTS - 1);
      await timeKeystrokes(url, body(people.alice.slackId, ACCOUNT_SEARCH_ACTION), texts.slice(0, WARM_UP), carols);
      const floor = await timeKeystrokes(url, body(people.alice.slackId, "not_a_picker"), texts, carols);
      const alice = await timeKeystrokes(url, body(people.alice.slackId, ACCOUNT_SEARCH_ACTION), texts, carols);
      const carol = await timeKeystrokes(url, body(people.carol.slackId, ACCOUNT_SEARCH_ACTION), texts, "400000000000");
      const metrics: Metric[] = [
        row(
          `Account picker, ${ACCOUNTS.toLocaleString("en")} accounts × ${PERMISSION_SETS} permission sets, 4,900 eligible`,
          alice,
          floor.latency,
        ),
        row("Account picker, the same, 100 eligible (Carol)", carol, floor.latency),
        {
          name: "Bound: the same request for an action_id the form does not use",
          value: `${latencyLine(floor.latency)} · mean ${ms(floor.latency.mean)} ms`,
        },
      ];
      return {
        metrics,
        settings: [
          `${KEYSTROKES} keystrokes per row, one at a time over one connection, after ${WARM_UP} warm-up keystrokes`,
          "bot: tsx src/main.ts, LOG_LEVEL=info; fake Slack answers at once",
        ],
        notes: [
          "File-mode accounts carry no OU or tags; with accounts from AWS Organizations each account has a few more search keys (OU ids, path, tags), scanned the same way.",
        ],
      };
    } finally {
      await bot.stop();
      await bench.close();
    }
  },
};
