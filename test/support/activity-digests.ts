// The steps the activity-digest tests share, whatever source the bot reads: a grant made active,
// ended, and its digest found in the approval thread.
import assert from "node:assert/strict";
import { PARTIAL_RETRY_DELAYS_MS } from "../../src/services/activity-digest.js";
import { messageText } from "../../src/simulators/fake-slack.js";
import { click, eventually, request, slash, statusBecomes, type Requested } from "./flows.js";
import type { TestBot } from "./in-process-bot.js";
import { APPROVALS, people, type World } from "./world.js";

export const MINUTE = 60_000;
export const ADMIN_ROLE = "AWSReservedSSO_AdministratorAccess_0123456789abcdef";
/** The fake's permission sets last an hour (PT1H) and no fence applies: the window runs an hour past the end. */
export const SESSION_MS = 60 * MINUTE;
export const DELAY_MS = 15 * MINUTE;

/** The steps, on the world and bot of the test running (`current` is asked at each step). */
export function digestSteps(current: () => { readonly world: World; readonly bot: TestBot }) {
  const digestIn = (requested: Requested) =>
    current()
      .world.slack.messagesIn(APPROVALS)
      .find((m) => m.threadTs === requested.message.ts && /Activity of/.test(messageText(m)));
  return {
    /** Alice's grant of `target` for an hour, approved by bob and active. */
    async activeGrant(target = "prod AdministratorAccess"): Promise<Requested> {
      const { world, bot } = current();
      const requested = await request(bot, world, people.alice.slackId, `${target} 1h checking the payments queue`);
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");
      return requested;
    },
    /** Alice revokes it. */
    async end(requested: Requested): Promise<void> {
      const { bot } = current();
      assert.match(await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`), /jit-/);
      await statusBecomes(bot, requested.grantId, "revoked");
    },
    /** The first read after the delay comes out partial, and is kept to be read again rather than posted. */
    async partialFirstRead(requested: Requested): Promise<void> {
      const { bot } = current();
      bot.clock.advance(SESSION_MS + DELAY_MS + MINUTE);
      await eventually(
        async () => (await bot.bot.deps.activity?.digests.get(requested.grantId))?.attempts === 1,
        20_000,
        "a partial first read",
      );
      assert.equal(digestIn(requested), undefined, "a partial read is not posted while it can be tried again");
      assert.ok(bot.logger.lines.some((line) => line.message === "activity digest is partial; will read again"));
    },
    /**
     * Moves the clock past each read again of a partial digest (5, 15 and 60 minutes after the
     * last), waiting for each read; the one after the third is its last.
     */
    async spendRetries(requested: Requested): Promise<void> {
      const { bot } = current();
      for (const [read, wait] of PARTIAL_RETRY_DELAYS_MS.entries()) {
        await eventually(
          async () => (await bot.bot.deps.activity?.digests.get(requested.grantId))?.attempts === read + 1,
          10_000,
          `read ${read + 1}`,
        );
        bot.clock.advance(wait + MINUTE);
      }
    },
    digestIn,
    digestPosted: (requested: Requested) =>
      current().world.slack.waitFor(() => digestIn(requested), 20_000, "the activity digest in the approval thread"),
  };
}
