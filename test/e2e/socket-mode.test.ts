// The bot in Socket Mode (SLACK_APP_TOKEN set): it dials the fake Slack's WebSocket instead of
// listening for HTTP, and requests and approvals arrive as envelopes that it acks on the socket.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { blockActionPayload, findButtons, slashCommandPayload, SocketDriver } from "../../src/simulators/slack-requests.js";
import { waitForDm } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, PROD, startWorld, USES_POSTGRES, type World } from "../support/world.js";

interface SocketBot {
  readonly bot: TestBot;
  readonly slack: SocketDriver;
}

/** startTestBot's own driver posts over HTTP, which a Socket Mode bot does not serve; ours uses the socket. */
async function startSocketBot(world: World): Promise<SocketBot> {
  const bot = await startTestBot(world, { SLACK_APP_TOKEN: world.slack.appToken });
  return { bot, slack: new SocketDriver({ fake: world.slack }) };
}

/** `/jit request <args>` by `userId` over the socket; the grant id and its approval message. */
async function requestOverSocket(world: World, slack: SocketDriver, userId: string, args: string) {
  const sent = await slack.command(userId, `request ${args}`);
  const reply = await sent.waitForResponse();
  const grantId = /Request (jit-[a-z0-9]{8})/.exec(messageText(reply.body))?.[1];
  assert.ok(grantId, `no request id in reply: ${messageText(reply.body)}`);
  const approval = await world.slack.waitFor(
    () => world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(grantId)),
    5000,
    `approval message for ${grantId}`,
  );
  return { sent, reply, grantId, message: { channel: approval.channel, ts: approval.ts } };
}

describe("Socket Mode", () => {
  let world: World;
  let running: SocketBot;
  let stopped: boolean;

  beforeEach(async () => {
    world = await startWorld();
    running = await startSocketBot(world);
    stopped = false;
  });
  afterEach(async () => {
    if (!stopped) await running.bot.stop();
    await world.close();
  });

  it("connects with the app-level token over one WebSocket and opens no HTTP port", () => {
    const opens = world.slack.callsOf("apps.connections.open");
    assert.equal(opens.length, 1);
    assert.equal(opens[0]?.token, world.slack.appToken);
    assert.equal(world.slack.socketConnections(), 1);
    assert.equal(running.bot.bot.port, undefined);
    const started = running.bot.logger.lines.find((line) => line.message === "jit-slack is running");
    assert.deepEqual(started?.context, { port: undefined, socketMode: true, healthPort: running.bot.bot.healthPort });
    assert.equal(typeof running.bot.bot.healthPort, "number", "health, readiness and metrics get a port of their own");
  });

  it("answers /jit help in the ack's payload", async () => {
    const repliesBefore = world.slack.responses.length;
    const sent = await running.slack.command(people.alice.slackId, "help");
    const payload = sent.ack.payload as { response_type?: unknown; text?: unknown };
    assert.equal(payload.response_type, "ephemeral");
    assert.match(messageText(payload), /prod/);
    assert.equal(world.slack.responses.length, repliesBefore, "nothing went to the response_url");
  });

  it("acks a request envelope, confirms on the response_url and asks the approvers", async () => {
    const requested = await requestOverSocket(
      world,
      running.slack,
      people.alice.slackId,
      "prod AdministratorAccess 1h investigating INC-7",
    );
    assert.deepEqual(requested.sent.ack.payload, {}, "a bare ack(): the reply comes on the response_url");
    assert.equal(requested.reply.body.response_type, "ephemeral");

    const approval = world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
    const text = messageText(approval);
    assert.match(text, /<@U0ALICE>/);
    assert.match(text, /prod \(111122223333\)/);
    assert.match(text, /investigating INC-7/);
    assert.deepEqual(
      findButtons(approval?.blocks).map((b) => [b.actionId, b.value]),
      [
        ["jit_approve", requested.grantId],
        ["jit_deny", requested.grantId],
      ],
    );
    assert.equal((await running.bot.bot.deps.store.get(requested.grantId))?.status, "pending");
  });

  it("provisions in AWS and tells the requester when an approver clicks Approve", async () => {
    const requested = await requestOverSocket(
      world,
      running.slack,
      people.alice.slackId,
      "prod AdministratorAccess 1h investigating INC-7",
    );
    const clicked = await running.slack.click(people.bob.slackId, "jit_approve", requested.grantId, requested.message);
    assert.deepEqual(clicked.ack.payload, {});

    await waitForDm(world, people.alice.slackId, /Access granted/);
    const creates = world.aws.callsOf("CreateAccountAssignment");
    assert.equal(creates.length, 1);
    assert.deepEqual(creates[0]?.input, {
      InstanceArn: world.aws.instanceArn,
      TargetId: PROD,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: world.permissionSets.AdministratorAccess,
      PrincipalType: "USER",
      PrincipalId: world.principals.alice,
    });
    const grant = await running.bot.bot.deps.store.get(requested.grantId);
    assert.equal(grant?.status, "active");
    assert.equal(grant?.decidedBy, people.bob.slackId);
    assert.match(messageText(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`)), /Approved by <@U0BOB>/);
  });

  it("acks and drops payloads of a shape Bolt cannot handle, and goes on serving", async () => {
    const requested = await requestOverSocket(world, running.slack, people.alice.slackId, "prod ReadOnlyAccess 1h malformed envelopes");
    const click = (responseKey: string) =>
      blockActionPayload({
        userId: people.bob.slackId,
        actionId: "jit_approve",
        value: requested.grantId,
        channelId: requested.message.channel,
        messageTs: requested.message.ts,
        responseUrl: world.slack.responseUrl(responseKey),
      });
    const valueAsArray = click("array-value");
    valueAsArray.actions = [{ action_id: "jit_approve", block_id: "actions", type: "button", value: [requested.grantId] }];
    const withoutUser = click("no-user");
    delete withoutUser.user;
    const command = slashCommandPayload({
      userId: people.alice.slackId,
      text: "request prod ReadOnlyAccess 1h no text",
      responseUrl: world.slack.responseUrl("no-text"),
    });
    const withoutText: Record<string, unknown> = { ...command, text: undefined };
    delete withoutText.text;

    for (const [type, payload] of [
      ["interactive", valueAsArray],
      ["interactive", withoutUser],
      ["slash_commands", withoutText],
    ] as const) {
      const ack = await world.slack.sendEnvelope(type, payload, { timeoutMs: 2000 });
      assert.deepEqual(ack.payload, {}, `a bare ack for ${JSON.stringify(payload).slice(0, 60)}`);
    }
    await running.bot.settled();
    assert.deepEqual(
      world.slack.responses.filter((r) => ["array-value", "no-user", "no-text"].includes(r.key)),
      [],
      "nothing was handled, so nobody was answered",
    );
    assert.equal((await running.bot.bot.deps.store.get(requested.grantId))?.status, "pending");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);

    await running.slack.click(people.bob.slackId, "jit_approve", requested.grantId, requested.message);
    await waitForDm(world, people.alice.slackId, /Access granted/);
  });

  it("closes the socket with a normal close handshake on stop", async () => {
    const socket = world.slack.sockets.at(-1);
    await running.bot.stop();
    stopped = true;
    // Bolt's SocketModeReceiver.stop() resolves once the close frame is sent, not when the handshake ends.
    await world.slack.waitFor(() => world.slack.socketConnections() === 0, 2000, "the socket to close");
    assert.equal(socket?.closedBy, "client");
    assert.equal(socket?.closeCode, 1000);
    assert.equal(world.slack.sockets.length, 1);
    assert.equal(world.slack.callsOf("apps.connections.open").length, 1);
  });
});

describe("Socket Mode with two replicas on one PostgreSQL database", {
  skip: USES_POSTGRES ? false : "several replicas need PostgreSQL: runs in the suite's PostgreSQL leg",
}, () => {
  let world: World;
  let replicas: TestBot[];

  beforeEach(async () => {
    world = await startWorld();
    replicas = [];
    // One after the other, so connection #0 is the first replica's and #1 the second's.
    for (let i = 0; i < 2; i += 1) {
      replicas.push(await startTestBot(world, { SLACK_APP_TOKEN: world.slack.appToken }));
      await world.slack.waitFor(() => world.slack.socketConnections() === i + 1 || undefined, 5000, `replica ${i}'s connection`);
    }
  });
  afterEach(async () => {
    for (const replica of replicas) await replica.stop();
    await world.close();
  });

  it("takes a request on one replica's connection and its approval on the other's, as Slack spreads deliveries", async () => {
    const first = new SocketDriver({ fake: world.slack, connection: 0 });
    const second = new SocketDriver({ fake: world.slack, connection: 1 });
    const requested = await requestOverSocket(world, first, people.alice.slackId, "prod ReadOnlyAccess 1h across replicas");
    // A double click whose two deliveries go to different replicas.
    const clicks = await Promise.all([
      second.click(people.bob.slackId, "jit_approve", requested.grantId, requested.message),
      first.click(people.bob.slackId, "jit_approve", requested.grantId, requested.message),
    ]);
    assert.deepEqual(
      clicks.map((click) => click.ack.payload),
      [{}, {}],
    );
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1, "one assignment for the two deliveries");
    const grant = await replicas[0]?.bot.deps.store.get(requested.grantId);
    assert.equal(grant?.status, "active");
    assert.equal(grant?.decidedBy, people.bob.slackId);
  });
});
