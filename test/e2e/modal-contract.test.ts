// The modals open first: a trigger_id lasts 3 seconds (the fake Slack expires it as Slack does),
// and one slow or rate-limited users.info takes longer than that. `/jit` and Deny open their modal
// at once, look the person up after it, and then show the form, or why there is none.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText, type FakeView } from "../../src/simulators/fake-slack.js";
import { input } from "../../src/simulators/slack-requests.js";
import { snapshot } from "../support/adversarial.js";
import { click, denyClick, request, statusBecomes } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { people, type World } from "../support/world.js";

/** Longer than a trigger_id lives (3 s), as a users.info Slack is slow to answer, or rate-limits, takes. */
const SLOW_LOOKUP_MS = 3_300;

describe("modals under slow Slack look-ups", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  const expiredTriggers = () => world.slack.calls.filter((call) => call.error === "expired_trigger_id").length;

  /** The modal opened for `userId`, once it shows something other than the "checking…" notice. */
  async function shownTo(userId: string, what: string): Promise<FakeView> {
    return world.slack.waitFor(
      () => {
        const view = world.slack.lastView({ userId });
        return view && !/:hourglass_flowing_sand:/.test(messageText({ blocks: view.blocks })) && view;
      },
      SLOW_LOOKUP_MS + 5000,
      what,
    );
  }

  it("opens the /jit form although Slack takes longer than a trigger_id lives to say who the caller is", async () => {
    world.slack.setLatency(SLOW_LOOKUP_MS, "users.info");
    const delivery = await bot.driver.command(people.alice.slackId, "");
    assert.equal(delivery.response.status, 200);
    const form = await shownTo(people.alice.slackId, "the request form");
    assert.equal(form.callbackId, "jit_request");
    const [opened] = world.slack.callsOf("views.open");
    const [lookup] = world.slack.callsOf("users.info");
    assert.ok(opened && lookup && opened.at <= lookup.at + 100, "views.open went first");
    assert.equal(expiredTriggers(), 0);
  });

  it("says in the opened form that someone the policy names nowhere may not request anything", async () => {
    world.slack.setLatency(SLOW_LOOKUP_MS, "users.info");
    await bot.driver.command(people.mallory.slackId, "");
    const notice = await shownTo(people.mallory.slackId, "the form to say so");
    assert.match(messageText({ blocks: notice.blocks }), /does not let you request any AWS access/);
    assert.equal(expiredTriggers(), 0);
  });

  it("opens the deny reason form although Slack is slow to say who the approver is, and denies on submit", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h slow directory");
    world.slack.setLatency(SLOW_LOOKUP_MS, "users.info");
    const shown = await denyClick(bot, world, people.bob.slackId, requested);
    assert.equal(shown.kind, "form");
    assert.equal(expiredTriggers(), 0);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending", "nothing is decided before the form is submitted");
    world.slack.setLatency(0, "users.info");
    if (shown.kind === "form")
      await bot.driver.submitView(people.bob.slackId, shown.view.id, { reason: { reason: input.text("not today") } });
    await statusBecomes(bot, requested.grantId, "denied");
  });

  it("says in the opened modal why someone who may not deny cannot, and records nothing", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h not yours to deny");
    const before = await snapshot(world);
    world.slack.setLatency(SLOW_LOOKUP_MS, "users.info");
    const shown = await denyClick(bot, world, people.mallory.slackId, requested);
    assert.deepEqual(shown.kind === "refused" && shown.shownIn, "the modal");
    assert.match(shown.kind === "refused" ? shown.text : "", /not an approver for rule "engineers"/);
    assert.equal(expiredTriggers(), 0);
    assert.deepEqual(await snapshot(world), before, "nothing was decided or audited");
  });

  it("says in the opened modal that a request already decided cannot be denied, and records nothing", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h approved first");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    const before = await snapshot(world);
    const shown = await denyClick(bot, world, people.dave.slackId, requested);
    assert.deepEqual(shown.kind === "refused" && shown.shownIn, "the modal");
    assert.match(shown.kind === "refused" ? shown.text : "", /has already been approved; nothing was changed/);
    assert.deepEqual(await snapshot(world), before);
  });
});
