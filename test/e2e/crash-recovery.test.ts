// SIGKILL at each step of granting and revoking, then restart: AWS and the store must agree, with
// no orphaned assignment, no grant shown active without one, and prior access untouched.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { DescribeAccountAssignmentCreationStatusCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { auditRows, click, eventually, request, slash, waitForDm, type Requested } from "../support/flows.js";
import { pauseAt } from "../support/pause.js";
import { people, PROD, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore } from "../support/world-store.js";

describe("crash recovery", () => {
  let world: World;
  const running: ChildBot[] = [];

  beforeEach(async () => {
    world = await startWorld();
    // AWS applies a change once it accepts it, whether or not anyone asks for its status.
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
  /** SIGKILL, and the time it takes the dead bot's leases to run out (see deadBotLeasesRunOut). */
  const crash = async (bot: ChildBot | undefined) => {
    await bot?.kill("SIGKILL");
    await deadBotLeasesRunOut(world);
  };
  const grant = (grantId: string) => withWorldStore(world, (opened) => opened.store.get(grantId));
  /** Time passes while the bot is down: the active grant's expiry goes by. */
  const expireWhileDown = async (grantId: string) => {
    const expired = await withWorldStore(world, (opened) => opened.store.amend(grantId, "active", { expiresAt: Date.now() - 1000 }));
    assert.ok(expired, `${grantId} is active`);
  };
  const aliceAdmin = () => ({
    accountId: PROD,
    permissionSetArn: world.permissionSets.AdministratorAccess,
    principalId: world.principals.alice,
  });
  const becomes = (grantId: string, status: string) =>
    eventually(async () => (await grant(grantId))?.status === status, 15_000, `${grantId} to become ${status}`);

  /** Approve, kill the bot while `operation` is in flight, restart; returns the new bot. */
  async function crashWhileGranting(operation: string): Promise<{ bot: ChildBot; requested: Requested }> {
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    const pause = pauseAt(world.aws, operation);
    await click(first, people.bob.slackId, "jit_approve", requested);
    await pause.reached;
    await crash(first);
    pause.release();
    return { bot: await start(), requested };
  }

  for (const operation of ["GetUserId", "ListAccountAssignments", "CreateAccountAssignment"]) {
    it(`finishes a grant when killed during ${operation}, with exactly one assignment`, async () => {
      const { requested } = await crashWhileGranting(operation);
      await becomes(requested.grantId, "active");
      await waitForDm(world, people.alice.slackId, /Access granted/);
      assert.deepEqual(
        world.aws.assignments().map((a) => a.principalId),
        [world.principals.alice],
      );
      assert.ok(world.aws.callsOf("CreateAccountAssignment").length <= 2);

      // And it still expires cleanly.
      const [bot] = running.splice(-1);
      await crash(bot);
      await expireWhileDown(requested.grantId);
      await start();
      await becomes(requested.grantId, "revoked");
      assert.deepEqual(world.aws.assignments(), []);
    });
  }

  async function crashWhileRevoking(operation: string): Promise<Requested> {
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    await click(first, people.bob.slackId, "jit_approve", requested);
    await becomes(requested.grantId, "active");
    await crash(first);
    await expireWhileDown(requested.grantId);

    const pause = pauseAt(world.aws, operation);
    const second = await start();
    await pause.reached;
    await crash(second);
    pause.release();
    await start();
    return requested;
  }

  for (const operation of ["DeleteAccountAssignment", "ListAccountAssignmentDeletionStatus"]) {
    it(`finishes a revocation when killed during ${operation}, leaving no assignment behind`, async () => {
      world.aws.setInProgressPolls(1);
      const requested = await crashWhileRevoking(operation);
      await becomes(requested.grantId, "revoked");
      await waitForDm(world, people.alice.slackId, /has ended/);
      assert.deepEqual(world.aws.assignments(), []);
    });
  }

  it("never removes an assignment the user had before, when killed while checking for it", async () => {
    world.aws.addAssignment(aliceAdmin());
    const { requested } = await crashWhileGranting("ListAccountAssignments");
    await becomes(requested.grantId, "active");
    assert.equal((await grant(requested.grantId))?.keepsAssignment, true);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);

    const [bot] = running.splice(-1);
    await crash(bot);
    await expireWhileDown(requested.grantId);
    await start();
    await becomes(requested.grantId, "revoked");
    assert.ok(world.aws.hasAssignment(aliceAdmin()));
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0);
  });

  it("keeps an approval Slack got the 200 for when the bot is killed that instant, and provisions it after a restart", async () => {
    // Looking the approver up in Slack takes a while, as in a busy workspace; the approval can only
    // be written once it is answered.
    world.slack.setLatency(300, "users.info");
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    const clicked = await first.driver.click(people.bob.slackId, "jit_approve", requested.grantId, requested.message, { unchecked: true });
    await crash(first);
    assert.equal(clicked.response.status, 200);

    await start();
    await becomes(requested.grantId, "active");
    await waitForDm(world, people.alice.slackId, /Access granted/);
    const approvals = (await auditRows(world, requested.grantId)).filter((row) => row.action === "approved");
    assert.equal(approvals.length, 1);
    assert.equal(approvals[0]?.actorId, people.bob.slackId);
  });

  it("removes the assignment of a grant stopped during CreateAccountAssignment, when killed before deleting it", async () => {
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    const creation = pauseAt(world.aws, "CreateAccountAssignment");
    await click(first, people.bob.slackId, "jit_approve", requested);
    await creation.reached;
    assert.match(await slash(first, people.alice.slackId, `revoke ${requested.grantId}`), /being removed/);
    await crash(first);
    creation.release();
    await eventually(async () => world.aws.hasAssignment(aliceAdmin()), 5000, "AWS to apply the creation it had accepted");

    await start();
    await becomes(requested.grantId, "revoked");
    assert.deepEqual(world.aws.assignments(), [], "nothing is left in AWS");
    assert.equal((await grant(requested.grantId))?.activatedAt, null);
  });

  it("follows a creation AWS is still making to its end before removing it, for a grant stopped as the bot making it died", async () => {
    world.aws.setInProgressPolls(3);
    const first = await start();
    const requested = await request(first, world, people.alice.slackId, "prod AdministratorAccess 1h crash test");
    const polling = pauseAt(world.aws, "ListAccountAssignmentCreationStatus");
    await click(first, people.bob.slackId, "jit_approve", requested);
    await polling.reached;
    assert.match(await slash(first, people.alice.slackId, `revoke ${requested.grantId}`), /being removed/);
    await crash(first);
    polling.release();

    await start();
    await becomes(requested.grantId, "revoked");
    // AWS carries out whatever creation it had accepted; once it has, nothing may be left.
    const creation = (await withWorldStore(world, (opened) => opened.operations.forGrant(requested.grantId))).find(
      (op) => op.kind === "create",
    );
    assert.ok(creation?.requestId, "the creation AWS accepted is in the operation log");
    const sso = new SSOAdminClient({
      endpoint: world.aws.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const settled = await eventually(
        async () => {
          const { AccountAssignmentCreationStatus: status } = await sso.send(
            new DescribeAccountAssignmentCreationStatusCommand({
              InstanceArn: world.aws.instanceArn,
              AccountAssignmentCreationRequestId: creation.requestId ?? "",
            }),
          );
          return status?.Status !== "IN_PROGRESS" && status?.Status;
        },
        5000,
        "AWS to finish the creation",
      );
      assert.equal(settled, "SUCCEEDED");
    } finally {
      sso.destroy();
    }
    assert.deepEqual(world.aws.assignments(), [], "the assignment it created was removed after it");
  });

  it("never shows a grant active without its assignment, when killed while AWS is still creating it", async () => {
    world.aws.setInProgressPolls(3);
    const { requested } = await crashWhileGranting("ListAccountAssignmentCreationStatus");
    await becomes(requested.grantId, "active");
    assert.ok(world.aws.hasAssignment(aliceAdmin()));
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1, "followed up by request id, not repeated");
  });
});
