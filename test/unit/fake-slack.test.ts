// Proves the test fakes against the real SDKs: FakeSlack with the real WebClient, the Slack
// request signer / SlackDriver with a real Bolt App on an HTTPReceiver, and the fake's Socket Mode /
// SocketDriver with a real Bolt App on a SocketModeReceiver (the real SocketModeClient).

import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { App, LogLevel, SocketModeReceiver } from "@slack/bolt";
import type { Logger } from "@slack/bolt";
import { ErrorCode, WebClient, WebClientEvent } from "@slack/web-api";
import type { ConversationsHistoryResponse } from "@slack/web-api";
import { FAKE_BOT_SCOPES, FAKE_DEFAULTS, messageText, startFakeSlack } from "../../src/simulators/fake-slack.js";
import type { FakeSlack } from "../../src/simulators/fake-slack.js";
import { SlackDriver, SocketDriver, input, postSigned, signBody, slashCommandBody } from "../../src/simulators/slack-requests.js";

const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

const approvalBlocks = [
  { type: "header", text: { type: "plain_text", text: "Access request" } },
  { type: "section", block_id: "summary", text: { type: "mrkdwn", text: "*<@U1>* wants `prod-admin` for 1h" } },
  {
    type: "actions",
    block_id: "decision",
    elements: [
      { type: "button", action_id: "approve", value: "req-42", style: "primary", text: { type: "plain_text", text: "Approve" } },
      { type: "button", action_id: "deny", value: "req-42", style: "danger", text: { type: "plain_text", text: "Deny" } },
    ],
  },
];

const reasonInput = {
  type: "input",
  block_id: "reason",
  label: { type: "plain_text", text: "Reason" },
  element: { type: "plain_text_input", action_id: "value" },
};

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

describe("FakeSlack with the real WebClient", () => {
  let fake: FakeSlack;
  let client: WebClient;

  before(async () => {
    fake = await startFakeSlack();
    client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.addUser({ id: "U1", email: "alice@example.com", name: "alice" });
    fake.addUser({ id: "U2", email: "bob@example.com" });
  });

  it("exposes an apiUrl ending in /api/ and answers auth.test with the bot identity", async () => {
    assert.match(fake.apiUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const res = await client.auth.test();
    assert.equal(res.ok, true);
    assert.equal(res.user_id, fake.botUserId);
    assert.equal(res.team_id, fake.teamId);
    assert.equal(res.bot_id, fake.botId);
    assert.equal(fake.callsOf("auth.test")[0]?.token, fake.botToken);
  });

  it("round-trips chat.postMessage and chat.update, with blocks surviving form encoding", async () => {
    const posted = await client.chat.postMessage({ channel: "C1", text: "Access request", blocks: approvalBlocks });
    assert.match(posted.ts ?? "", /^\d{10}\.\d{6}$/);
    assert.equal(posted.channel, "C1");
    assert.deepEqual(posted.message?.blocks, approvalBlocks);
    assert.deepEqual(fake.callsOf("chat.postMessage")[0]?.args.blocks, approvalBlocks);

    const second = await client.chat.postMessage({ channel: "C1", text: "another" });
    assert.ok(Number(second.ts) > Number(posted.ts), "ts values increase");

    const updated = await client.chat.update({ channel: "C1", ts: posted.ts ?? "", text: "Approved by bob", blocks: [] });
    assert.equal(updated.ok, true);
    const stored = fake.messages.get(`C1:${posted.ts}`);
    assert.equal(stored?.text, "Approved by bob");
    assert.equal(stored?.blocks, undefined);
    assert.equal(stored?.user, fake.botUserId);
    assert.deepEqual(
      fake.messagesIn("C1").map((m) => m.ts),
      [posted.ts, second.ts],
    );

    await assert.rejects(client.chat.update({ channel: "C1", ts: "1.000000", text: "x" }), (err) => {
      assert.equal(errorCode(err), ErrorCode.PlatformError);
      assert.match(String(err), /message_not_found/);
      return true;
    });
  });

  it("renders all message text for assertions", async () => {
    const posted = await client.chat.postMessage({ channel: "C1", text: "fallback", blocks: approvalBlocks });
    const text = messageText(fake.messages.get(`C1:${posted.ts}`));
    for (const part of ["fallback", "Access request", "prod-admin", "Approve", "Deny"]) assert.ok(text.includes(part), part);
  });

  it("rejects invalid Block Kit like Slack does", async () => {
    const longHeader = [{ type: "header", text: { type: "plain_text", text: "x".repeat(151) } }];
    await assert.rejects(client.chat.postMessage({ channel: "C1", text: "t", blocks: longHeader }), /invalid_blocks/);
    await assert.rejects(client.chat.postMessage({ channel: "C1", text: "" }), /no_text/);
  });

  it("serves users.info, users.lookupByEmail and usergroups.users.list", async () => {
    const info = await client.users.info({ user: "U1" });
    assert.equal(info.user?.profile?.email, "alice@example.com");
    assert.equal(info.user?.name, "alice");
    assert.equal(info.user?.team_id, fake.teamId);
    await assert.rejects(client.users.info({ user: "U404" }), /user_not_found/);

    const byEmail = await client.users.lookupByEmail({ email: "bob@example.com" });
    assert.equal(byEmail.user?.id, "U2");

    fake.addUsergroup("S1", ["U1", "U2"]);
    const group = await client.usergroups.users.list({ usergroup: "S1" });
    assert.deepEqual(group.users, ["U1", "U2"]);
    await assert.rejects(client.usergroups.users.list({ usergroup: "S404" }), /no_such_subteam/);
  });

  it("opens stable DM channels, and posting to a user id lands in that DM", async () => {
    const first = await client.conversations.open({ users: "U1" });
    const again = await client.conversations.open({ users: "U1" });
    assert.match(first.channel?.id ?? "", /^D/);
    assert.equal(again.channel?.id, first.channel?.id);
    assert.equal(fake.dmChannelOf("U1"), first.channel?.id);

    const posted = await client.chat.postMessage({ channel: "U1", text: "hello" });
    assert.equal(posted.channel, fake.dmChannelOf("U1"));
    assert.equal(fake.messagesIn("U1")[0]?.text, "hello");

    const eph = await client.chat.postEphemeral({ channel: "C1", user: "U1", text: "only you" });
    assert.ok(eph.message_ts);
    assert.equal(fake.ephemerals[0]?.user, "U1");
  });

  it("requires the bot token and rejects unknown methods", async () => {
    const wrong = new WebClient("xoxb-wrong", { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    await assert.rejects(wrong.auth.test(), (err) => {
      assert.equal(errorCode(err), ErrorCode.PlatformError);
      assert.equal((err as { data: { error: string } }).data.error, "invalid_auth");
      return true;
    });
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    await assert.rejects(anonymous.auth.test(), /not_authed/);
    await assert.rejects(client.apiCall("nope.nothing"), /unknown_method/);
  });

  it("also accepts JSON bodies with a bearer token, as Slack does", async () => {
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { Authorization: `Bearer ${fake.botToken}`, "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: "C1", text: "json", blocks: approvalBlocks }),
    });
    const json = (await res.json()) as { ok: boolean; ts: string };
    assert.equal(json.ok, true);
    assert.deepEqual(fake.messages.get(`C1:${json.ts}`)?.blocks, approvalBlocks);
  });

  it("injects Slack errors, HTTP 500 and 429 rate limits", async () => {
    fake.failNext("chat.postMessage", { error: "channel_not_found" });
    await assert.rejects(client.chat.postMessage({ channel: "C1", text: "x" }), /channel_not_found/);
    assert.equal((await client.chat.postMessage({ channel: "C1", text: "x" })).ok, true, "only the next call fails");

    fake.failNext("users.info", { status: 500 });
    await assert.rejects(client.users.info({ user: "U1" }), (err) => errorCode(err) === ErrorCode.HTTPError);

    // rejectRateLimitedCalls surfaces the typed error with retryAfter.
    const rejecting = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true });
    fake.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 7 });
    await assert.rejects(rejecting.chat.postMessage({ channel: "C1", text: "x" }), (err) => {
      assert.equal(errorCode(err), ErrorCode.RateLimitedError);
      assert.equal((err as { retryAfter: number }).retryAfter, 7);
      return true;
    });

    // Default client with retries 0: emits rate_limited, waits Retry-After, then rejects.
    let limitedFor: number | undefined;
    client.once(WebClientEvent.RATE_LIMITED, (seconds: number) => (limitedFor = seconds));
    fake.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 0 });
    await assert.rejects(client.chat.postMessage({ channel: "C1", text: "x" }), /rate limit was exceeded/);
    assert.equal(limitedFor, 0);

    // With a retry allowed, the second attempt succeeds.
    const retrying = new WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
      logger: silentLogger,
    });
    fake.reset();
    fake.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 0 });
    assert.equal((await retrying.chat.postMessage({ channel: "C1", text: "x" })).ok, true);
    assert.deepEqual(
      fake.callsOf("chat.postMessage").map((c) => c.error),
      ["http_429", undefined],
    );
  });

  it("validates trigger_ids and tracks views", async () => {
    const view = {
      type: "modal" as const,
      callback_id: "request",
      private_metadata: '{"req":1}',
      title: { type: "plain_text" as const, text: "Request access" },
      submit: { type: "plain_text" as const, text: "Request" },
      blocks: [reasonInput],
    };
    await assert.rejects(client.views.open({ trigger_id: "made-up", view }), /invalid_trigger_id/);

    const trigger = fake.issueTriggerId("U1");
    const opened = await client.views.open({ trigger_id: trigger, view });
    const id = opened.view?.id ?? "";
    assert.match(id, /^V/);
    assert.equal(fake.lastView({ callbackId: "request" })?.userId, "U1");
    assert.equal(fake.views.get(id)?.privateMetadata, '{"req":1}');
    await assert.rejects(client.views.open({ trigger_id: trigger, view }), /exchanged_trigger_id/);

    await assert.rejects(client.views.update({ view_id: id, hash: "stale", view }), /hash_conflict/);
    const hash = opened.view?.hash ?? "";
    const updated = await client.views.update({ view_id: id, hash, view: { ...view, private_metadata: "v2" } });
    assert.equal(updated.view?.id, id);
    assert.equal(fake.views.get(id)?.privateMetadata, "v2");

    const pushed = await client.views.push({ trigger_id: fake.issueTriggerId("U1"), view });
    assert.equal(pushed.view?.previous_view_id, id);
  });

  it("records response_url posts and applies replace_original to the origin message", async () => {
    const posted = await client.chat.postMessage({ channel: "C1", text: "pending", blocks: approvalBlocks });
    const url = fake.responseUrl("k1", { channel: "C1", ts: posted.ts ?? "" });
    assert.ok(url.startsWith(`${fake.url}/response/`));
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ replace_original: true, text: "Approved" }),
    });
    assert.equal(res.status, 200);
    const recorded = await fake.waitFor(() => fake.responses.find((r) => r.key === "k1"));
    assert.equal(recorded.body.text, "Approved");
    assert.equal(fake.messages.get(`C1:${posted.ts}`)?.text, "Approved");
    assert.equal(fake.messages.get(`C1:${posted.ts}`)?.blocks, undefined);
  });

  it("applies latency and times out waitFor with a clear message", async () => {
    fake.setLatency(80, "auth.test");
    const started = Date.now();
    await client.auth.test();
    assert.ok(Date.now() - started >= 75);
    await assert.rejects(
      fake.waitFor(() => fake.responses[0], 50, "a reply"),
      /waitFor \(a reply\) timed out after 50ms.*auth\.test/,
    );
  });

  it("reset() clears state but keeps users", async () => {
    await client.chat.postMessage({ channel: "C1", text: "x" });
    fake.reset();
    assert.equal(fake.calls.length, 0);
    assert.equal(fake.messages.size, 0);
    assert.equal((await client.users.info({ user: "U1" })).ok, true);
  });

  describe("conversations.history", () => {
    const post = async (text: string, channel = "C1"): Promise<string> => (await client.chat.postMessage({ channel, text })).ts ?? "";
    const tsOf = (res: ConversationsHistoryResponse): unknown[] => (res.messages ?? []).map((m) => m.ts);

    it("lists top-level messages newest first, each as chat.postMessage returned it", async () => {
      const first = await client.chat.postMessage({ channel: "C1", text: "Access request", blocks: approvalBlocks });
      const second = await post("second");
      await client.chat.postMessage({ channel: "C1", text: "a reply", thread_ts: first.ts ?? "" });
      await post("elsewhere", "C2");
      const third = await post("third");

      const res = await client.conversations.history({ channel: "C1" });
      assert.deepEqual(tsOf(res), [third, second, first.ts]);
      assert.deepEqual(res.messages?.[2], first.message);
      const newest = res.messages?.[0];
      assert.deepEqual([newest?.type, newest?.user, newest?.bot_id, newest?.text], ["message", fake.botUserId, fake.botId, "third"]);
      assert.equal(newest?.blocks, undefined);
      assert.equal(res.has_more, false);
      assert.equal(res.response_metadata?.next_cursor, undefined);
    });

    it("bounds the window by oldest and latest, excluding both unless inclusive", async () => {
      const t1 = await post("1");
      const t2 = await post("2");
      const t3 = await post("3");
      const t4 = await post("4");
      assert.deepEqual(tsOf(await client.conversations.history({ channel: "C1", oldest: t1, latest: t4 })), [t3, t2]);
      const inclusive = await client.conversations.history({ channel: "C1", oldest: t1, latest: t4, inclusive: true });
      assert.deepEqual(tsOf(inclusive), [t4, t3, t2, t1]);
      assert.deepEqual(tsOf(await client.conversations.history({ channel: "C1", oldest: t2 })), [t4, t3]);
      assert.deepEqual(tsOf(await client.conversations.history({ channel: "C1", latest: t2, inclusive: true })), [t2, t1]);
      await assert.rejects(client.conversations.history({ channel: "C1", latest: "yesterday" }), /invalid_ts_latest/);

      // A ts is the time of posting, so a window taken from the clock finds what was just posted.
      const lastMinute = ((Date.now() - 60_000) / 1000).toFixed(6);
      assert.deepEqual(tsOf(await client.conversations.history({ channel: "C1", oldest: lastMinute })), [t4, t3, t2, t1]);
      const nextMinute = ((Date.now() + 60_000) / 1000).toFixed(6);
      assert.deepEqual(tsOf(await client.conversations.history({ channel: "C1", oldest: nextMinute })), []);
    });

    it("pages with limit and cursor, saying has_more until the last page", async () => {
      const posted: string[] = [];
      for (let i = 1; i <= 7; i++) posted.push(await post(`m${i}`));
      const newestFirst = [...posted].reverse();

      const page1 = await client.conversations.history({ channel: "C1", limit: 3 });
      assert.deepEqual(tsOf(page1), newestFirst.slice(0, 3));
      assert.equal(page1.has_more, true);
      const page2 = await client.conversations.history({ channel: "C1", limit: 3, cursor: page1.response_metadata?.next_cursor ?? "" });
      assert.deepEqual(tsOf(page2), newestFirst.slice(3, 6));
      assert.equal(page2.has_more, true);
      const page3 = await client.conversations.history({ channel: "C1", limit: 3, cursor: page2.response_metadata?.next_cursor ?? "" });
      assert.deepEqual(tsOf(page3), newestFirst.slice(6));
      assert.equal(page3.has_more, false);
      assert.equal(page3.response_metadata?.next_cursor, undefined);

      const viaPaginate: unknown[][] = [];
      for await (const page of client.paginate("conversations.history", { channel: "C1", limit: 3 })) {
        viaPaginate.push(tsOf(page as ConversationsHistoryResponse));
      }
      assert.deepEqual(viaPaginate, [newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
      await assert.rejects(client.conversations.history({ channel: "C1", cursor: "bm9wZQ==" }), /invalid_cursor/);
    });

    it("shows chat.update edits and leaves out deleted messages", async () => {
      const kept = await post("pending");
      const gone = await post("to delete");
      await client.chat.update({ channel: "C1", ts: kept, text: "Approved by bob", blocks: approvalBlocks });
      await client.chat.delete({ channel: "C1", ts: gone });
      const res = await client.conversations.history({ channel: "C1" });
      assert.deepEqual(
        res.messages?.map((m) => [m.ts, m.text]),
        [[kept, "Approved by bob"]],
      );
      assert.deepEqual(res.messages?.[0]?.blocks, approvalBlocks);
    });

    it("answers channel_not_found for a conversation it does not know, and no messages for an empty one", async () => {
      await assert.rejects(client.conversations.history({ channel: "C404" }), /channel_not_found/);
      const dm = await client.conversations.open({ users: "U1" });
      assert.deepEqual((await client.conversations.history({ channel: dm.channel?.id ?? "" })).messages, []);
      assert.deepEqual((await client.conversations.history({ channel: FAKE_DEFAULTS.channelId })).messages, []);
    });

    it("answers missing_scope once a test takes channels:history away, until reset()", async () => {
      await post("in a channel");
      await post("in a DM", "U1");
      fake.withoutScope("channels:history");
      await assert.rejects(client.conversations.history({ channel: "C1" }), (err) => {
        const data = (err as { data: Record<string, unknown> }).data;
        assert.equal(data.error, "missing_scope");
        assert.equal(data.needed, "channels:history");
        assert.equal(data.provided, FAKE_BOT_SCOPES.filter((s) => s !== "channels:history").join(","));
        return true;
      });
      const dm = await client.conversations.history({ channel: fake.dmChannelOf("U1") });
      assert.equal(dm.messages?.length, 1, "a DM needs im:history, which the bot still has");

      fake.reset();
      assert.equal((await client.conversations.history({ channel: FAKE_DEFAULTS.channelId })).ok, true);
    });

    it("takes injected faults like every other method", async () => {
      await post("x");
      fake.failNext("conversations.history", { error: "fatal_error" });
      await assert.rejects(client.conversations.history({ channel: "C1" }), /fatal_error/);
      fake.failNext("conversations.history", { status: 500 });
      await assert.rejects(client.conversations.history({ channel: "C1" }), (err) => errorCode(err) === ErrorCode.HTTPError);
      assert.equal((await client.conversations.history({ channel: "C1" })).messages?.length, 1);
      assert.deepEqual(
        fake.callsOf("conversations.history").map((c) => c.error),
        ["fatal_error", "http_500", undefined],
      );
    });
  });
});

describe("signed requests against a real Bolt app", () => {
  const secret = "test-signing-secret";
  let fake: FakeSlack;
  let app: App;
  let eventsUrl: string;
  let slack: SlackDriver;

  before(async () => {
    fake = await startFakeSlack();
    fake.addUser({ id: "U1", email: "alice@example.com", name: "alice" });
    fake.addUser({ id: "U2", email: "bob@example.com", name: "bob" });
    app = new App({
      signingSecret: secret,
      token: fake.botToken,
      clientOptions: { slackApiUrl: fake.apiUrl },
      logger: silentLogger,
    });

    app.command("/jit", async ({ ack, command, respond, client }) => {
      if (command.text === "respond") {
        await ack();
        await respond({ response_type: "ephemeral", text: `got it, <@${command.user_id}>` });
      } else if (command.text === "modal") {
        await ack();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: "modal",
            callback_id: "request",
            private_metadata: "meta-1",
            title: { type: "plain_text", text: "Request" },
            submit: { type: "plain_text", text: "Go" },
            blocks: [reasonInput],
          },
        });
      } else {
        await ack("hi");
      }
    });
    app.action("approve", async ({ ack, respond, body }) => {
      await ack();
      await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
    });
    app.view("request", async ({ ack, view }) => {
      const reason = view.state.values.reason?.value?.value ?? "";
      if (reason.length < 5) await ack({ response_action: "errors", errors: { reason: `too short (${view.private_metadata})` } });
      else await ack();
    });

    const server = (await app.start(0)) as Server;
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    slack = new SlackDriver({ url: eventsUrl, secret, fake });
  });
  after(async () => {
    await app.stop();
    await fake.close();
  });

  const commandBody = (): string => slashCommandBody({ userId: "U1", text: "hello", responseUrl: fake.responseUrl() });

  it("signs like Slack: v0= + hex HMAC-SHA256 of v0:<ts>:<body>", () => {
    // Example from Slack's "Verifying requests from Slack" documentation.
    const body = [
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V",
      "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=",
      "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN",
      "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    ].join("");
    assert.equal(
      signBody("8f742231b10e8888abcd99yyyzzz85a5", body, 1531420618),
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("gets 200 with the ack text for a correctly signed slash command", async () => {
    const res = await postSigned(eventsUrl, commandBody(), { secret });
    assert.equal(res.status, 200);
    assert.equal(res.body, "hi");
  });

  it("gets 401 for a wrong signature, a missing signature and a 6-minute-old timestamp", async () => {
    assert.equal((await postSigned(eventsUrl, commandBody(), { secret: "wrong-secret" })).status, 401);
    assert.equal((await postSigned(eventsUrl, commandBody(), { secret, signature: "v0=deadbeef" })).status, 401);
    assert.equal((await postSigned(eventsUrl, commandBody(), { secret, omitHeaders: ["X-Slack-Signature"] })).status, 401);
    const stale = await postSigned(eventsUrl, commandBody(), { secret, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.equal(stale.status, 401);
    assert.equal(stale.body, "");
  });

  it("gets 400 when Content-Type is not exactly application/x-www-form-urlencoded", async () => {
    const headers = { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" };
    const res = await postSigned(eventsUrl, commandBody(), { secret, headers });
    assert.equal(res.status, 400);
  });

  it("SlackDriver.command exposes the response_url the app posts to", async () => {
    const sent = await slack.command("U1", "respond");
    assert.equal(sent.response.status, 200);
    assert.equal(sent.response.body, "");
    const reply = await sent.waitForResponse();
    assert.equal(reply.body.text, "got it, <@U1>");
    assert.equal(reply.key, sent.responseKey);
  });

  it("SlackDriver.click sends a block_actions payload for a real button and sees the replacement", async () => {
    const client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl });
    const posted = await client.chat.postMessage({ channel: "C1", text: "Access request", blocks: approvalBlocks });
    const message = { channel: "C1", ts: posted.ts ?? "" };

    await assert.rejects(slack.click("U2", "approve", "req-999", message), /no button approve=req-999.*approve=req-42/);

    const sent = await slack.click("U2", "approve", "req-42", message);
    assert.equal(sent.response.status, 200);
    await sent.waitForResponse();
    assert.equal(messageText(fake.messages.get(`C1:${message.ts}`)), "Approved by <@U2>");
  });

  it("SlackDriver.submitView submits a modal the app opened", async () => {
    await slack.command("U1", "modal");
    const modal = await fake.waitFor(() => fake.lastView({ callbackId: "request", userId: "U1" }));

    const rejected = await slack.submitView("U1", modal.id, { reason: { value: input.text("no") } });
    assert.deepEqual(rejected.response.json(), { response_action: "errors", errors: { reason: "too short (meta-1)" } });

    const accepted = await slack.submitView("U1", modal.id, { reason: { value: input.text("deploy hotfix") } });
    assert.equal(accepted.response.status, 200);
    assert.equal(accepted.response.body, "");

    await assert.rejects(
      slack.submitView("U1", modal.id, { reasn: { value: input.text("typo") } }),
      /no input reasn\.value; inputs: reason\.value/,
    );
  });
});

describe("Socket Mode against a real Bolt app (SocketModeClient)", () => {
  let fake: FakeSlack;
  let app: App;
  let slack: SocketDriver;

  before(async () => {
    fake = await startFakeSlack();
    fake.addUser({ id: "U1", email: "alice@example.com", name: "alice" });
    // A short client ping timeout: the client pings every 100 ms and gives up after 4 unanswered pings,
    // and waits only 300 ms before reconnecting.
    const receiver = new SocketModeReceiver({
      appToken: fake.appToken,
      clientPingTimeout: 300,
      logger: silentLogger,
      installerOptions: { clientOptions: { slackApiUrl: fake.apiUrl } },
    });
    app = new App({ receiver, token: fake.botToken, clientOptions: { slackApiUrl: fake.apiUrl }, logger: silentLogger });
    app.command("/jit", async ({ ack, command, respond }) => {
      if (command.text === "respond") {
        await ack();
        await respond({ response_type: "ephemeral", text: `got it, <@${command.user_id}>` });
      } else {
        await ack({ response_type: "ephemeral", text: `you said ${command.text}` });
      }
    });
    app.action("approve", async ({ ack, respond, body }) => {
      await ack();
      await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
    });
    await app.start();
    slack = new SocketDriver({ fake });
  });
  after(async () => {
    await app.stop();
    await fake.close();
  });

  it("hands out a ws:// link for the app-level token only, and says hello on connect", () => {
    const opens = fake.callsOf("apps.connections.open");
    assert.equal(opens.length, 1);
    assert.equal(opens[0]?.token, fake.appToken);
    assert.equal(fake.socketConnections(), 1);
    assert.equal(fake.sockets[0]?.closedAt, undefined);
  });

  it("refuses apps.connections.open with a wrong token or the bot token", async () => {
    const open = (token: string) => new WebClient(token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }).apps.connections.open();
    await assert.rejects(open("xapp-wrong"), /invalid_auth/);
    await assert.rejects(open(fake.botToken), /not_allowed_token_type/);
    const ok = await open(fake.appToken);
    assert.match(String(ok.url), /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[\w-]+&app_id=A0JIT00001$/);
  });

  it("upgrades only with a valid ticket, and each ticket once", async () => {
    // The handshake example from RFC 6455 section 1.3.
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    const upgrade = (path: string) =>
      new Promise<{ status: number; accept?: string | string[] }>((resolve, reject) => {
        const headers = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key };
        const req = httpRequest(new URL(path, fake.url), { headers });
        req.on("upgrade", (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, accept: res.headers["sec-websocket-accept"] });
        });
        req.on("response", (res) => resolve({ status: res.statusCode ?? 0 }));
        req.on("error", reject);
        req.end();
      });
    assert.equal((await upgrade("/link/?ticket=forged")).status, 401);
    const opened = await new WebClient(fake.appToken, { slackApiUrl: fake.apiUrl }).apps.connections.open();
    const link = new URL(String(opened.url));
    const path = link.pathname + link.search;
    assert.deepEqual(await upgrade(path), { status: 101, accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" });
    assert.equal((await upgrade(path)).status, 401);
    await fake.waitFor(() => fake.socketConnections() === 1, 2000, "the probe connection to close");
  });

  it("delivers a slash command envelope and returns the ack payload, {} for a bare ack()", async () => {
    const echoed = await slack.command("U1", "status please");
    assert.deepEqual(echoed.ack.payload, { response_type: "ephemeral", text: "you said status please" });
    assert.match(echoed.ack.envelope_id, /^[0-9a-f-]{36}$/);

    const sent = await slack.command("U1", "respond");
    assert.deepEqual(sent.ack.payload, {});
    assert.equal((await sent.waitForResponse()).body.text, "got it, <@U1>");
  });

  it("delivers an interactive envelope for a real button and sees the replacement", async () => {
    const client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl });
    const posted = await client.chat.postMessage({ channel: "C1", text: "Access request", blocks: approvalBlocks });
    const message = { channel: "C1", ts: posted.ts ?? "" };
    await assert.rejects(slack.click("U1", "approve", "req-999", message), /no button approve=req-999/);

    const sent = await slack.click("U1", "approve", "req-42", message);
    assert.deepEqual(sent.ack.payload, {});
    await sent.waitForResponse();
    assert.equal(messageText(fake.messages.get(`C1:${message.ts}`)), "Approved by <@U1>");
  });

  it("answers the client pings, so the connection outlives its ping timeout", async () => {
    const before = fake.sockets.length;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(fake.sockets.length, before, "no reconnection");
    assert.equal(fake.socketConnections(), 1);
  });

  it("makes the client close and reconnect with a disconnect message", async () => {
    const before = fake.sockets.length;
    const old = fake.sockets.find((socket) => socket.closedAt === undefined);
    fake.sendDisconnect("refresh_requested");
    await fake.waitFor(() => fake.sockets.length === before + 1 && fake.socketConnections() === 1, 5000, "a reconnection");
    assert.equal(old?.closedBy, "client");
    assert.equal(old?.closeCode, 1000);
    assert.deepEqual((await slack.command("U1", "again")).ack.payload, { response_type: "ephemeral", text: "you said again" });
  });
});

describe("Socket Mode without a connection", () => {
  it("rejects sendEnvelope at once", async () => {
    const fake = await startFakeSlack();
    try {
      await assert.rejects(fake.sendEnvelope("slash_commands", {}), /no Socket Mode connection is open/);
      await assert.rejects(fake.waitForSocket(50), /Socket Mode connection/);
    } finally {
      await fake.close();
    }
  });
});
