// A burst of audit records reaches the audit channel completely, batched into few messages, and a
// restart of the bot neither repeats what was posted nor skips what was not.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { allAuditRecordsPosted, assertPostedExactlyOnceInOrder, seedAuditRecords } from "../support/audit-feed.js";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { postedAuditRecords } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { AUDIT, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, openWorldStore } from "../support/world-store.js";

describe("the audit feed under load and across restarts", () => {
  let world: World;
  let bot: TestBot | undefined;
  const children: ChildBot[] = [];

  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await world.close();
  });

  it("delivers a burst of 300 records completely, at most 40 to a message", async () => {
    world = await startWorld();
    bot = await startTestBot(world);
    const started = Date.now();
    await seedAuditRecords(bot.bot.deps.store, 300);
    const posted = await allAuditRecordsPosted(world, 20_000);
    const elapsed = Date.now() - started;
    await assertPostedExactlyOnceInOrder(world, posted);
    const sizes = world.slack.messagesIn(AUDIT).map((message) => message.blocks?.length ?? 0);
    assert.ok(sizes.length <= 10, `${sizes.length} messages for 300 records`);
    assert.ok(
      sizes.every((size) => size >= 1 && size <= 40),
      `records per message: ${sizes.join(", ")}`,
    );
    const posts = world.slack.callsOf("chat.postMessage");
    const gaps = posts.slice(1).map((call, i) => call.at - (posts[i]?.at ?? 0));
    // The feed spaces the starts of its posts 900 ms apart; arrival times at the fake jitter under load.
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    assert.ok(mean >= 850 && gaps.every((gap) => gap >= 500), `about one message a second to the channel: ${gaps.join(", ")} ms apart`);
    console.log(`# 300 audit records: ${sizes.length} messages in ${elapsed} ms (records per message: ${sizes.join(", ")})`);
  });

  it("survives a restart: what was posted is not posted again, and the rest follows in order", async () => {
    world = await startWorld();
    const first = await startChildBot(world);
    children.push(first);
    const opened = await openWorldStore(world);
    try {
      await seedAuditRecords(opened.store, 10);
      await allAuditRecordsPosted(world, 10_000);
      world.slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 3 });
      await seedAuditRecords(opened.store, 30);
      await world.slack.waitForCall("chat.postMessage", (call) => call.error === "http_429", 5_000);
      await first.kill("SIGKILL");
      await seedAuditRecords(opened.store, 5);
    } finally {
      await opened.close();
    }
    assert.equal(postedAuditRecords(world).length, 10, "the first process posted the first ten, then was rate limited");

    await deadBotLeasesRunOut(world);
    children.push(await startChildBot(world));
    await assertPostedExactlyOnceInOrder(world, await allAuditRecordsPosted(world, 15_000));
  });
});
