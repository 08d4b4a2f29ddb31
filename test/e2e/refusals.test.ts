// Attempts refused for who made them are audited as `refused` (who, what, which grant, why) and
// logged, a few per person and window, so the trail keeps the evidence without being flooded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SlackDriver } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, postedAuditRecords, request, slash, waitForDm, type AuditRow } from "../support/flows.js";
import { people, SIGNING_SECRET, type World } from "../support/world.js";
import { REFUSAL_LIMITS } from "../../src/services/refusals.js";

async function refusals(world: World): Promise<AuditRow[]> {
  return (await auditRows(world)).filter((record) => record.action === "refused");
}

describe("refused attempts", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  it("audits and logs a wrong person's Approve, naming who tried what on which request, and why it was refused", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h deploy");
    await (await click(bot, people.mallory.slackId, "jit_approve", requested)).reply();
    const [refused, ...more] = await refusals(world);
    assert.equal(more.length, 0);
    assert.equal(refused?.actorId, people.mallory.slackId);
    assert.equal(refused?.grantId, requested.grantId);
    assert.equal(refused?.detail.attempt, "approve");
    assert.match(String(refused?.detail.reason), /not an approver/);
    const logged = bot.logger.lines.find((line) => line.level === "warn" && line.message === "refused an attempt");
    assert.deepEqual(
      {
        actorId: (logged?.context as { actorId?: string } | undefined)?.actorId,
        grantId: (logged?.context as { grantId?: string } | undefined)?.grantId,
      },
      { actorId: people.mallory.slackId, grantId: requested.grantId },
    );
    await bot.bot.tick();
    const posted = await world.slack.waitFor(
      () => postedAuditRecords(world).find((r) => r.seq === refused?.seq),
      5000,
      "the refusal in the audit channel",
    );
    assert.match(posted.text, /\*refused\*.*by `U0MALLORY`/);
    assert.match(posted.text, /tried: approve/);
  });

  it("audits self-approval, ending and extending someone else's grant", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h look at logs");
    await (await click(bot, people.alice.slackId, "jit_approve", requested)).reply();
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.match(await slash(bot, people.carol.slackId, `revoke ${requested.grantId}`), /Only the requester/);
    assert.match(await slash(bot, people.carol.slackId, `extend ${requested.grantId} 30m`), /Only the requester/);
    const seen = (await refusals(world)).map((r) => [r.actorId, r.detail.attempt, r.grantId]);
    assert.deepEqual(seen, [
      [people.alice.slackId, "approve", requested.grantId],
      [people.carol.slackId, "end", requested.grantId],
      [people.carol.slackId, "extend", requested.grantId],
    ]);
    assert.match(String((await refusals(world))[0]?.detail.reason), /your own request/);
  });

  it("audits a command from another workspace, with the workspaces it named", async () => {
    const foreign = new SlackDriver({ url: bot.driver.url, secret: SIGNING_SECRET, fake: world.slack, teamId: "T9FOREIGN" });
    await foreign.command(people.alice.slackId, "request prod ReadOnlyAccess 1h from outside");
    const [refused] = await refusals(world);
    assert.equal(refused?.detail.attempt, "foreign-workspace");
    assert.equal(refused?.actorId, people.alice.slackId);
    assert.match(String(refused?.detail.teams), /T9FOREIGN/);
  });

  it("records only a few refusals per person in a window, and says how many it left out", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h look at logs");
    const attempts = REFUSAL_LIMITS.perActor + 3;
    for (let i = 0; i < attempts; i++) await (await click(bot, people.mallory.slackId, "jit_approve", requested)).reply();
    assert.equal((await refusals(world)).length, REFUSAL_LIMITS.perActor);
    assert.equal(bot.logger.lines.filter((line) => line.message === "refused an attempt").length, REFUSAL_LIMITS.perActor);
    // Someone else is still heard.
    await (await click(bot, people.erin.slackId, "jit_approve", requested)).reply();
    assert.equal((await refusals(world)).at(-1)?.actorId, people.erin.slackId);

    bot.clock.advance(REFUSAL_LIMITS.windowMs);
    await (await click(bot, people.mallory.slackId, "jit_approve", requested)).reply();
    const last = (await refusals(world)).at(-1);
    assert.equal(last?.actorId, people.mallory.slackId);
    assert.equal(last?.detail.suppressedBefore, attempts - REFUSAL_LIMITS.perActor);
  });
});
