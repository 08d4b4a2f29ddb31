// Who the bot is in AWS: an assumed role when configured, and Identity Store lookups cached.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { click, request, statusBecomes } from "../support/flows.js";
import { people, type World } from "../support/world.js";

const ROLE = "arn:aws:iam::123456789012:role/jit-slack-provisioner";

describe("AWS identity", () => {
  describe("with AWS_ROLE_ARN", () => {
    let world: World;
    let bot: TestBot;
    freshBotForEachTest(
      (w, b) => {
        world = w;
        bot = b;
      },
      { AWS_ROLE_ARN: ROLE },
    );

    it("assumes the role with a session name that identifies the bot, and signs every call with it", async () => {
      const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h audit check");
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");

      const assumed = world.aws.callsOf("AssumeRole");
      assert.ok(assumed.length >= 1);
      assert.equal(assumed[0]?.input.RoleArn, ROLE);
      assert.match(String(assumed[0]?.input.RoleSessionName), /^jit-slack@[\w+=,.@-]+$/);
      assert.equal(assumed[0]?.accessKeyId, "test", "the role is assumed with the base credentials");

      const sessionKeys = new Set(world.aws.calls.filter((c) => c.operation !== "AssumeRole").map((c) => c.accessKeyId));
      assert.equal(sessionKeys.size, 1, "one session for all calls");
      assert.match([...sessionKeys][0] ?? "", /^ASIA/, "every other call uses the assumed role's temporary key");
      assert.ok(world.aws.callsOf("CreateAccountAssignment").length === 1);
    });
  });

  describe("Identity Store lookups", () => {
    let world: World;
    let bot: TestBot;
    freshBotForEachTest((w, b) => {
      world = w;
      bot = b;
    });

    it("are cached, so a second grant for the same person does not look them up again", async () => {
      for (const args of ["prod ReadOnlyAccess 1h first", "sandbox ReadOnlyAccess 1h second"]) {
        const requested = await request(bot, world, people.alice.slackId, args);
        await click(bot, people.bob.slackId, "jit_approve", requested);
        await statusBecomes(bot, requested.grantId, "active");
      }
      assert.equal(world.aws.callsOf("GetUserId").length, 1);
      assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 2);
      assert.ok(
        world.aws.calls.every((c) => c.accessKeyId === "test"),
        "without AWS_ROLE_ARN the base credentials sign everything",
      );
    });
  });
});
