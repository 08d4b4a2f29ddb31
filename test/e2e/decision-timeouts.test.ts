// A request's approval timeout holds at the click itself, not only at the next sweep: a decision
// on a request (or extension) past it is refused, and it is expired then and there, as the sweep would.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, denyClick, request, slash, statusBecomes, waitForDm, type Requested } from "../support/flows.js";
import { APPROVALS, people, type World } from "../support/world.js";

const MINUTE = 60_000;

describe("approval timeouts at the click", () => {
  let world: World;
  let bot: TestBot;
  // The longest sweep interval there is: each test clicks just after moving the clock past the
  // timeout, where no sweep has run since (as at start-up before the first one, or while sweeps fail).
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_SWEEP_INTERVAL_SECONDS: "59" },
  );

  const actions = async (subjectId: string) => (await auditRows(world, subjectId)).map((row) => row.action);
  const messageOf = (requested: Requested) => world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
  const REFUSED = /expired: nobody decided within 1h|already been expired/;

  it("refuses an Approve on a request past its approval timeout, and expires it then and there as the sweep would", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h too slow to decide");
    bot.clock.advance(61 * MINUTE);
    const late = await click(bot, people.bob.slackId, "jit_approve", requested);
    assert.equal(late.status, 200);
    assert.match(await late.reply(), REFUSED);

    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "expired");
    assert.deepEqual(await actions(requested.grantId), ["requested", "request_expired"]);
    assert.equal((await auditRows(world, requested.grantId)).at(-1)?.actorId, "system");
    await waitForDm(world, people.alice.slackId, /expired: nobody decided in time/);
    await world.slack.waitFor(
      () => findButtons(messageOf(requested)?.blocks).length === 0,
      5000,
      "the approval message without its buttons",
    );
    assert.match(messageText(messageOf(requested)), /Expired: nobody decided/);
    assert.equal(world.aws.callsOf("GetUserId").length, 0, "AWS is never asked");
  });

  it("refuses Deny on a request past its approval timeout at the button, expiring it instead of asking for a reason", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h too slow to deny");
    bot.clock.advance(61 * MINUTE);
    const shown = await denyClick(bot, world, people.bob.slackId, requested);
    assert.equal(shown.kind, "refused", "no reason form is offered");
    assert.match(shown.kind === "refused" ? shown.text : "", REFUSED);
    await statusBecomes(bot, requested.grantId, "expired");
    assert.deepEqual(await actions(requested.grantId), ["requested", "request_expired"]);
  });

  it("refuses an extension's Approve past the approval timeout, expiring the extension and leaving the grant as it was", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 2h long investigation");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    const before = (await bot.bot.deps.store.get(requested.grantId))?.expiresAt;
    assert.match(await slash(bot, people.alice.slackId, `extend ${requested.grantId} 1h`), /was sent to the approvers/);
    const posted = await world.slack.waitFor(() => world.slack.messagesIn(APPROVALS).find((m) => /Extension ext-/.test(messageText(m))));
    const extensionId = /(ext-[a-z0-9]{8})/.exec(messageText(posted))?.[1] ?? "";

    bot.clock.advance(61 * MINUTE);
    const late = await bot.driver.click(people.bob.slackId, "jit_ext_approve", extensionId, { channel: posted.channel, ts: posted.ts });
    assert.match(messageText((await late.waitForResponse()).body), /expired: nobody decided within 1h|already been expired/);

    assert.equal((await bot.bot.deps.extensions.get(extensionId))?.status, "expired");
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.expiresAt, before, "nothing was added");
    assert.deepEqual((await actions(requested.grantId)).slice(-2), ["extension_requested", "extension_expired"]);
    await waitForDm(world, people.alice.slackId, /Your extension .* Expired: nobody decided in time/);
  });
});
