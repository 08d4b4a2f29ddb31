// Adversarial: every action attempted by every wrong person — the requester deciding their own
// request, people the policy does not name, approvers of another rule, someone ending, extending
// or reviewing another's grant, and people of another Slack workspace, including one carrying an
// approver's email address. None of it changes anything; each is told why, or ignored.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FOREIGN_WORKSPACE_REPLY } from "../../src/slack/transport/team-guard.js";

import { messageText } from "../../src/simulators/fake-slack.js";
import { blockActionPayload, findButtons, input, SlackDriver } from "../../src/simulators/slack-requests.js";
import { snapshot } from "../support/adversarial.js";
import { click, denyClick, dmsTo, slash, statusBecomes, type Requested } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, PROD, SANDBOX, SIGNING_SECRET, startWorld, type World } from "../support/world.js";
import {
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_END_NOW,
  ACTION_EXTEND,
  ACTION_EXTENSION_APPROVE,
  ACTION_EXTENSION_DENY,
  ACTION_REVIEW,
  DENY_REASON_CALLBACK_ID,
  EXTEND_CALLBACK_ID,
} from "../../src/slack/ids.js";

const BILLING = "777788889999";
const SHARED = "222233334444";
const FINANCE = "C0FINANCE";
const PAIRS = "C0PAIRS";
const FOREIGN_TEAM = "T9FOREIGN";
const REFUSED = /cannot|not an approver|only (?:the requester|an approver)|admin/i;

const more = {
  grace: { slackId: "U0GRACE", email: "grace@example.com" }, // approves finance only
  frank: { slackId: "U0FRANK", email: "frank@example.com" }, // may break the glass on finance
  // Another workspace's people, reaching the bot through a shared channel.
  eve: { slackId: "U9EVE", email: people.dave.email }, // carries an approver's email
  trudy: { slackId: "U9TRUDY", email: people.carol.email }, // carries a requester's email
} as const;

const POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
  - { id: "${BILLING}", name: billing }
  - { id: "${SHARED}", name: shared }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${people.alice.slackId}, ${people.carol.email}, ${people.erin.slackId}]
    approvers: [${people.bob.slackId}, ${people.dave.email}, ${people.alice.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
  - name: finance
    accounts: [billing]
    permissionSets: [ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    breakGlass: [${more.frank.slackId}]
    approvers: [${more.grace.slackId}]
    approverChannel: ${FINANCE}
    maxDuration: 4h
  - name: four-eyes
    accounts: [shared]
    permissionSets: [AdministratorAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}, ${more.grace.slackId}]
    approvalsRequired: 2
    approverChannel: ${PAIRS}
    maxDuration: 4h
`;

describe("adversarial: who may do what", () => {
  let world: World;
  let bot: TestBot;
  let foreign: SlackDriver;
  let engineers: Requested;
  let finance: Requested;
  let fourEyes: Requested;
  let active: Requested;
  let brokenGlass: Requested;
  let extension: { id: string; message: { channel: string; ts: string } };

  const ignored = () => bot.bot.deps.refusals.observed;

  /** A message in `channel` carrying a button for `value`. */
  async function messageWithButton(channel: string, value: string): Promise<{ channel: string; ts: string }> {
    const message = await world.slack.waitFor(() =>
      world.slack.messagesIn(channel).find((m) => findButtons(m.blocks).some((b) => b.value === value)),
    );
    return { channel: message.channel, ts: message.ts };
  }

  async function requestIn(channel: string, userId: string, args: string): Promise<Requested> {
    const reply = await slash(bot, userId, `request ${args}`);
    const grantId = /(jit-[a-z0-9]{8})/.exec(reply)?.[1];
    assert.ok(grantId, `no request id in reply: ${reply}`);
    const message = await world.slack.waitFor(() => world.slack.messagesIn(channel).find((m) => messageText(m).includes(grantId)));
    return { grantId, message: { channel: message.channel, ts: message.ts } };
  }

  before(async () => {
    world = await startWorld(POLICY);
    world.slack.addUser({ id: more.grace.slackId, email: more.grace.email, name: "grace" });
    world.slack.addUser({ id: more.frank.slackId, email: more.frank.email, name: "frank" });
    world.slack.addUser({ id: more.eve.slackId, email: more.eve.email, name: "eve", teamId: FOREIGN_TEAM });
    world.slack.addUser({ id: more.trudy.slackId, email: more.trudy.email, name: "trudy", teamId: FOREIGN_TEAM });
    world.aws.addUser({ email: more.frank.email });
    bot = await startTestBot(world, { JIT_RECONCILE_INTERVAL_MINUTES: "0" });
    foreign = new SlackDriver({ url: bot.driver.url, secret: SIGNING_SECRET, fake: world.slack, teamId: FOREIGN_TEAM });

    engineers = await requestIn(APPROVALS, people.alice.slackId, "prod AdministratorAccess 1h engineers' request");
    finance = await requestIn(FINANCE, people.alice.slackId, "billing ReadOnlyAccess 1h finance's request");
    fourEyes = await requestIn(PAIRS, people.alice.slackId, "shared AdministratorAccess 1h needs two");
    active = await requestIn(APPROVALS, people.alice.slackId, "sandbox ReadOnlyAccess 1h to be extended");
    await click(bot, people.bob.slackId, ACTION_APPROVE, active);
    await statusBecomes(bot, active.grantId, "active");
    const extended = await slash(bot, people.alice.slackId, `extend ${active.grantId} 30m`);
    const extensionId = /(ext-[a-z0-9]{8})/.exec(extended)?.[1];
    assert.ok(extensionId, `no extension id in: ${extended}`);
    extension = { id: extensionId, message: await messageWithButton(APPROVALS, extensionId) };
    const glass = await slash(bot, more.frank.slackId, "request billing ReadOnlyAccess 1h the ledger is on fire");
    const glassId = /(jit-[a-z0-9]{8})/.exec(glass)?.[1] ?? "";
    await statusBecomes(bot, glassId, "active");
    brokenGlass = { grantId: glassId, message: await messageWithButton(FINANCE, glassId) };
    await bot.bot.tick();
  });
  after(async () => {
    await bot.stop();
    await world.close();
  });

  /** Clicks a button and returns the ephemeral answer the clicker got. */
  async function press(userId: string, actionId: string, value: string, on: { channel: string; ts: string }): Promise<string> {
    const delivery = await bot.driver.click(userId, actionId, value, on, { unchecked: true });
    assert.equal(delivery.response.status, 200);
    const reply = await delivery.waitForResponse();
    assert.equal(reply.body.response_type, "ephemeral");
    return messageText(reply.body);
  }

  /** Submits a modal as `userId` and returns the direct message that answered it (if one is expected). */
  async function submit(
    userId: string,
    callbackId: string,
    privateMetadata: string,
    values: Record<string, Record<string, unknown>>,
    answered = true,
  ): Promise<string> {
    const before_ = dmsTo(world, userId).length;
    const response = await bot.driver.submitView(userId, { callbackId, privateMetadata }, values);
    assert.equal(response.response.status, 200);
    if (!answered) return "";
    const dm = await world.slack.waitFor(() => dmsTo(world, userId)[before_], 5000, `an answer to ${userId}'s ${callbackId}`);
    return messageText(dm);
  }

  /** Deny by someone who may not: the modal Deny opens says why, and never becomes the reason form. */
  async function denyAs(userId: string, on: Requested): Promise<string> {
    const shown = await denyClick(bot, world, userId, on);
    assert.deepEqual(shown.kind === "refused" && shown.shownIn, "the modal", "no deny form was shown; the modal says why");
    return shown.kind === "refused" ? shown.text : "";
  }

  async function assertUnchanged(attempt: () => Promise<string | void>, expected: RegExp | undefined = REFUSED): Promise<void> {
    const before_ = await snapshot(world);
    const answer = await attempt();
    if (expected && typeof answer === "string") assert.match(answer, expected);
    await bot.settled();
    assert.deepEqual(await snapshot(world), before_);
  }

  const deciders: Array<[string, () => Requested, string]> = [
    ["the requester, though an approver of the rule", () => engineers, people.alice.slackId],
    ["someone the policy does not name", () => engineers, people.mallory.slackId],
    ["another requester of the same rule", () => engineers, people.erin.slackId],
    ["the approver of another rule", () => engineers, more.grace.slackId],
    ["someone who may break the glass on another rule", () => engineers, more.frank.slackId],
    ["an approver by Slack id, of another rule", () => finance, people.bob.slackId],
    ["an approver by email, of another rule", () => finance, people.dave.slackId],
    ["the requester, of a rule they do not approve", () => finance, people.alice.slackId],
  ];
  for (const [who, on, userId] of deciders) {
    it(`refuses an approval of a request by ${who}`, async () => {
      await assertUnchanged(() => press(userId, ACTION_APPROVE, on().grantId, on().message));
    });
    it(`refuses a denial of a request by ${who}`, async () => {
      await assertUnchanged(() => denyAs(userId, on()));
    });
  }

  it("refuses a deny form submitted by a non-approver for a request it was never opened on", async () => {
    await assertUnchanged(() =>
      submit(people.mallory.slackId, DENY_REASON_CALLBACK_ID, engineers.grantId, { reason: { reason: input.text("x") } }),
    );
  });

  it("counts one approver once towards a rule needing two approvals", async () => {
    await press(people.bob.slackId, ACTION_APPROVE, fourEyes.grantId, fourEyes.message);
    await assertUnchanged(() => press(people.bob.slackId, ACTION_APPROVE, fourEyes.grantId, fourEyes.message), /already approved/);
    assert.equal((await bot.bot.deps.store.get(fourEyes.grantId))?.status, "pending");
    assert.equal(
      world.aws.callsOf("CreateAccountAssignment").filter((c) => (c.input as { TargetId?: string }).TargetId === SHARED).length,
      0,
    );
  });

  for (const [who, userId] of [
    ["an approver", people.bob.slackId],
    ["someone the policy does not name", people.mallory.slackId],
    ["the approver of another rule", more.grace.slackId],
  ] as const) {
    it(`does not let ${who} end someone else's grant, by button or command`, async () => {
      await assertUnchanged(() => press(userId, ACTION_END_NOW, active.grantId, active.message));
      await assertUnchanged(() => slash(bot, userId, `revoke ${active.grantId}`));
      await assertUnchanged(() => slash(bot, userId, `revoke ${engineers.grantId}`));
    });
    it(`does not let ${who} extend someone else's grant, by button, form or command`, async () => {
      await assertUnchanged(() => press(userId, ACTION_EXTEND, active.grantId, active.message));
      await assertUnchanged(() => slash(bot, userId, `extend ${active.grantId} 30m`));
      await assertUnchanged(() =>
        submit(userId, EXTEND_CALLBACK_ID, active.grantId, { duration: { duration: input.staticSelect("30m") } }),
      );
    });
  }

  for (const [who, userId] of [
    ["the requester", people.alice.slackId],
    ["someone the policy does not name", people.mallory.slackId],
    ["the approver of another rule", more.grace.slackId],
  ] as const) {
    it(`refuses an extension decided by ${who}`, async () => {
      await assertUnchanged(() => press(userId, ACTION_EXTENSION_APPROVE, extension.id, extension.message));
      await assertUnchanged(() => press(userId, ACTION_EXTENSION_DENY, extension.id, extension.message));
    });
  }

  for (const [who, userId] of [
    ["the person who broke the glass", more.frank.slackId],
    ["someone the policy does not name", people.mallory.slackId],
    ["the approver of another rule", people.bob.slackId],
  ] as const) {
    it(`refuses a break-glass review by ${who}`, async () => {
      await assertUnchanged(() => press(userId, ACTION_REVIEW, brokenGlass.grantId, brokenGlass.message));
    });
  }

  /** Sends as another workspace and waits until the bot has refused it. */
  async function fromElsewhere(send: () => Promise<{ response: { status: number } }>): Promise<void> {
    await assertUnchanged(async () => {
      const before_ = ignored();
      assert.equal((await send()).response.status, 200);
      await world.slack.waitFor(() => ignored() > before_, 2000, "the bot to ignore it");
    }, undefined);
  }

  for (const [who, userId] of [
    ["someone of another workspace carrying an approver's email", more.eve.slackId],
    ["an approver's Slack id sent from another workspace", people.bob.slackId],
  ] as const) {
    it(`ignores every button pressed by ${who}`, async () => {
      const opens = world.slack.callsOf("views.open").length;
      for (const [actionId, value, on] of [
        [ACTION_APPROVE, engineers.grantId, engineers.message],
        [ACTION_DENY, engineers.grantId, engineers.message],
        [ACTION_EXTENSION_APPROVE, extension.id, extension.message],
        [ACTION_REVIEW, brokenGlass.grantId, brokenGlass.message],
        [ACTION_END_NOW, active.grantId, active.message],
      ] as const) {
        await fromElsewhere(() => foreign.click(userId, actionId, value, on, { unchecked: true }));
      }
      assert.equal(world.slack.callsOf("views.open").length, opens, "no form was opened for them");
    });
    it(`ignores a deny form submitted by ${who}`, async () => {
      await fromElsewhere(async () => ({
        response: await foreign
          .submitView(userId, { callbackId: DENY_REASON_CALLBACK_ID, privateMetadata: engineers.grantId }, {})
          .then((d) => d.response),
      }));
    });
  }

  it("ignores a click whose workspace is ours but whose user belongs to another", async () => {
    const payload = blockActionPayload({
      userId: more.eve.slackId,
      actionId: ACTION_APPROVE,
      value: engineers.grantId,
      channelId: engineers.message.channel,
      messageTs: engineers.message.ts,
      responseUrl: world.slack.responseUrl("slack-connect"),
    });
    (payload.user as { team_id: string }).team_id = FOREIGN_TEAM;
    await fromElsewhere(async () => ({
      response: await bot.driver.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString()),
    }));
  });

  it("refuses a request or a command from another workspace, even with a requester's email or Slack id", async () => {
    await assertUnchanged(async () => {
      for (const [userId, text] of [
        [more.trudy.slackId, "request prod ReadOnlyAccess 1h from outside"],
        [people.alice.slackId, "request prod ReadOnlyAccess 1h from outside"],
        [people.alice.slackId, `revoke ${active.grantId}`],
        [people.alice.slackId, ""],
      ] as const) {
        const delivery = await foreign.command(userId, text);
        assert.equal(delivery.response.status, 200);
        assert.equal(messageText(delivery.response.json() as { text?: unknown }), FOREIGN_WORKSPACE_REPLY);
      }
    }, undefined);
  });

  it("still lets each rule's own people act after all of that", async () => {
    await click(bot, people.dave.slackId, ACTION_APPROVE, engineers);
    await statusBecomes(bot, engineers.grantId, "active");
    await submit(more.grace.slackId, DENY_REASON_CALLBACK_ID, finance.grantId, { reason: { reason: input.text("use the report") } }, false);
    await statusBecomes(bot, finance.grantId, "denied");
    await click(bot, more.grace.slackId, ACTION_APPROVE, fourEyes);
    await statusBecomes(bot, fourEyes.grantId, "active");
  });
});
