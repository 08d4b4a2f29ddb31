// Several (account, permission set) pairs in one request: one justification, one approval message
// listing every target and the rule approving it, one click per approver group, and each pair its
// own grant underneath (its own assignment, audit records and outcome).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Grant } from "../../src/domain/grant.js";
import { messageText, type FakeMessage } from "../../src/simulators/fake-slack.js";
import { findButtons, input } from "../../src/simulators/slack-payloads.js";
import { auditRows, deny, eventually, grantCount, slash, statusBecomes, waitForDm, type Requested } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, PROD, SANDBOX, type World } from "../support/world.js";

const STAGING = "777788889999";
const SECURITY = "C0SECURITY";

const POLICY = `
maxTargetsPerRequest: 4
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${STAGING}", name: staging }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [ReadOnlyAccess, AdministratorAccess, Billing]
rules:
  - name: read-anywhere
    accounts: [prod, staging, sandbox]
    permissionSets: [ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}, ${people.dave.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
  - name: admin-prod
    accounts: [prod]
    permissionSets: [AdministratorAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.carol.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 2h
  - name: billing
    accounts: [prod]
    permissionSets: [Billing]
    requesters: [${people.alice.slackId}]
    approvers: [${people.carol.slackId}]
    approverChannel: ${SECURITY}
    maxDuration: 2h
`;

/** `/jit request …` for several targets: the reply, the grants made, and the approval message in `channel`. */
async function requestMany(bot: TestBot, world: World, args: string, channel = APPROVALS) {
  const reply = await slash(bot, people.alice.slackId, `request ${args}`);
  const bundleId = /Request (req-[a-z0-9]{8})/.exec(reply)?.[1];
  assert.ok(bundleId, `no request id in reply: ${reply}`);
  const message = await world.slack.waitFor(
    () => world.slack.messagesIn(channel).find((m) => messageText(m).includes(bundleId)),
    5000,
    `approval message for ${bundleId}`,
  );
  const grants = await bot.bot.deps.store.listBundle(bundleId);
  return { reply, bundleId, message, grants };
}

function current(world: World, message: FakeMessage): FakeMessage {
  const now = world.slack.messages.get(`${message.channel}:${message.ts}`);
  assert.ok(now, "the approval message is still there");
  return now;
}

/** The Approve buttons of the message, one per part still waiting, in order. */
function approveButtons(world: World, message: FakeMessage): string[] {
  return findButtons(current(world, message).blocks)
    .filter((button) => button.actionId === "jit_approve")
    .map((button) => button.value ?? "");
}

async function clickApprove(bot: TestBot, userId: string, value: string, message: FakeMessage) {
  const delivery = await bot.driver.click(userId, "jit_approve", value, { channel: message.channel, ts: message.ts });
  assert.equal(delivery.response.status, 200);
  return delivery;
}

function onTarget(grants: readonly Grant[], accountId: string, permissionSet: string): Grant {
  const grant = grants.find((g) => g.accountId === accountId && g.permissionSetName === permissionSet);
  assert.ok(grant, `a grant for ${permissionSet} on ${accountId}`);
  return grant;
}

describe("several targets in one request", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    POLICY,
    { prepare: (w) => void w.aws.addPermissionSet("Billing") },
  );

  it("grants every pair of one approver group with one click, each as its own grant and assignment", async () => {
    const { reply, bundleId, message, grants } = await requestMany(bot, world, "prod,staging ReadOnlyAccess 1h checking the rollout");
    assert.match(reply, /2 targets/);
    assert.equal(grants.length, 2);
    assert.ok(grants.every((g) => g.status === "pending" && g.bundleId === bundleId && g.justification === "checking the rollout"));
    const text = messageText(message);
    assert.match(text, /ReadOnlyAccess\* on prod \(111122223333\)/);
    assert.match(text, /ReadOnlyAccess\* on staging \(777788889999\)/);
    assert.match(text, /rule "read-anywhere"/);
    assert.equal(world.slack.messagesIn(APPROVALS).length, 1, "one approval message for the whole request");

    const buttons = approveButtons(world, message);
    assert.equal(buttons.length, 1, "one approver group: one Approve");
    await clickApprove(bot, people.bob.slackId, buttons[0] ?? "", message);
    for (const grant of grants) await statusBecomes(bot, grant.id, "active");

    assert.equal(world.aws.assignments().length, 2, "one assignment per pair");
    for (const grant of grants) {
      const actions = (await auditRows(world, grant.id)).map((row) => row.action);
      assert.deepEqual(actions.slice(0, 2), ["requested", "approved"], `${grant.id}: ${actions.join(", ")}`);
      const requested = (await auditRows(world, grant.id)).find((row) => row.action === "requested");
      assert.equal(requested?.detail?.request, bundleId);
    }
    await eventually(async () => approveButtons(world, message).length === 0, 5000, "the buttons gone once decided");
    assert.match(messageText(current(world, message)), /active until/);
    assert.match(messageText(current(world, message)), new RegExp(`Approved by <@${people.bob.slackId}>`));
  });

  it("lets each approver group decide its own part, and tells the requester which parts are granted", async () => {
    const { grants, message } = await requestMany(bot, world, "prod ReadOnlyAccess,AdministratorAccess 1h incident 7");
    const read = onTarget(grants, PROD, "ReadOnlyAccess");
    const admin = onTarget(grants, PROD, "AdministratorAccess");
    const [readPart, adminPart] = approveButtons(world, message);
    assert.ok(readPart && adminPart, "two parts, two Approve buttons");
    assert.match(messageText(message), /Part 1 of 2/);

    // Bob approves the read-only part; he is no approver of the admin part.
    const refused = await clickApprove(bot, people.bob.slackId, readPart === read.id ? adminPart : readPart, message);
    assert.match(messageText((await refused.waitForResponse()).body), /not an approver for rule "admin-prod"/);
    assert.equal((await bot.bot.deps.store.get(admin.id))?.status, "pending", "the refused click changed nothing");
    await clickApprove(bot, people.bob.slackId, readPart === read.id ? readPart : adminPart, message);
    await statusBecomes(bot, read.id, "active");
    assert.equal((await bot.bot.deps.store.get(admin.id))?.status, "pending", "the other part still waits for its approvers");
    await eventually(async () => approveButtons(world, message).length === 1, 5000, "only the undecided part keeping its buttons");

    await deny(
      bot,
      world,
      people.carol.slackId,
      { grantId: admin.id, message: { channel: message.channel, ts: message.ts } },
      "use read-only",
    );
    await statusBecomes(bot, admin.id, "denied");
    assert.equal((await bot.bot.deps.store.get(read.id))?.status, "active", "denying one part leaves the granted one");
    const summary = await waitForDm(world, people.alice.slackId, /denied by <@U0CAROL>/);
    assert.match(summary, /ReadOnlyAccess\* on prod \(111122223333\) — :unlock: active until/);
    assert.match(summary, /AdministratorAccess\* on prod \(111122223333\) — :no_entry: denied/);
    assert.equal(world.aws.assignments().length, 1);
  });

  it("posts each part to its own rule's channel, with buttons only where it is decided", async () => {
    const { message, grants } = await requestMany(bot, world, "prod ReadOnlyAccess,Billing 1h quarter close");
    const security = await world.slack.waitFor(() => world.slack.messagesIn(SECURITY)[0], 5000, "the security channel's message");
    assert.equal(approveButtons(world, message).length, 1);
    assert.equal(approveButtons(world, security).length, 1);
    assert.match(messageText(message), new RegExp(`decided in <#${SECURITY}>`));
    await clickApprove(bot, people.carol.slackId, approveButtons(world, security)[0] ?? "", security);
    await statusBecomes(bot, onTarget(grants, PROD, "Billing").id, "active");
    // Both channels' messages show the outcome.
    await eventually(
      async () => /Billing\* on prod \(111122223333\) — :unlock:/.test(messageText(current(world, message))),
      5000,
      "update",
    );
  });

  it("grants the pairs AWS accepts and reports the one it fails", async () => {
    world.aws.failCreationsOn(STAGING, "Received a 404 status error: Not supported policy");
    const { grants, message } = await requestMany(bot, world, "prod,staging,sandbox ReadOnlyAccess 1h audit prep");
    await clickApprove(bot, people.dave.slackId, approveButtons(world, message)[0] ?? "", message);
    await statusBecomes(bot, onTarget(grants, PROD, "ReadOnlyAccess").id, "active");
    await statusBecomes(bot, onTarget(grants, SANDBOX, "ReadOnlyAccess").id, "active");
    await statusBecomes(bot, onTarget(grants, STAGING, "ReadOnlyAccess").id, "failed");
    assert.deepEqual(
      world.aws
        .assignments()
        .map((a) => a.accountId)
        .sort(),
      [PROD, SANDBOX].sort(),
    );
    const failure = await waitForDm(world, people.alice.slackId, /could not be granted/);
    assert.match(failure, /staging/);
    assert.match(failure, /Not supported policy/);
    await eventually(
      async () =>
        /ReadOnlyAccess\* on staging \(777788889999\) — :x: failed: .*Not supported policy/.test(messageText(current(world, message))),
      5000,
      "the failure shown in the approval message",
    );
  });

  it("refuses the whole request, storing nothing, when any pair may not be requested", async () => {
    const reply = await slash(bot, people.alice.slackId, "request prod,staging AdministratorAccess 1h need it");
    assert.match(reply, /AdministratorAccess on staging: /);
    const tooMany = await slash(bot, people.alice.slackId, "request prod,staging,sandbox ReadOnlyAccess,Billing 1h lots");
    assert.match(tooMany, /6 account and permission set pairs; one request may ask for at most 4/);
    const tooLong = await slash(bot, people.alice.slackId, "request prod ReadOnlyAccess,AdministratorAccess 3h long");
    assert.match(tooLong, /AdministratorAccess on prod: .*2h/);
    assert.equal(await grantCount(world), 0, "nothing stored for a refused request");
  });

  it("offers several accounts and permission sets in the form and requests every chosen pair", async () => {
    const delivery = await bot.driver.command(people.alice.slackId, "");
    assert.equal(delivery.response.status, 200);
    const view = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: "jit_request", userId: people.alice.slackId }),
      5000,
      "the form",
    );
    const element = (blockId: string) =>
      (view.blocks as Array<{ block_id?: string; element?: Record<string, unknown> }>).find((b) => b.block_id === blockId)?.element;
    assert.equal(element("account")?.type, "multi_static_select");
    assert.equal(element("account")?.max_selected_items, 4, "no more than the policy allows");
    assert.equal(element("permission_set")?.type, "multi_static_select");

    const values = (accounts: string[], sets: string[]) => ({
      account: { account: input.multiStaticSelect(accounts) },
      permission_set: { [String(element("permission_set")?.action_id)]: input.multiStaticSelect(sets) },
      duration: { [String(element("duration")?.action_id)]: input.staticSelect("1h") },
      justification: { justification: input.text("rotating keys everywhere") },
    });
    const refused = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      values([PROD, STAGING], ["AdministratorAccess"]),
    );
    const errors = (refused.response.json() as { errors?: Record<string, string> }).errors ?? {};
    assert.match(errors.account ?? errors.permission_set ?? "", /AdministratorAccess on 777788889999/);
    assert.equal(await grantCount(world), 0, "nothing stored");

    const good = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      values([PROD, STAGING], ["ReadOnlyAccess"]),
    );
    assert.equal(good.response.body, "", "the modal closes");
    await eventually(async () => (await grantCount(world)) === 2, 5000, "two grants");
    const message = await world.slack.waitFor(() => world.slack.messagesIn(APPROVALS)[0], 5000, "the approval message");
    assert.match(messageText(message), /2 targets/);
    const confirmation = await waitForDm(world, people.alice.slackId, /Request req-[a-z0-9]{8} for 2 targets/);
    assert.match(confirmation, /rotating keys|ReadOnlyAccess/);
  });

  it("counts two approvers clicking the same part at once as one decision per grant", async () => {
    const { grants, message } = await requestMany(bot, world, "prod,staging ReadOnlyAccess 1h racing");
    const [part] = approveButtons(world, message);
    await Promise.all([people.bob.slackId, people.dave.slackId].map((id) => clickApprove(bot, id, part ?? "", message)));
    for (const grant of grants) await statusBecomes(bot, grant.id, "active");
    for (const grant of grants) {
      const approved = (await auditRows(world, grant.id)).filter((row) => row.action === "approved");
      assert.equal(approved.length, 1, `${grant.id} approved once`);
    }
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 2);
  });
});

export type { Requested };
