// SIGKILL while a revocation fences the user's role sessions, ahead of the deletion or after it,
// then restart: each fence is written with the time of the revocation step that asked for it, the
// grant ends revoked with one session_fenced record, and the operation log shows both fences done.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { renderFence } from "../../src/domain/session-fence.js";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { fenceDenies, FENCE_POLICIES, timesNamed } from "../support/fence-sessions.js";
import { auditRows, click, eventually, request, type Requested } from "../support/flows.js";
import { pauseAt } from "../support/pause.js";
import { DEFAULT_POLICY, people, PROD, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore } from "../support/world-store.js";

const FENCED_POLICY = `sessionFence:\n  mode: scp\n${DEFAULT_POLICY}`;
const HOUR = 3_600_000;

describe("crash recovery of the session fence", () => {
  let world: World;
  const running: ChildBot[] = [];

  beforeEach(async () => {
    world = await startWorld(FENCED_POLICY, { sessionDurations: { AdministratorAccess: "PT8H" } });
    world.aws.setInProgressPolls(0);
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
  const crash = async (bot: ChildBot) => {
    await bot.kill("SIGKILL");
    await deadBotLeasesRunOut(world);
  };
  const grant = (grantId: string) => withWorldStore(world, (opened) => opened.store.get(grantId));
  const fenceOperations = async (grantId: string) =>
    (await withWorldStore(world, (opened) => opened.operations.forGrant(grantId))).filter((op) => op.kind === "fence");
  const aliceSession = (issuedAt: number) => ({
    principalId: world.principals.alice,
    accountId: PROD,
    permissionSetName: "AdministratorAccess",
    issuedAt,
  });

  /**
   * Alice's grant is active; the bot dies, the grant's time runs out meanwhile; the next bot is
   * killed while `operation` (an Organizations call of a fence write) is held, which AWS then
   * applies: the write of the fence ahead of the deletion, or the one after it. A third bot finishes.
   */
  async function crashWhileFencing(operation: string, phase: "ahead" | "after"): Promise<{ requested: Requested; sessionAt: number }> {
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    await click(first, people.bob.slackId, "jit_approve", requested);
    await eventually(async () => (await grant(requested.grantId))?.status === "active", 15_000, "the grant to become active");
    const sessionAt = Date.now();
    await crash(first);
    const expired = await withWorldStore(world, (opened) =>
      opened.store.amend(requested.grantId, "active", { expiresAt: Date.now() - 1000 }),
    );
    assert.ok(expired, "the grant is active");

    const deleted = () => world.aws.callsOf("DeleteAccountAssignment").length > 0;
    const pause = pauseAt(world.aws, operation, phase === "ahead" ? () => true : deleted);
    const second = await start();
    await pause.reached;
    if (phase === "ahead") assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0, "the fence comes before the deletion");
    else assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1, "the assignment was deleted before this fence");
    await crash(second);
    pause.release();
    return { requested, sessionAt };
  }

  const boundOf = (at: number) => new Date(Math.ceil(at / 1000) * 1000).toISOString().replace(".000Z", "Z");

  /** After the restart: revoked, fenced once ahead and once after the deletion, both operations done, the assignment gone. */
  async function assertFencedOnce(requested: Requested, sessionAt: number): Promise<void> {
    await eventually(async () => (await grant(requested.grantId))?.status === "revoked", 15_000, "the grant to be revoked");
    const records = await auditRows(world, requested.grantId);
    const fenced = records.filter((row) => row.action === "session_fenced");
    assert.equal(fenced.length, 1, "exactly one session_fenced record");
    assert.equal(records.filter((row) => row.action === "session_fence_full").length, 0);
    const revoked = records.find((row) => row.action === "revoked");
    assert.equal(revoked?.detail.sessionsFenced, true);

    const operations = await fenceOperations(requested.grantId);
    assert.deepEqual(
      operations.map((op) => op.state),
      ["succeeded", "succeeded"],
      "a fence ahead of the deletion and one after it, both finished",
    );
    const [ahead, after] = operations;
    const deletion = (await withWorldStore(world, (opened) => opened.operations.forGrant(requested.grantId))).find(
      (op) => op.kind === "delete",
    );
    assert.ok(ahead && after && deletion && ahead.id < deletion.id && deletion.id < after.id, "ahead, deletion, after, in that order");
    // Each fence keeps the time of the step that intended it, not of the restart.
    assert.equal(fenced[0]?.detail.fencedBefore, boundOf(ahead.createdAt), "session_fenced is the fence ahead");
    assert.equal(revoked?.detail.fencedBefore, boundOf(after.createdAt), "the revoked record gives the bound after the deletion");

    assert.deepEqual(world.aws.assignments(), [], "the assignment is gone");
    assert.ok(fenceDenies(world.aws, aliceSession(sessionAt)), "the session Alice opened while granted is denied");
    const bound = Date.parse(boundOf(after.createdAt));
    assert.ok(fenceDenies(world.aws, aliceSession(Date.parse(boundOf(ahead.createdAt)))), "so is one opened after the fence ahead");
    assert.ok(!fenceDenies(world.aws, aliceSession(bound)), "a session opened after the last fence is not");
    assert.ok(!fenceDenies(world.aws, { ...aliceSession(sessionAt), principalId: world.principals.carol }), "nor is anyone else's");
    assert.equal(timesNamed(world.aws, world.principals.alice), 1, "Alice is named once across the policies");
    for (const name of FENCE_POLICIES) assert.deepEqual(world.aws.scpTargets(name), [world.aws.rootId], `${name} is on the root`);

    const entries = await withWorldStore(world, (opened) => opened.fenceEntries.all());
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.grantId, requested.grantId);
    assert.equal(entries[0]?.fencedAt, bound);
    assert.equal(entries[0]?.liftAt, bound + 8 * HOUR, "lifted once the 8h session duration has passed");
  }

  const lastFence = async (grantId: string) => (await fenceOperations(grantId)).at(-1)?.state;

  it("writes the fence ahead after a restart when killed before any policy was written, then deletes", async () => {
    const { requested, sessionAt } = await crashWhileFencing("ListPolicies", "ahead");
    assert.equal(world.aws.scpContent(FENCE_POLICIES[0]), undefined, "no policy was written before the crash");
    assert.equal(await lastFence(requested.grantId), "intended", "the crash left the fence intended");
    await start();
    await assertFencedOnce(requested, sessionAt);
  });

  it("fences once ahead when killed after AWS created the policy holding the fence, before the bot recorded it", async () => {
    const { requested, sessionAt } = await crashWhileFencing("CreatePolicy", "ahead");
    await eventually(async () => timesNamed(world.aws, world.principals.alice) === 1, 5000, "AWS to apply the creation");
    assert.equal(await lastFence(requested.grantId), "intended", "the crash left the outcome unrecorded");
    await start();
    await assertFencedOnce(requested, sessionAt);
  });

  it("fences once after the deletion when killed after AWS updated the policy, before the bot recorded it", async () => {
    // The policies exist and are attached, as a bot that fenced before would have left them.
    const idle = renderFence([], new Set(), 1).documents[0] as string;
    for (const name of FENCE_POLICIES) world.aws.addScp(name, idle, [world.aws.rootId]);
    const { requested, sessionAt } = await crashWhileFencing("UpdatePolicy", "after");
    const after = await fenceOperations(requested.grantId);
    assert.deepEqual(
      after.map((op) => op.state),
      ["succeeded", "intended"],
      "the fence ahead was done; the crash left the one after the deletion unrecorded",
    );
    await eventually(
      async () => world.aws.scpContent(FENCE_POLICIES[0])?.includes(boundOf(after[1]?.createdAt ?? 0)) === true,
      5000,
      "AWS to apply the update",
    );
    const updates = world.aws.callsOf("UpdatePolicy").length;
    await start();
    await assertFencedOnce(requested, sessionAt);
    assert.equal(world.aws.callsOf("UpdatePolicy").length, updates, "the policy already said it: not written again");
    assert.equal(world.aws.callsOf("CreatePolicy").length, 0);
  });
});
