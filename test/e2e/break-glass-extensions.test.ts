// More time on break-glass access: it goes to the approvers like any extension, and access someone
// has already reviewed needs reviewing again once it is extended.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually, slash, statusBecomes } from "../support/flows.js";
import { UX_POLICY } from "../support/ux-policy.js";
import { APPROVALS, people, type World } from "../support/world.js";

const MINUTE = 60_000;

describe("break-glass extensions", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    UX_POLICY,
  );

  const grantIdIn = (text: string) => /(jit-[a-z0-9]{8})/.exec(text)?.[1] ?? "";
  const noticeOf = (grantId: string) =>
    world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(grantId) && !/Extension ext-/.test(messageText(m)));

  /** Carol breaks glass on prod (rule prod-admin: two approvals, 2h at most in all). */
  async function breakGlass(): Promise<string> {
    const reply = await slash(bot, people.carol.slackId, "request prod AdministratorAccess 1h --ticket SEV-1 database is down hard");
    const grantId = grantIdIn(reply);
    await statusBecomes(bot, grantId, "active");
    return grantId;
  }

  async function askForMore(grantId: string): Promise<{ extensionId: string; message: { channel: string; ts: string } }> {
    assert.match(
      await slash(bot, people.carol.slackId, `extend ${grantId} 30m`),
      /Extension ext-\w+ for jit-\w+ was sent to the approvers/,
    );
    const posted = await world.slack.waitFor(
      () => world.slack.messagesIn(APPROVALS).find((m) => /Extension ext-/.test(messageText(m))),
      5000,
      "the extension request",
    );
    return { extensionId: /(ext-[a-z0-9]{8})/.exec(messageText(posted))?.[1] ?? "", message: { channel: posted.channel, ts: posted.ts } };
  }

  it("sends a break-glass grant's extension to its approvers instead of granting it at once", async () => {
    const grantId = await breakGlass();
    const before = (await bot.bot.deps.store.get(grantId))?.expiresAt;
    const { extensionId } = await askForMore(grantId);
    assert.equal((await bot.bot.deps.store.get(grantId))?.expiresAt, before, "no time was added by breaking glass");
    assert.equal((await bot.bot.deps.extensions.get(extensionId))?.status, "pending");
    assert.ok(!(await auditRows(world, grantId)).some((row) => row.action === "extended"));
  });

  it("puts reviewed break-glass access back on the review list once it is extended, and audits that", async () => {
    const grantId = await breakGlass();
    const notice = noticeOf(grantId);
    assert.ok(notice);
    await bot.driver.click(people.bob.slackId, "jit_review_ack", grantId, { channel: notice.channel, ts: notice.ts });
    await eventually(async () => (await bot.bot.deps.store.get(grantId))?.reviewedBy === people.bob.slackId, 5000, "the review");
    assert.doesNotMatch(await slash(bot, people.mallory.slackId, "list --review"), new RegExp(grantId));

    const before = (await bot.bot.deps.store.get(grantId))?.expiresAt ?? 0;
    const { extensionId, message } = await askForMore(grantId);
    await bot.driver.click(people.bob.slackId, "jit_ext_approve", extensionId, message);
    await bot.driver.click(people.dave.slackId, "jit_ext_approve", extensionId, message);
    await eventually(async () => (await bot.bot.deps.store.get(grantId))?.expiresAt === before + 30 * MINUTE, 5000, "the extension");

    const extended = await bot.bot.deps.store.get(grantId);
    assert.equal(extended?.reviewedBy, null);
    assert.equal(extended?.reviewedAt, null);
    assert.match(await slash(bot, people.mallory.slackId, "list --review"), new RegExp(grantId), "an admin sees it to review again");
    const record = (await auditRows(world, grantId)).find((row) => row.action === "extended");
    assert.equal(record?.detail.reviewReopened, true);
    await world.slack.waitFor(
      () => findButtons(noticeOf(grantId)?.blocks).some((button) => button.actionId === "jit_review_ack"),
      5000,
      "the Acknowledge button back on the notice",
    );
  });
});
