// Adversarial: forged, replayed and tampered requests. Each is refused with 401 before anything is
// stored, posted or asked of AWS. (rejections.test.ts covers a wrong secret, a stale or future
// timestamp, a body altered after signing and a missing signature; these go further.)
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { after, before, beforeEach, describe, it } from "node:test";
import { blockActionBody, postSigned, signBody, slashCommandBody, type SignedPost } from "../../src/simulators/slack-requests.js";
import { snapshot, type Snapshot } from "../support/adversarial.js";
import { request, statusBecomes, type Requested } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { people, SIGNING_SECRET, startWorld, type World } from "../support/world.js";
import { ACTION_APPROVE } from "../../src/slack/ids.js";

const now = () => Math.floor(Date.now() / 1000);

/** Slack's signature over any timestamp text, as someone holding the secret could make it. */
function signOver(timestamp: string, body: string): string {
  return `v0=${createHmac("sha256", SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** Posts with each header sent as the given lines, repeated names included, as a proxy could. */
function postRawHeaders(url: string, body: string, headers: Record<string, string | string[]>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("adversarial: request signatures", () => {
  let world: World;
  let bot: TestBot;
  let pending: Requested;
  let before_: Snapshot;
  let slackCalls: number;

  before(async () => {
    world = await startWorld();
    bot = await startTestBot(world, { JIT_RECONCILE_INTERVAL_MINUTES: "0" });
    pending = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h signature target");
    await bot.bot.tick();
  });
  after(async () => {
    await bot.stop();
    await world.close();
  });
  beforeEach(async () => {
    before_ = await snapshot(world);
    slackCalls = world.slack.calls.length;
  });

  const sneaky = () =>
    slashCommandBody({
      userId: people.alice.slackId,
      text: "request prod AdministratorAccess 1h sneaky",
      responseUrl: world.slack.responseUrl("forged"),
    });
  const approval = () =>
    blockActionBody({
      userId: people.bob.slackId,
      actionId: ACTION_APPROVE,
      value: pending.grantId,
      channelId: pending.message.channel,
      messageTs: pending.message.ts,
      responseUrl: world.slack.responseUrl("forged-click"),
    });

  async function assertRefused(response: SignedPost | number): Promise<void> {
    assert.equal(typeof response === "number" ? response : response.status, 401);
    await bot.settled();
    assert.deepEqual(await snapshot(world), before_, "nothing was stored, decided or asked of AWS");
    assert.equal(world.slack.calls.length, slackCalls, "nothing was said in Slack");
    assert.equal((await bot.bot.deps.store.get(pending.grantId))?.status, "pending");
  }

  for (const [what, omit] of [
    ["no timestamp header", ["x-slack-request-timestamp"]],
    ["neither signature nor timestamp", ["x-slack-signature", "x-slack-request-timestamp"]],
  ] as const) {
    it(`refuses an approval with ${what}`, async () => {
      await assertRefused(await postSigned(bot.driver.url, approval(), { secret: SIGNING_SECRET, omitHeaders: [...omit] }));
    });
  }

  for (const [what, signature] of [
    ["an empty signature", ""],
    ["a bare version", "v0="],
    ["an unknown signature version", (body: string, ts: number) => signBody(SIGNING_SECRET, body, ts).replace(/^v0=/, "v1=")],
    ["the signature in capitals", (body: string, ts: number) => `v0=${signBody(SIGNING_SECRET, body, ts).slice(3).toUpperCase()}`],
    ["the signing secret itself as the signature", `v0=${SIGNING_SECRET}`],
  ] as const) {
    it(`refuses an approval carrying ${what}`, async () => {
      const body = approval();
      const timestamp = now();
      const value = typeof signature === "string" ? signature : signature(body, timestamp);
      await assertRefused(await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp, signature: value }));
    });
  }

  it("refuses a captured approval replayed with a new timestamp and its old signature", async () => {
    const body = approval();
    const captured = { timestamp: now() - 10 * 60, signature: "" };
    captured.signature = signBody(SIGNING_SECRET, body, captured.timestamp);
    await assertRefused(
      await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp: now(), signature: captured.signature }),
    );
  });

  it("refuses a valid signature lifted from another request", async () => {
    const timestamp = now();
    const harmless = slashCommandBody({ userId: people.bob.slackId, text: "help", responseUrl: world.slack.responseUrl("help") });
    const signature = signBody(SIGNING_SECRET, harmless, timestamp);
    await assertRefused(await postSigned(bot.driver.url, approval(), { secret: SIGNING_SECRET, timestamp, signature }));
  });

  it("refuses a signed body with a field appended after signing", async () => {
    const body = slashCommandBody({ userId: people.mallory.slackId, text: "help", responseUrl: world.slack.responseUrl("appended") });
    const timestamp = now();
    const signature = signBody(SIGNING_SECRET, body, timestamp);
    await assertRefused(
      await postSigned(bot.driver.url, `${body}&user_id=${people.alice.slackId}&text=request+prod+AdministratorAccess+1h+x`, {
        secret: SIGNING_SECRET,
        timestamp,
        signature,
      }),
    );
  });

  for (const [what, timestamp] of [
    ["a year ahead", () => String(now() + 365 * 24 * 3600)],
    ["of Infinity, which Bolt's staleness check lets through", () => "Infinity"],
    ["in scientific notation, far ahead", () => "1e12"],
    ["that is not a number", () => "soon"],
    ["that is empty", () => ""],
  ] as const) {
    it(`refuses an approval correctly signed over a timestamp ${what}`, async () => {
      const body = approval();
      const ts = timestamp();
      await assertRefused(
        await postRawHeaders(bot.driver.url, body, { "x-slack-request-timestamp": ts, "x-slack-signature": signOver(ts, body) }),
      );
    });
  }

  it("refuses duplicated signature headers, whether the copies agree or not", async () => {
    const body = approval();
    const timestamp = String(now());
    const good = signBody(SIGNING_SECRET, body, Number(timestamp));
    for (const signatures of [
      [good, good],
      [good, "v0=00"],
      ["v0=00", good],
    ]) {
      await assertRefused(
        await postRawHeaders(bot.driver.url, body, { "x-slack-request-timestamp": timestamp, "x-slack-signature": signatures }),
      );
    }
  });

  it("refuses duplicated timestamp headers, including one from the future before a current one", async () => {
    const body = approval();
    const timestamp = String(now());
    const signature = signBody(SIGNING_SECRET, body, Number(timestamp));
    for (const timestamps of [
      [timestamp, timestamp],
      [String(now() + 3600), timestamp],
      [timestamp, String(now() + 3600)],
    ]) {
      await assertRefused(
        await postRawHeaders(bot.driver.url, body, { "x-slack-request-timestamp": timestamps, "x-slack-signature": signature }),
      );
    }
  });

  it("ignores a command smuggled into an unsigned ssl_check", async () => {
    const response = await postSigned(bot.driver.url, `ssl_check=1&${sneaky()}`, { secret: "not-the-secret" });
    assert.equal(response.status, 200, "Slack's SSL check is answered without a signature");
    await bot.settled();
    assert.deepEqual(await snapshot(world), before_);
    assert.equal(world.slack.calls.length, slackCalls);
  });

  it("refuses a body over 4 MB without reading it, and stays up", async () => {
    const body = `${sneaky()}${"+".repeat(5 * 1024 * 1024)}`;
    const response = await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET });
    assert.equal(response.status, 413);
    assert.equal((await bot.driver.command(people.mallory.slackId, "help")).response.status, 200);
  });

  it("refuses a genuine approval replayed verbatim inside the five-minute window, and decides once", async () => {
    const body = approval();
    const timestamp = now();
    const signature = signBody(SIGNING_SECRET, body, timestamp);
    const first = await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp, signature });
    assert.equal(first.status, 200);
    await statusBecomes(bot, pending.grantId, "active");
    const replay = await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp, signature });
    assert.equal(replay.status, 401);
    await bot.settled();
    // Let through, it would have been told "already approved" on its response_url.
    assert.equal(world.slack.responses.filter((r) => r.key === "forged-click").length, 0, "the replay was not answered");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
    const grant = (await snapshot(world)).grants.find((row) => row.id === pending.grantId);
    assert.deepEqual([grant?.status, grant?.decidedBy], ["active", people.bob.slackId]);
  });

  it("refuses a /jit request replayed verbatim inside the window: one request is filed", async () => {
    const body = slashCommandBody({
      userId: people.alice.slackId,
      text: "request sandbox ReadOnlyAccess 1h filed once",
      responseUrl: world.slack.responseUrl("replayed-command"),
    });
    const timestamp = now();
    const signature = signBody(SIGNING_SECRET, body, timestamp);
    const first = await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp, signature });
    assert.equal(first.status, 200);
    await world.slack.waitFor(() => world.slack.responses.some((r) => r.key === "replayed-command"));
    const replays = await Promise.all(
      [1, 2, 3].map(() => postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp, signature })),
    );
    assert.deepEqual(
      replays.map((r) => r.status),
      [401, 401, 401],
    );
    await bot.settled();
    const filed = (await bot.bot.deps.store.listByStatus(["pending", "approved", "provisioning", "active", "failed"])).filter(
      (grant) => grant.justification === "filed once",
    );
    assert.equal(filed.length, 1, "one request, however often it was sent");
    assert.equal(world.slack.responses.filter((r) => r.key === "replayed-command").length, 1);
  });

  it("answers a verbatim Slack retry of a click it already has with 200 and no second handling", async () => {
    const requested = await request(bot, world, people.carol.slackId, "prod ReadOnlyAccess 1h retried verbatim");
    const body = blockActionBody({
      userId: people.bob.slackId,
      actionId: ACTION_APPROVE,
      value: requested.grantId,
      channelId: requested.message.channel,
      messageTs: requested.message.ts,
      responseUrl: world.slack.responseUrl("verbatim-retry"),
    });
    const timestamp = now();
    const signature = signBody(SIGNING_SECRET, body, timestamp);
    assert.equal((await postSigned(bot.driver.url, body, { secret: SIGNING_SECRET, timestamp, signature })).status, 200);
    await statusBecomes(bot, requested.grantId, "active");
    const creates = world.aws.callsOf("CreateAccountAssignment").length;
    const retried = await postSigned(bot.driver.url, body, {
      secret: SIGNING_SECRET,
      timestamp,
      signature,
      headers: { "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout" },
    });
    assert.deepEqual([retried.status, retried.headers["x-slack-no-retry"]], [200, "1"]);
    await bot.settled();
    assert.equal(world.slack.responses.filter((r) => r.key === "verbatim-retry").length, 0, "the retry was not handled");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, creates);
  });

  it("is not fooled into refusing a genuine request by a forgery carrying its signature first", async () => {
    const genuine = slashCommandBody({ userId: people.alice.slackId, text: "help", responseUrl: world.slack.responseUrl("lifted") });
    const timestamp = now();
    const signature = signBody(SIGNING_SECRET, genuine, timestamp);
    const forged = genuine.replace("help", "list");
    assert.equal((await postSigned(bot.driver.url, forged, { secret: SIGNING_SECRET, timestamp, signature })).status, 401);
    const answered = await postSigned(bot.driver.url, genuine, { secret: SIGNING_SECRET, timestamp, signature });
    assert.equal(answered.status, 200);
  });
});
