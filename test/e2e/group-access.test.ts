// Identity Center group access: a rule offers a group, an approved request adds the requester to it
// (CreateGroupMembership) and its end removes them (DeleteGroupMembership), with the guarantees of
// assignments: standing membership kept, overlapping grants sharing one membership, the session
// fence on every permission set the group is assigned, and approvers shown what the group gives.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, startTestBot, type TestBot } from "../support/in-process-bot.js";
import { reconcile } from "../../src/services/reconcile.js";
import { auditRows, click, request, slash, statusBecomes } from "../support/flows.js";
import { messageText } from "../../src/simulators/fake-slack.js";
import { addGroup, GROUP, GROUP_POLICY } from "../support/group-policy.js";
import { APPROVALS, people, PROD, SANDBOX, startWorld, type World } from "../support/world.js";

const HOUR = 3_600_000;

describe("group access", () => {
  let world: World;
  let bot: TestBot;
  let groupId = "";
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    `sessionFence:\n  mode: scp\n${GROUP_POLICY}`,
    {
      prepare: (w) => {
        groupId = addGroup(w);
      },
    },
  );

  async function granted(duration = "1h") {
    const requested = await request(bot, world, people.alice.slackId, `group ${GROUP} ${duration} deploying the fix`);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    return requested;
  }

  it("adds the requester to the group when approved and removes them at expiry, audited with the group", async () => {
    const requested = await granted();
    assert.equal(world.aws.isMember(groupId, world.principals.alice), true);
    const grant = await bot.bot.deps.store.get(requested.grantId);
    assert.equal(grant?.groupId, groupId);
    assert.equal(grant?.accountId, "");

    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, requested.grantId, "revoked");
    assert.equal(world.aws.isMember(groupId, world.principals.alice), false);
    const rows = await auditRows(world, requested.grantId);
    const revoked = rows.find((row) => row.action === "revoked");
    assert.equal(revoked?.detail.assignmentRemoved, true);
    assert.equal(revoked?.detail.group, GROUP);
    const kinds = (await bot.bot.deps.operations.forGrant(requested.grantId)).map((op) => `${op.kind}:${op.state}`);
    // The sessions are fenced ahead of the removal and again after it (session-fence.ts).
    assert.deepEqual(kinds, ["add-member:succeeded", "fence:succeeded", "remove-member:succeeded", "fence:succeeded"]);
    assert.equal(world.aws.callsOf("CreateGroupMembership").length, 1);
    assert.equal(world.aws.callsOf("DeleteGroupMembership").length, 1);
  });

  it("shows the approvers what the group is assigned", async () => {
    const requested = await request(bot, world, people.alice.slackId, `group ${GROUP} 1h deploying the fix`);
    const message = world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(requested.grantId));
    const text = JSON.stringify(message);
    assert.match(text, /Membership gives/);
    assert.match(text, /AdministratorAccess on prod \(111122223333\)/);
    assert.match(text, /ReadOnlyAccess on sandbox/);
  });

  it("never removes a membership the user had before the grant", async () => {
    world.aws.addMembership(groupId, world.principals.alice);
    const requested = await granted();
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, requested.grantId, "revoked");
    assert.equal(world.aws.isMember(groupId, world.principals.alice), true);
    const revoked = (await auditRows(world, requested.grantId)).find((row) => row.action === "revoked");
    assert.equal(revoked?.detail.assignmentRemoved, false);
    assert.match(String(revoked?.detail.keptBecause), /member of the group before the grant/);
    assert.equal(world.aws.callsOf("CreateGroupMembership").length, 0);
    assert.equal(world.aws.callsOf("DeleteGroupMembership").length, 0);
  });

  it("keeps the membership until the last of two overlapping grants ends", async () => {
    const first = await granted("1h");
    const second = await granted("2h");
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, first.grantId, "revoked");
    assert.equal(world.aws.isMember(groupId, world.principals.alice), true, "the second grant still holds it");
    bot.clock.advance(HOUR);
    await statusBecomes(bot, second.grantId, "revoked");
    assert.equal(world.aws.isMember(groupId, world.principals.alice), false);
  });

  it("fences the user's sessions on every permission set the group is assigned", async () => {
    const requested = await granted();
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, requested.grantId, "revoked");
    const entries = (await bot.bot.deps.sessionFence.entries.all()).filter((entry) => entry.grantId === requested.grantId);
    assert.deepEqual(entries.map((entry) => `${entry.principalId}|${entry.accountId}|${entry.permissionSetName}`).sort(), [
      `${world.principals.alice}|${PROD}|AdministratorAccess`,
      `${world.principals.alice}|${SANDBOX}|ReadOnlyAccess`,
    ]);
    const fenced = (await auditRows(world, requested.grantId)).find((row) => row.action === "session_fenced");
    assert.equal(fenced?.detail.group, GROUP);
  });

  it("ends a grant whose membership was removed outside the bot (drift)", async () => {
    const requested = await granted();
    world.aws.removeMembership(groupId, world.principals.alice);
    bot.clock.advance(3 * 60_000);
    const report = await reconcile(bot.bot.deps, { dryRun: false });
    assert.deepEqual(
      report.missing.map((grant) => grant.id),
      [requested.grantId],
    );
    await statusBecomes(bot, requested.grantId, "revoked");
    assert.ok((await auditRows(world, requested.grantId)).some((row) => row.action === "drift_detected"));
  });

  it("removes a membership the bot added that outlived its grant (orphan)", async () => {
    const requested = await granted();
    const { store } = bot.bot.deps;
    // The grant ends in the store only, as if its removal had been lost.
    await store.transition(requested.grantId, "active", "revoking", {}, null);
    await store.transition(requested.grantId, "revoking", "revoked", { endedAt: bot.clock.now() }, null);
    assert.equal(world.aws.isMember(groupId, world.principals.alice), true);
    const report = await reconcile(bot.bot.deps, { dryRun: false });
    assert.deepEqual(report.orphanMemberships, [{ groupId, principalId: world.principals.alice }]);
    assert.equal(world.aws.isMember(groupId, world.principals.alice), false);
    const orphan = (await auditRows(world, requested.grantId)).find((row) => row.action === "orphan_removed");
    assert.equal(orphan?.detail.removed, true);
    assert.deepEqual((await reconcile(bot.bot.deps, { dryRun: true })).orphanMemberships, [], "nothing left to repair");
  });

  it("refuses a group no rule offers, suggesting the ones the requester may ask for", async () => {
    const reply = await slash(bot, people.alice.slackId, "request group other-team 1h because");
    assert.match(reply, /There is no group .other-team. in the policy\. Groups you may request: prod-admins\./);
    assert.equal(world.aws.callsOf("CreateGroupMembership").length, 0);
  });
});

describe("group access at start", () => {
  it("refuses to start when a group the policy names does not exist", async () => {
    const world = await startWorld(GROUP_POLICY);
    try {
      await assert.rejects(startTestBot(world), /Groups named in the policy do not exist in the identity store .*: prod-admins\./);
    } finally {
      await world.close();
    }
  });
});
