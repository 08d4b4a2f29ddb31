// Access the bot did not give, or that two grants share, is never taken away early.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, request, statusBecomes, waitForDm } from "../support/flows.js";
import { people, PROD, type World } from "../support/world.js";

const HOUR = 3_600_000;

describe("assignments the bot does not own alone", () => {
  let world: World;
  let bot: TestBot;

  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  const aliceAdmin = () => ({
    accountId: PROD,
    permissionSetArn: world.permissionSets.AdministratorAccess,
    principalId: world.principals.alice,
  });

  it("leaves an assignment the user already had in place at expiry, and says so", async () => {
    world.aws.addAssignment(aliceAdmin());
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h already have it");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    const dm = await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.match(dm, /already had this access outside jit-slack/);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.keepsAssignment, true);

    bot.clock.advance(HOUR + 1000);
    await waitForDm(world, people.alice.slackId, /has ended/);
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0);
    assert.ok(world.aws.hasAssignment(aliceAdmin()), "the pre-existing assignment survives");
    const revoked = (await auditRows(world, requested.grantId)).find((r) => r.action === "revoked");
    assert.match(JSON.stringify(revoked?.detail), /"assignmentRemoved":false.*had this assignment before/);
  });

  it("keeps a shared assignment until the last grant on it ends", async () => {
    const first = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h first");
    await click(bot, people.bob.slackId, "jit_approve", first);
    await waitForDm(world, people.alice.slackId, /Access granted.*\(jit/s);
    bot.clock.advance(30 * 60_000);
    const second = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h second");
    await click(bot, people.bob.slackId, "jit_approve", second);
    await statusBecomes(bot, second.grantId, "active");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1, "the second grant reuses the assignment");
    assert.equal((await bot.bot.deps.store.get(second.grantId))?.keepsAssignment, false, "the bot made it, so the bot may remove it");

    bot.clock.advance(31 * 60_000); // the first grant has expired, the second has not
    await statusBecomes(bot, first.grantId, "revoked");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0);
    assert.ok(world.aws.hasAssignment(aliceAdmin()));

    bot.clock.advance(30 * 60_000);
    await statusBecomes(bot, second.grantId, "revoked");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1);
    assert.equal(world.aws.assignments().length, 0);
  });

  it("treats an assignment already deleted outside the bot as revoked", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h gone early");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    // Someone removes the assignment by hand in the AWS console.
    assert.ok(world.aws.removeAssignment(aliceAdmin()));
    assert.equal(world.aws.assignments().length, 0);
    bot.clock.advance(HOUR + 1000);
    await waitForDm(world, people.alice.slackId, /has ended/);
    const revoked = (await auditRows(world, requested.grantId)).find((r) => r.action === "revoked");
    assert.match(JSON.stringify(revoked?.detail), /already gone/);
  });
});
