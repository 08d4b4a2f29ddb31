// The audit channel receives every audit record exactly once and in order whatever Slack answers
// (HTTP 429 with Retry-After, 500s), without holding up the bot's other messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allAuditRecordsPosted, assertPostedExactlyOnceInOrder, seedAuditRecords } from "../support/audit-feed.js";
import { auditRows, request } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, AUDIT, people, type World } from "../support/world.js";

describe("the audit feed", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  it("delivers every record exactly once and in order through 429s and 500s, waiting as long as Retry-After says", async () => {
    world.slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 1 });
    world.slack.failNext("chat.postMessage", { status: 500 }, 2);
    world.slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 1 });
    await seedAuditRecords(bot.bot.deps.store, 60);

    await assertPostedExactlyOnceInOrder(world, await allAuditRecordsPosted(world, 20_000));
    const posts = world.slack.callsOf("chat.postMessage");
    assert.deepEqual(posts.map((call) => call.error ?? "ok").slice(0, 4), ["http_429", "http_500", "http_500", "http_429"]);
    posts.forEach((call, i) => {
      const next = posts[i + 1];
      if (call.error === "http_429" && next) {
        const waited = next.at - call.at;
        assert.ok(waited >= 1000 - 20, `waited ${waited} ms after a 429`);
      }
    });
  });

  it("does not hold up approval messages and DMs while the audit channel is rate limited", async () => {
    world.slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 3 });
    await seedAuditRecords(bot.bot.deps.store, 3);
    await world.slack.waitForCall("chat.postMessage", (call) => call.error === "http_429", 5_000);

    const started = Date.now();
    await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h while the feed waits");
    assert.ok(Date.now() - started < 2_000, "the approval message went out at once");
    assert.equal(world.slack.messagesIn(APPROVALS).length, 1);
    assert.equal(world.slack.messagesIn(AUDIT).length, 0, "the audit channel still waits out its Retry-After");
    await assertPostedExactlyOnceInOrder(world, await allAuditRecordsPosted(world, 10_000));
  });

  it("does not post again a message Slack took but whose answer was lost: it finds it in the channel's history", async () => {
    world.slack.failNext("chat.postMessage", { lostAnswer: true });
    await seedAuditRecords(bot.bot.deps.store, 5);
    await assertPostedExactlyOnceInOrder(world, await allAuditRecordsPosted(world, 10_000));
    const posts = world.slack.callsOf("chat.postMessage");
    assert.equal(posts[0]?.error, "http_500", "the first post's answer was lost");
    assert.ok(world.slack.callsOf("conversations.history").length >= 1, "the channel's history was read before posting again");
  });

  it("posts again, and says why, when a lost answer cannot be checked because the app may not read history", async () => {
    world.slack.withoutScope("channels:history");
    world.slack.failNext("chat.postMessage", { lostAnswer: true });
    await seedAuditRecords(bot.bot.deps.store, 5);
    const posted = await allAuditRecordsPosted(world, 10_000);
    const seqs = (await auditRows(world)).map((row) => row.seq);
    // The post whose answer was lost carried the records written by then (all five, or the first
    // few while the rest were still being written); those are posted again, then the rest once.
    const lost = posted.length - seqs.length;
    assert.ok(lost >= 1, "the records of the post whose answer was lost are posted again");
    assert.deepEqual(posted, [...seqs.slice(0, lost), ...seqs], "at least once: posted again rather than lost");
    assert.ok(
      bot.logger.lines.some((line) => line.level === "warn" && /cannot be checked against the channel's history/.test(line.message)),
      "the log says why",
    );
  });
});
