// Revocation starts when the grant expires, not at the next sweep.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { click, request, statusBecomes, waitForDm } from "../support/flows.js";
import { people, type World } from "../support/world.js";

/** Sweeps 59 s apart (the most the setting allows): a revocation that waited for the next one would start most of a minute late. */
const SWEEP_SECONDS = 59;

describe("expiry precision", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS) },
  );

  it("calls DeleteAccountAssignment at expires_at, not at the next sweep", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h precise");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    const grant = await bot.bot.deps.store.get(requested.grantId);
    assert.ok(grant?.expiresAt);

    // Bring the expiry to 2.2 s from now: the next sweep is almost a minute after that.
    bot.clock.advance(grant.expiresAt - bot.clock.now() - 2200);
    const expiresAtReal = grant.expiresAt - (bot.clock.now() - Date.now());
    await bot.bot.tick(); // a sweep that finds nothing due yet, and arms the expiry timer
    await statusBecomes(bot, requested.grantId, "revoked");
    const deleted = world.aws.callsOf("DeleteAccountAssignment")[0];
    assert.ok(deleted);
    const lag = deleted.at - expiresAtReal;
    assert.ok(lag >= 0, `revoked ${-lag} ms before expiry`);
    // Typically a few milliseconds; the slack is for a loaded machine, far below the minute to the next sweep.
    assert.ok(lag < 3_000, `revocation started ${lag} ms after expiry`);
  });
});
