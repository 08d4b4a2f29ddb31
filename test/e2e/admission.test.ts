// The bound on requests acknowledged but not yet stored and posted (JIT_MAX_REQUESTS_IN_PROGRESS):
// past it a new request waits for a slot before its ack, and is refused as busy, nothing stored, if
// none frees up in time; lookups and the request form's errors are never held back by it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { REFUSED_AS_BUSY } from "../../src/slack/transport/admission.js";
import { messageText } from "../../src/simulators/fake-slack.js";
import { input } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually } from "../support/flows.js";
import { APPROVALS, people, PROD, type World } from "../support/world.js";

const REQUEST = "request prod ReadOnlyAccess 1h INC-1 checking the payments queue";
/** Long enough that the first request still holds its slot when the second gives up waiting (2 s). */
const SLOW_POST_MS = 3_500;

describe("requests in progress", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_MAX_REQUESTS_IN_PROGRESS: "1" },
  );

  const requestsStored = async () => (await auditRows(world)).filter((row) => row.action === "requested").length;
  const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = performance.now();
    const value = await work;
    return { value, ms: performance.now() - started };
  };

  it("refuses a request as busy, storing nothing, when the one in progress does not finish within the wait", async () => {
    world.slack.setLatency(SLOW_POST_MS, "chat.postMessage");
    const first = await bot.driver.command(people.alice.slackId, REQUEST);
    assert.equal(first.response.body, "", "the first is acknowledged at once");
    await eventually(async () => (await requestsStored()) === 1, 5_000, "the first request stored");

    const help = await timed(bot.driver.command(people.alice.slackId, "help"));
    assert.ok(help.ms < 1_000, `help is not held back by the bound (${help.ms.toFixed(0)} ms)`);
    assert.match(messageText(help.value.response.json() as { text?: unknown }), /jit-slack/i);

    const second = await timed(bot.driver.command(people.alice.slackId, REQUEST));
    assert.equal(second.value.response.status, 200);
    const answer = second.value.response.json() as { response_type?: string; text?: string };
    assert.equal(answer.response_type, "ephemeral");
    assert.match(answer.text ?? "", /busy .* not made\. Please send it again/);
    assert.ok(second.ms >= 1_900 && second.ms < 3_000, `refused after waiting for a slot, inside Slack's 3 s (${second.ms.toFixed(0)} ms)`);
    assert.ok(
      bot.logger.lines.some((line) => line.level === "warn" && line.message === REFUSED_AS_BUSY),
      "the refusal is logged for the operators",
    );

    await eventually(async () => world.slack.messagesIn(APPROVALS).length === 1, 5_000, "the first request posted");
    assert.equal(await requestsStored(), 1, "nothing of the refused request was stored");
    world.slack.setLatency(0, "chat.postMessage");
    const third = await timed(bot.driver.command(people.alice.slackId, REQUEST));
    assert.equal(third.value.response.body, "", "once the first is done a request is taken again");
    await eventually(async () => (await requestsStored()) === 2, 5_000, "the third request stored");
  });

  it("holds back an extension but never ending access while the bound is reached", async () => {
    const earlier = await bot.driver.command(people.alice.slackId, REQUEST);
    assert.equal(earlier.response.body, "");
    await eventually(async () => world.slack.messagesIn(APPROVALS).length === 1, 5_000, "the earlier request posted");
    const earlierId = /(jit-[a-z0-9]{8})/.exec(messageText(world.slack.messagesIn(APPROVALS)[0]))?.[1];
    assert.ok(earlierId, "the approval message names the request");

    world.slack.setLatency(SLOW_POST_MS, "chat.postMessage");
    await bot.driver.command(people.alice.slackId, REQUEST);
    await eventually(async () => (await requestsStored()) === 2, 5_000, "the request holding the slot stored");

    const extension = await timed(bot.driver.command(people.alice.slackId, `extend ${earlierId} 1h`));
    assert.match(messageText(extension.value.response.json() as { text?: unknown }), /busy/);
    assert.ok(extension.ms >= 1_900, `the extension waited for a slot first (${extension.ms.toFixed(0)} ms)`);

    const withdrawal = await timed(bot.driver.command(people.alice.slackId, `revoke ${earlierId}`));
    assert.equal(withdrawal.value.response.body, "", "ending access is acknowledged at once");
    assert.ok(withdrawal.ms < 1_000, `not held back by the bound (${withdrawal.ms.toFixed(0)} ms)`);
    assert.match(messageText((await withdrawal.value.waitForResponse()).body), /withdrawn/);
    assert.equal((await bot.bot.deps.store.get(earlierId))?.status, "cancelled");
  });

  it("takes a request that waited once the one in progress finishes within the wait", async () => {
    world.slack.setLatency(800, "chat.postMessage");
    const first = bot.driver.command(people.alice.slackId, REQUEST);
    await eventually(async () => (await requestsStored()) === 1, 5_000, "the first request stored");
    const second = await timed(bot.driver.command(people.alice.slackId, REQUEST));
    assert.equal((await first).response.body, "");
    assert.equal(second.value.response.body, "", "acknowledged, not refused");
    assert.ok(second.ms >= 300, `it waited for the first to finish (${second.ms.toFixed(0)} ms)`);
    await eventually(async () => world.slack.messagesIn(APPROVALS).length === 2, 5_000, "both requests posted");
    assert.equal(await requestsStored(), 2);
  });

  it("keeps the request form open with the busy message on a field, storing nothing", async () => {
    const opened = await bot.driver.command(people.alice.slackId, "");
    assert.equal(opened.response.status, 200);
    const view = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: "jit_request", userId: people.alice.slackId }),
      5_000,
      "the form",
    );
    world.slack.setLatency(SLOW_POST_MS, "chat.postMessage");
    await bot.driver.command(people.alice.slackId, REQUEST);
    await eventually(async () => (await requestsStored()) === 1, 5_000, "the first request stored");

    const submitted = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      {
        account: { account: input.staticSelect(PROD) },
        permission_set: { permission_set: input.staticSelect("ReadOnlyAccess") },
        duration: { duration: input.staticSelect("1h") },
        justification: { justification: input.text("checking the payments queue") },
        ticket: { ticket: input.text("") },
      },
    );
    const answer = submitted.response.json() as { response_action?: string; errors?: Record<string, string> };
    assert.equal(answer.response_action, "errors", "the form stays open");
    assert.match(answer.errors?.justification ?? "", /busy/);
    await eventually(async () => world.slack.messagesIn(APPROVALS).length === 1, 5_000, "the first request posted");
    assert.equal(await requestsStored(), 1, "nothing of the refused form was stored");
  });
});
