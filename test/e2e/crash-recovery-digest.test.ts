// SIGKILL while a digest is being collected, or after its post and before the post was recorded:
// after a restart exactly one digest is in the approval thread.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { click, eventually, request, slash, type Requested } from "../support/flows.js";
import { pauseAt } from "../support/pause.js";
import { APPROVALS, people, PROD, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore, worldSql } from "../support/world-store.js";

// Sessions last 2 s and CloudTrail is given no delay, so a digest is due two seconds after the end.
const ENV = { JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_REGIONS: "us-east-1", JIT_ACTIVITY_DELAY_MINUTES: "0" };

describe("crash recovery of activity digests", () => {
  let world: World;
  const running: ChildBot[] = [];

  beforeEach(async () => {
    world = await startWorld(undefined, { sessionDurations: { AdministratorAccess: "PT2S" } });
    world.aws.setInProgressPolls(0);
    world.aws.allowRole(PROD, "jit-slack-activity-reader");
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bot) => bot.kill()));
    await world.close();
  });

  const start = async () => {
    const bot = await startChildBot(world, ENV);
    running.push(bot);
    return bot;
  };
  const crash = async (bot: ChildBot | undefined) => {
    await bot?.kill("SIGKILL");
    await deadBotLeasesRunOut(world);
  };
  const job = (grantId: string) => withWorldStore(world, (opened) => opened.activityDigests.get(grantId));
  const digestsIn = (requested: Requested) =>
    world.slack.messagesIn(APPROVALS).filter((m) => m.threadTs === requested.message.ts && /Activity of/.test(messageText(m)));

  async function endedGrant(bot: ChildBot): Promise<Requested> {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await eventually(
      async () => (await withWorldStore(world, (o) => o.store.get(requested.grantId)))?.status === "active",
      15_000,
      "active",
    );
    world.aws.addTrailEvent({
      accountId: PROD,
      sessionName: people.alice.email,
      roleName: "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
      at: Date.now(),
      eventSource: "kms.amazonaws.com",
      eventName: "DisableKey",
    });
    await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`);
    return requested;
  }

  it("posts the digest after a restart when the bot is killed while reading CloudTrail", async () => {
    const first = await start();
    const pause = pauseAt(world.aws, "LookupEvents");
    const requested = await endedGrant(first);
    await pause.reached;
    await crash(first);
    pause.release();
    assert.equal((await job(requested.grantId))?.state, "pending");

    await start();
    await eventually(async () => (await job(requested.grantId))?.state === "posted", 20_000, "the digest posted");
    assert.equal(digestsIn(requested).length, 1);
    assert.match(messageText(digestsIn(requested)[0] ?? { text: "" }), /kms:DisableKey/);
  });

  it("does not post twice when the bot died after posting and before recording the post", async () => {
    const first = await start();
    const requested = await endedGrant(first);
    await eventually(async () => (await job(requested.grantId))?.state === "posted", 20_000, "the digest posted");
    await crash(first);
    // As the job stood between the post and its record.
    await worldSql(world, "UPDATE activity_digests SET state = 'posting', channel = NULL, ts = NULL WHERE grant_id = ?", [
      requested.grantId,
    ]);

    await start();
    await eventually(async () => (await job(requested.grantId))?.state === "posted", 20_000, "the post found again");
    assert.equal(digestsIn(requested).length, 1);
    assert.equal((await job(requested.grantId))?.ts, digestsIn(requested)[0]?.ts);
  });
});
