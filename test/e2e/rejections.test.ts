// What goes wrong: bad slash text, people without rights, AWS failures, forged requests.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { postSigned, signBody, slashCommandBody } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, grantCount, request, slash, waitForDm } from "../support/flows.js";
import { APPROVALS, people, SIGNING_SECRET, type World } from "../support/world.js";

describe("rejected and failing requests", () => {
  let world: World;
  let bot: TestBot;

  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  const badInput: Array<[string, string, RegExp]> = [
    [
      "an unknown account",
      "request nowhere ReadOnlyAccess 1h reason",
      /no account "nowhere".*Accounts you may request: prod \(111122223333\), sandbox/,
    ],
    [
      "an unknown permission set",
      "request prod PowerUser 1h reason",
      /no permission set "PowerUser".*may request on prod: AdministratorAccess, ReadOnlyAccess/,
    ],
    ["a duration over the rule's maximum", "request prod ReadOnlyAccess 5h reason", /5h is longer than the 4h allowed by rule "engineers"/],
    ["a zero duration", "request prod ReadOnlyAccess 0m reason", /longer than zero/],
    ["a negative duration", "request prod ReadOnlyAccess -1h reason", /"-1h" is not a duration/],
    ["an unparseable duration", "request prod ReadOnlyAccess soon reason", /"soon" is not a duration/],
    ["no justification", "request prod ReadOnlyAccess 1h", /justification is required/],
    ["too few words", "request prod", /Not enough to make a request/],
    ["an unknown subcommand", "grant me everything", /Unknown command "grant"/],
  ];
  for (const [what, text, expected] of badInput) {
    it(`answers ${what} with a specific ephemeral error and stores nothing`, async () => {
      const reply = await slash(bot, people.alice.slackId, text);
      assert.match(reply, expected);
      assert.equal(await grantCount(world), 0);
      assert.equal(world.slack.messagesIn(APPROVALS).length, 0);
    });
  }

  it("refuses a requester the policy does not list, storing nothing", async () => {
    const reply = await slash(bot, people.mallory.slackId, "request prod ReadOnlyAccess 1h let me in");
    assert.match(reply, /not on the list of people who may request ReadOnlyAccess/);
    assert.equal(await grantCount(world), 0);
  });

  it("escapes what the person typed when it echoes it back in an error", async () => {
    const reply = await slash(bot, people.alice.slackId, "request <!channel> ReadOnlyAccess 1h x");
    assert.ok(reply.includes('"&lt;!channel&gt;"'));
    assert.ok(!reply.includes("<!channel>"));
  });

  it("answers /jit help with usage", async () => {
    const help = await slash(bot, people.mallory.slackId, "help");
    assert.ok(
      help.includes("/jit request &lt;account&gt; &lt;permission-set&gt; &lt;duration&gt; [--ticket ABC-123] &lt;justification…&gt;"),
      help,
    );
  });

  it("marks the grant failed when AWS ends the assignment FAILED, and never shows it active", async () => {
    world.aws.failStatusNext("creation", "Received a 404 status error: Not supported policy");
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h deploy");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    const dm = await waitForDm(world, people.alice.slackId, /could not be granted/);
    assert.match(dm, /Not supported policy/);
    const grant = await bot.bot.deps.store.get(requested.grantId);
    assert.equal(grant?.status, "failed");
    assert.equal(grant?.expiresAt, null);
    assert.deepEqual(
      (await auditRows(world, requested.grantId)).map((r) => r.action),
      ["requested", "approved", "failed"],
    );
    assert.match(
      messageText(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`)),
      /Failed: AWS could not create/,
    );
    assert.equal(world.aws.assignments().length, 0);
  });

  it("marks the grant failed when AWS denies CreateAccountAssignment", async () => {
    world.aws.failNext("CreateAccountAssignment", {
      code: "AccessDeniedException",
      message: "User is not authorized to perform sso:CreateAccountAssignment",
    });
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h deploy");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    const dm = await waitForDm(world, people.alice.slackId, /could not be granted/);
    assert.match(dm, /AccessDeniedException/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "failed");
    const failed = (await auditRows(world, requested.grantId)).find((r) => r.action === "failed");
    assert.match(JSON.stringify(failed?.detail), /not authorized/);
  });

  it("marks the grant failed when the requester is not in Identity Center", async () => {
    const requested = await request(bot, world, people.erin.slackId, "sandbox ReadOnlyAccess 1h onboarding");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    const dm = await waitForDm(world, people.erin.slackId, /could not be granted/);
    assert.match(dm, /No IAM Identity Center user has the email erin@example\.com/);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "failed");
  });

  it("rides out AWS throttling and still grants exactly once", async () => {
    world.aws.failNext("CreateAccountAssignment", { code: "ThrottlingException", message: "Rate exceeded" }, 2);
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h busy day");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.equal(world.aws.assignments().length, 1);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "active");
  });

  it("records the request as failed and tells the requester when the approvers' channel is unreachable", async () => {
    world.slack.failNext("chat.postMessage", { error: "channel_not_found" });
    const reply = await slash(bot, people.alice.slackId, "request prod ReadOnlyAccess 1h reason");
    assert.match(reply, /recorded but failed: The request could not be posted to the approvers' channel.*channel_not_found/);
    const rows = await auditRows(world);
    assert.deepEqual(
      rows.map((r) => r.action),
      ["requested", "failed"],
    );
  });

  describe("request signatures", () => {
    const body = () =>
      slashCommandBody({
        userId: people.alice.slackId,
        text: "request prod AdministratorAccess 1h sneaky",
        responseUrl: world.slack.responseUrl("forged"),
      });
    const url = () => bot.driver.url;

    it("rejects a forged signature and changes nothing", async () => {
      const response = await postSigned(url(), body(), { secret: "not-the-secret" });
      assert.equal(response.status, 401);
      assert.equal(await grantCount(world), 0);
    });

    it("rejects a request signed more than five minutes ago", async () => {
      const response = await postSigned(url(), body(), { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
      assert.equal(response.status, 401);
      assert.equal(await grantCount(world), 0);
    });

    it("rejects a request timestamped more than five minutes in the future, which Bolt alone would accept", async () => {
      const response = await postSigned(url(), body(), { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) + 10 * 60 });
      assert.equal(response.status, 401);
      assert.equal(await grantCount(world), 0);
    });

    it("accepts a request from a clock a little ahead", async () => {
      const response = await postSigned(url(), body(), { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) + 60 });
      assert.equal(response.status, 200);
    });

    it("rejects a body altered after signing", async () => {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = signBody(SIGNING_SECRET, body(), timestamp);
      const altered = body().replace("AdministratorAccess", "ReadOnlyAccess");
      const response = await postSigned(url(), altered, { secret: SIGNING_SECRET, timestamp, signature });
      assert.equal(response.status, 401);
      assert.equal(await grantCount(world), 0);
    });

    it("rejects a request without signature headers", async () => {
      const response = await postSigned(url(), body(), { secret: SIGNING_SECRET, omitHeaders: ["x-slack-signature"] });
      assert.equal(response.status, 401);
      assert.equal(await grantCount(world), 0);
    });
  });
});
