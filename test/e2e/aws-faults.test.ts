// AWS answers that are slow or conflicting still end in exactly one assignment.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { click, request, statusBecomes } from "../support/flows.js";
import { people, type World } from "../support/world.js";

describe("AWS faults while granting", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  it("retries a ConflictException (a racing write) with backoff and grants once", async () => {
    world.aws.failNext("CreateAccountAssignment", { code: "ConflictException", message: "Operation already in progress" }, 2);
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h conflict");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").filter((c) => !c.error).length, 1);
    assert.equal(world.aws.assignments().length, 1);
  });

  it("waits through a slow IN_PROGRESS and only then reports the grant active", async () => {
    world.aws.setInProgressPolls(6);
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h slow");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    assert.ok(world.aws.callsOf("ListAccountAssignmentCreationStatus").length >= 5, "one status listing per IN_PROGRESS seen");
    assert.equal(world.aws.assignments().length, 1);
  });

  it("retries 500s on the status poll and still finishes", async () => {
    world.aws.failNext("ListAccountAssignmentCreationStatus", { code: "InternalServerException", message: "oops", status: 500 }, 2);
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h flaky status");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1, "the creation is followed up, not repeated");
    assert.equal(world.aws.callsOf("ListAccountAssignmentCreationStatus").filter((c) => c.error).length, 2);
  });
});
