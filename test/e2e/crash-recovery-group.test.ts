// SIGKILL while adding the requester to the group: CreateGroupMembership reaches AWS, its
// MembershipId never reaches the log. The restarted bot finds the membership (GetGroupMembershipId)
// instead of adding it again, records it, and still removes it at expiry.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { click, eventually, request } from "../support/flows.js";
import { addGroup, GROUP, GROUP_POLICY } from "../support/group-policy.js";
import { pauseAt } from "../support/pause.js";
import { people, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore } from "../support/world-store.js";

describe("crash recovery of group access", () => {
  let world: World;
  let groupId = "";
  const running: ChildBot[] = [];

  beforeEach(async () => {
    world = await startWorld(GROUP_POLICY, {
      prepare: (w) => {
        groupId = addGroup(w);
      },
    });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bot) => bot.kill()));
    await world.close();
  });

  const start = async () => {
    const bot = await startChildBot(world);
    running.push(bot);
    return bot;
  };
  const grant = (grantId: string) => withWorldStore(world, (opened) => opened.store.get(grantId));
  const becomes = (grantId: string, status: string) =>
    eventually(async () => (await grant(grantId))?.status === status, 15_000, `${grantId} to become ${status}`);

  it("finds the membership a crash left unrecorded, adds it once, and removes it at expiry", async () => {
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, `group ${GROUP} 1h crash test`);
    const pause = pauseAt(world.aws, "CreateGroupMembership");
    await click(first, people.bob.slackId, "jit_approve", requested);
    await pause.reached;
    await first.kill("SIGKILL");
    await deadBotLeasesRunOut(world);
    // AWS makes the membership; nobody is left to record its id.
    pause.release();
    await eventually(async () => world.aws.isMember(groupId, world.principals.alice), 5000, "the membership to be made");
    const before = await withWorldStore(world, (opened) => opened.operations.forGrant(requested.grantId));
    assert.deepEqual(
      before.map((op) => [op.kind, op.state, op.requestId]),
      [["add-member", "intended", null]],
    );

    const second = await start();
    await becomes(requested.grantId, "active");
    assert.equal(world.aws.callsOf("CreateGroupMembership").length, 1, "not added twice");
    const after = await withWorldStore(world, (opened) => opened.operations.forGrant(requested.grantId));
    const [added] = after;
    assert.equal(added?.state, "succeeded");
    assert.match(String(added?.requestId), /^[0-9a-f-]{36}$/, "the MembershipId GetGroupMembershipId answered");

    await second.kill("SIGKILL");
    await deadBotLeasesRunOut(world);
    const expired = await withWorldStore(world, (opened) =>
      opened.store.amend(requested.grantId, "active", { expiresAt: Date.now() - 1000 }),
    );
    assert.ok(expired);
    await start();
    await becomes(requested.grantId, "revoked");
    assert.equal(world.aws.isMember(groupId, world.principals.alice), false);
  });
});
