// Words people type (justifications, tickets, deny reasons) cannot pass for the bot's own text:
// invisible characters are dropped and do not count towards a rule's minimum, and wherever the
// words are shown (approval message, approvers' and requester's DMs, audit channel, /jit list, the
// deny form) they are quoted plain text, in which Slack renders no formatting and no emoji codes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { parseAuditBlockId } from "../../src/slack/views/audit-text.js";
import { textObjects } from "../support/block-kit-limits.js";
import { auditRows, deny, dmsTo, eventually, request, slash } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { NOTIFYING_POLICY } from "../support/notifying-policy.js";
import { APPROVALS, AUDIT, people, type World } from "../support/world.js";

/** What the bot's own status lines look like, typed by someone else. */
const FORGED = ":white_check_mark: *Approved* by @bob · :unlock: _active_ ~until~ tomorrow https://evil.example";
const FORGED_MARK = "*Approved* by @bob";
const FORGED_TICKET = ":white_check_mark:*INC-1*";

/**
 * Every text object showing `words` renders them as typed: plain_text with emoji codes left as
 * letters, each line carrying them opening with the bot's label and quote.
 */
function assertShownAsTyped(where: string, node: unknown, words: string): void {
  const carrying = textObjects(node).filter((text) => text.text.includes(words));
  assert.ok(carrying.length > 0, `${where} shows the words`);
  for (const text of carrying) {
    assert.equal(text.type, "plain_text", `${where}: ${JSON.stringify(text)}`);
    assert.equal(text.emoji, false, `${where}: ${JSON.stringify(text)}`);
    for (const line of text.text.split("\n").filter((l) => l.includes(words))) {
      assert.match(line, /^(Justification|Ticket|Reason): “/, `${where}: ${line}`);
    }
  }
}

function assertNotInFallback(where: string, message: { text?: string } | undefined, words: string): void {
  assert.ok(!(message?.text ?? "").includes(words), `${where}'s notification text carries no typed words`);
}

describe("words people type", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    NOTIFYING_POLICY,
  );

  const carrying = (messages: ReturnType<World["slack"]["messagesIn"]>, id: string) => messages.filter((m) => messageText(m).includes(id));

  it("are shown as typed plain text everywhere: approval message, approvers' DMs, audit channel, /jit list, deny form, outcome and requester's DM", async () => {
    const requested = await request(bot, world, people.alice.slackId, `prod AdministratorAccess 1h --ticket ${FORGED_TICKET} ${FORGED}`);
    const [posted] = carrying(world.slack.messagesIn(APPROVALS), requested.grantId);
    assertShownAsTyped("the approval request", posted?.blocks, FORGED_MARK);
    assertShownAsTyped("the approval request", posted?.blocks, FORGED_TICKET);
    assertNotInFallback("the approval request", posted, FORGED_MARK);
    for (const approver of [people.bob, people.dave]) {
      const dm = await world.slack.waitFor(
        () => carrying(dmsTo(world, approver.slackId), requested.grantId)[0],
        5000,
        `a DM to ${approver.slackId}`,
      );
      assertShownAsTyped(`${approver.slackId}'s DM`, dm.blocks, FORGED_MARK);
    }

    const list = await bot.driver.command(people.alice.slackId, "list");
    const answer = (list.response.body !== "" ? list.response.json() : (await list.waitForResponse()).body) as { blocks?: unknown };
    assertShownAsTyped("/jit list", answer.blocks, FORGED_TICKET);

    await deny(bot, world, people.bob.slackId, requested, FORGED);
    const form = world.slack.lastView({ callbackId: "jit_deny_reason", userId: people.bob.slackId });
    assertShownAsTyped("the deny form", form?.blocks, FORGED_MARK);
    await eventually(async () => (await bot.bot.deps.store.get(requested.grantId))?.status === "denied", 5000, "the denial");
    const decided = await world.slack.waitFor(
      () => carrying(world.slack.messagesIn(APPROVALS), requested.grantId).find((m) => messageText(m).includes("Reason")),
      5000,
      "the approval message to show the denial",
    );
    assertShownAsTyped("the denied request", decided.blocks, FORGED_MARK);
    assert.equal(textObjects(decided.blocks).filter((t) => t.type === "plain_text" && t.text.startsWith("Reason: “")).length, 1);
    const told = await world.slack.waitFor(
      () => dmsTo(world, people.alice.slackId).find((m) => /was denied/.test(messageText(m))),
      5000,
      "the requester's DM",
    );
    assertShownAsTyped("the requester's DM", told.blocks, FORGED_MARK);
    assertNotInFallback("the requester's DM", told, FORGED_MARK);

    const records = (await auditRows(world, requested.grantId)).filter((r) => r.action === "requested" || r.action === "denied");
    for (const record of records) {
      const section = await world.slack.waitFor(
        () =>
          world.slack
            .messagesIn(AUDIT)
            .flatMap((m) => (m.blocks ?? []) as Array<{ block_id?: string }>)
            .find((b) => b.block_id !== undefined && parseAuditBlockId(b.block_id)?.seq === record.seq),
        5000,
        `the audit post of ${record.action}`,
      );
      assertShownAsTyped(`the audit post of ${record.action}`, section, FORGED_MARK);
    }
    assert.equal(records.length, 2);
  });

  it("lose their invisible characters, which do not count towards the rule's minimum length", async () => {
    const padded = await slash(bot, people.alice.slackId, `request prod ReadOnlyAccess 1h ${"\u200b".repeat(20)}ok`);
    assert.match(padded, /at least 10 characters, not counting spaces/);
    const spaced = await slash(bot, people.alice.slackId, "request prod ReadOnlyAccess 1h o k a y t h e n");
    assert.match(spaced, /at least 10 characters/);
    assert.equal((await auditRows(world)).length, 0, "nothing stored");

    const requested = await request(
      bot,
      world,
      people.alice.slackId,
      "prod ReadOnlyAccess 1h ad\u200bmin \u202eaccess needed\u202c --ticket INC\u200d-7",
    );
    const stored = await bot.bot.deps.store.get(requested.grantId);
    assert.equal(stored?.justification, "admin access needed");
    assert.equal(stored?.ticket, "INC-7");
  });
});
