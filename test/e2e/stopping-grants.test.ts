// Approved grants on their way into AWS: they can be stopped by their requester or an admin, and
// one AWS cannot start within its rule's activation timeout fails instead of starting late.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, eventually, request, slash, statusBecomes, waitForDm, type Requested } from "../support/flows.js";
import { pauseAt, type Pause } from "../support/pause.js";
import { APPROVALS, people, PROD, SANDBOX, type World } from "../support/world.js";

const MINUTE = 60_000;

const POLICY = `
admins: [${people.dave.slackId}]
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}, ${people.dave.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
    approvalTimeout: 30m
    activationTimeout: 15m
`;

describe("stopping approved grants", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    POLICY,
  );

  const grant = (grantId: string) => bot.bot.deps.store.get(grantId);
  const actions = async (grantId: string) => (await auditRows(world, grantId)).map((row) => row.action);
  const approvalMessage = (requested: Requested) =>
    messageText(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`));
  /** The bot has let go of the grant: whatever it was doing with AWS for it is over. */
  const settled = (grantId: string) =>
    eventually(async () => !bot.bot.deps.work.isClaimed(grantId), 8000, `the bot to let go of ${grantId}`);
  /** Alice asks, Bob approves, and the bot's first call of `operation` to AWS is held there. */
  async function approvedAndHeldAt(operation: string, what: string): Promise<{ requested: Requested; held: Pause }> {
    const held = pauseAt(world.aws, operation);
    const requested = await request(bot, world, people.alice.slackId, what);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await held.reached;
    return { requested, held };
  }

  it("lets the requester cancel a grant approved while AWS is still looking the user up, creating nothing", async () => {
    const { requested, held: lookup } = await approvedAndHeldAt("GetUserId", "prod AdministratorAccess 1h cancel me");
    assert.equal((await grant(requested.grantId))?.status, "approved");

    assert.match(await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`), /withdrawn/);
    lookup.release();
    await settled(requested.grantId);

    assert.equal((await grant(requested.grantId))?.status, "cancelled");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    assert.deepEqual(world.aws.assignments(), []);
    assert.deepEqual(await actions(requested.grantId), ["requested", "approved", "cancelled"]);
    const cancelled = (await auditRows(world, requested.grantId)).at(-1);
    assert.equal(cancelled?.actorId, people.alice.slackId);
    assert.equal(cancelled?.detail.from, "approved");
    await world.slack.waitFor(() => /Withdrawn/.test(approvalMessage(requested)), 5000, "the approval message to say it was withdrawn");
  });

  it("lets an admin stop a grant during CreateAccountAssignment, removing the assignment once AWS has made it", async () => {
    const { requested, held: creation } = await approvedAndHeldAt("CreateAccountAssignment", "prod AdministratorAccess 1h stop me");
    assert.equal((await grant(requested.grantId))?.status, "provisioning");

    assert.match(await slash(bot, people.dave.slackId, `revoke ${requested.grantId}`), /being removed/);
    assert.equal((await grant(requested.grantId))?.status, "revoking");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0, "nothing is deleted while the creation is under way");

    creation.release();
    await statusBecomes(bot, requested.grantId, "revoked");
    assert.deepEqual(world.aws.assignments(), [], "the assignment AWS made is gone");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
    const deletes = world.aws.callsOf("DeleteAccountAssignment");
    assert.equal(deletes.length, 1);
    const creationDone = world.aws.callsOf("ListAccountAssignmentCreationStatus").at(-1)?.at ?? Infinity;
    assert.ok((deletes[0]?.at ?? 0) >= creationDone, "deleted only after the creation was followed to its end");

    const stopped = await grant(requested.grantId);
    assert.equal(stopped?.activatedAt, null, "it never became active");
    assert.deepEqual(await actions(requested.grantId), ["requested", "approved", "revocation_started", "revoked"]);
    const started = (await auditRows(world, requested.grantId)).find((row) => row.action === "revocation_started");
    assert.equal(started?.actorId, people.dave.slackId);
    assert.equal(started?.detail.reason, "admin");
    await waitForDm(world, people.alice.slackId, /stopped before it became active; nothing of it is left in AWS/);
  });

  it("fails an approved grant AWS could not start within the activation timeout, telling the requester and the approvers, and never starts it", async () => {
    // One attempt's worth of 500s on the user lookup (the provider tries 5 times), then AWS is healthy again.
    world.aws.failNext("GetUserId", { code: "InternalServerException", message: "try later", status: 500 }, 5);
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h during an outage");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await eventually(
      async () => bot.logger.lines.some((line) => line.message.startsWith("provisioning interrupted")),
      8000,
      "the interrupted attempt",
    );
    assert.equal((await grant(requested.grantId))?.status, "approved");

    bot.clock.advance(16 * MINUTE);
    await bot.bot.tick();
    await statusBecomes(bot, requested.grantId, "failed");
    await waitForDm(world, people.alice.slackId, /could not be granted: AWS did not grant it within 15m of its approval/);
    await world.slack.waitFor(
      () => /Failed: AWS did not grant it within 15m/.test(approvalMessage(requested)),
      5000,
      "the approval message to say it failed",
    );
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    assert.deepEqual(world.aws.assignments(), []);
    assert.deepEqual(await actions(requested.grantId), ["requested", "approved", "failed"]);
  });

  it("removes an assignment AWS finishes creating only after the activation timeout, instead of starting the grant late", async () => {
    const { requested, held: status } = await approvedAndHeldAt(
      "ListAccountAssignmentCreationStatus",
      "prod AdministratorAccess 1h slow creation",
    );
    bot.clock.advance(16 * MINUTE);
    status.release();

    await statusBecomes(bot, requested.grantId, "revoked");
    assert.deepEqual(world.aws.assignments(), []);
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1);
    const stopped = await grant(requested.grantId);
    assert.equal(stopped?.activatedAt, null, "it never became active");
    assert.match(stopped?.failureReason ?? "", /within 15m of its approval/);
    assert.deepEqual(await actions(requested.grantId), ["requested", "approved", "failed", "revoked"]);
    await waitForDm(world, people.alice.slackId, /could not be granted: AWS did not grant it within 15m/);
    assert.ok(!world.slack.messagesIn(world.slack.dmChannelOf(people.alice.slackId)).some((m) => /Access granted/.test(messageText(m))));
  });

  it("counts a grant that starts late, within its activation timeout, from its activation", async () => {
    const { requested, held: lookup } = await approvedAndHeldAt("GetUserId", "prod ReadOnlyAccess 1h a little late");
    bot.clock.advance(10 * MINUTE);
    lookup.release();
    await statusBecomes(bot, requested.grantId, "active");
    const active = await grant(requested.grantId);
    assert.equal((active?.expiresAt ?? 0) - (active?.activatedAt ?? 0), 60 * MINUTE);
  });
});
