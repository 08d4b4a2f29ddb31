// What a rule can ask of a request, through signed requests: quorum, tickets, auto-approval,
// break-glass, pending timeouts; then extensions, early revocation and the expiry warning with its buttons.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { input } from "../../src/simulators/slack-payloads.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, eventually, request, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { UX_POLICY } from "../support/ux-policy.js";
import { EXTEND_CALLBACK_ID } from "../../src/slack/ids.js";
import { APPROVALS, people, PROD, type World } from "../support/world.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("rule options, extensions and ending early", () => {
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
  const messageOf = (grantId: string) => world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(grantId));

  describe("quorum", () => {
    it("keeps a request pending after one approval, counts an approver once, and grants on the second distinct approval", async () => {
      const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h --ticket INC-42 payments are failing");
      const first = await click(bot, people.bob.slackId, "jit_approve", requested);
      assert.match(await first.reply(), /Your approval of jit-\w+ is recorded: 1 of 2/);
      assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
      await eventually(
        async () => /approved so far by <@U0BOB> \(1 of 2\)/.test(messageText(messageOf(requested.grantId))),
        5000,
        "progress on the message",
      );
      assert.equal(findButtons(messageOf(requested.grantId)?.blocks).length, 2, "the buttons stay until the quorum is met");

      const again = await click(bot, people.bob.slackId, "jit_approve", requested);
      assert.match(await again.reply(), /already approved/);
      assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);

      await click(bot, people.dave.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");
      assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
      const actions = (await auditRows(world, requested.grantId)).map((r) => r.action);
      assert.deepEqual(actions.slice(0, 3), ["requested", "approval_recorded", "approved"]);
      const approved = (await auditRows(world, requested.grantId))[2]?.detail ?? {};
      assert.equal(approved.approvers, "U0BOB U0DAVE", "the audit record names every approver");
      assert.equal(approved.ticket, "INC-42");
      assert.match(messageText(messageOf(requested.grantId)), /Approvals: <@U0BOB>, <@U0DAVE>/);
    });
  });

  describe("rule checks", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["a missing ticket", "request prod AdministratorAccess 1h payments are failing", /requires a ticket reference/],
      [
        "a malformed ticket",
        "request prod AdministratorAccess 1h --ticket incident42 payments are failing",
        /does not look like a ticket reference/,
      ],
      ["a short justification", "request prod AdministratorAccess 1h --ticket INC-1 broken", /at least 10 characters/],
    ];
    for (const [what, text, expected] of cases) {
      it(`refuses ${what}, storing nothing`, async () => {
        assert.match(await slash(bot, people.alice.slackId, text), expected);
        assert.equal((await auditRows(world)).length, 0);
      });
    }
  });

  it("auto-approves under a rule that says so, posting a notice without buttons", async () => {
    const reply = await slash(bot, people.alice.slackId, "request sandbox ReadOnlyAccess 1h quick look");
    assert.match(reply, /approved automatically/);
    const grantId = grantIdIn(reply);
    await statusBecomes(bot, grantId, "active");
    const notice = messageOf(grantId);
    assert.ok(notice);
    assert.deepEqual(findButtons(notice.blocks), []);
    assert.match(messageText(notice), /Approved automatically by the rule/);
    assert.equal((await auditRows(world, grantId)).find((r) => r.action === "approved")?.actorId, "system");
  });

  it("grants break-glass access at once, posts it loudly for review, and lets an approver acknowledge it", async () => {
    const reply = await slash(bot, people.carol.slackId, "request prod AdministratorAccess 1h --ticket SEV-1 database is down hard");
    const grantId = grantIdIn(reply);
    await statusBecomes(bot, grantId, "active");
    assert.ok((await auditRows(world, grantId)).some((r) => r.action === "break_glass"));
    const notice = messageOf(grantId);
    assert.ok(notice);
    assert.deepEqual(
      findButtons(notice.blocks).map((b) => b.actionId),
      ["jit_review_ack"],
    );

    const review = await slash(bot, people.mallory.slackId, "list --review");
    assert.ok(review.includes(grantId), "an admin sees it in the review list");
    assert.match(await slash(bot, people.bob.slackId, "list --review"), /Only jit-slack admins/);

    const own = await bot.driver.click(people.carol.slackId, "jit_review_ack", grantId, { channel: notice.channel, ts: notice.ts });
    assert.match(messageText((await own.waitForResponse()).body), /cannot review your own/);
    await bot.driver.click(people.bob.slackId, "jit_review_ack", grantId, { channel: notice.channel, ts: notice.ts });
    await eventually(async () => (await bot.bot.deps.store.get(grantId))?.reviewedBy === people.bob.slackId, 5000, "the review");
    assert.doesNotMatch(await slash(bot, people.mallory.slackId, "list --review"), new RegExp(grantId));
  });

  it("expires a request nobody decides within the rule's approval timeout", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h --ticket INC-7 rotate the keys now");
    bot.clock.advance(31 * MINUTE);
    await statusBecomes(bot, requested.grantId, "expired");
    await waitForDm(world, people.alice.slackId, /expired: nobody decided in time/);
    // The message is updated alongside the DM, not necessarily before it.
    await world.slack.waitFor(
      () => findButtons(messageOf(requested.grantId)?.blocks).length === 0,
      5000,
      "the approval message without its buttons",
    );
    const late = await click(bot, people.bob.slackId, "jit_approve", requested);
    assert.match(await late.reply(), /already been expired/);
  });

  describe("extensions", () => {
    async function activeReadOnly(duration: string) {
      const requested = await request(bot, world, people.alice.slackId, `prod ReadOnlyAccess ${duration} investigating`);
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");
      return requested;
    }

    it("asks the approvers for more time within the rule's maximum total, and applies it when approved", async () => {
      const requested = await activeReadOnly("8h");
      const before = (await bot.bot.deps.store.get(requested.grantId))?.expiresAt ?? 0;
      const reply = await slash(bot, people.alice.slackId, `extend ${requested.grantId} 1h`);
      assert.match(reply, /Extension ext-\w+ .* was sent to the approvers/);
      const extensionMessage = await world.slack.waitFor(() =>
        world.slack.messagesIn(APPROVALS).find((m) => /Extension ext-/.test(messageText(m))),
      );
      const extensionId = /(ext-[a-z0-9]{8})/.exec(messageText(extensionMessage))?.[1] ?? "";
      await bot.driver.click(people.bob.slackId, "jit_ext_approve", extensionId, {
        channel: extensionMessage.channel,
        ts: extensionMessage.ts,
      });
      await eventually(async () => (await bot.bot.deps.store.get(requested.grantId))?.expiresAt === before + HOUR, 5000, "the extension");
      await waitForDm(world, people.alice.slackId, /now ends/);
    });

    it("refuses an extension past the rule's maximum total, saying how much is left", async () => {
      const requested = await activeReadOnly("8h");
      assert.match(await slash(bot, people.alice.slackId, `extend ${requested.grantId} 2h`), /allows 9h, so at most 1h more/);
    });

    it("extends at once under an auto-approving rule", async () => {
      const reply = await slash(bot, people.alice.slackId, "request sandbox AdministratorAccess 1h deploy test");
      const grantId = grantIdIn(reply);
      await statusBecomes(bot, grantId, "active");
      assert.match(await slash(bot, people.alice.slackId, `extend ${grantId} 2h`), /now ends/);
    });

    it("words an extension applied at once alike by slash command and by the Extend form", async () => {
      const grantId = grantIdIn(await slash(bot, people.alice.slackId, "request sandbox AdministratorAccess 1h deploy test"));
      await statusBecomes(bot, grantId, "active");
      const bySlash = await slash(bot, people.alice.slackId, `extend ${grantId} 30m`);
      const dms = () => world.slack.messagesIn(world.slack.dmChannelOf(people.alice.slackId)).map(messageText);
      const before = dms().length;
      await bot.driver.submitView(
        people.alice.slackId,
        { callbackId: EXTEND_CALLBACK_ID, privateMetadata: grantId },
        { duration: { duration: input.staticSelect("30m") } },
      );
      const byForm = await world.slack.waitFor(
        () =>
          dms()
            .slice(before)
            .find((text) => text.startsWith(":heavy_plus_sign:")),
        5000,
        "the form's answer",
      );
      const withoutDate = (text: string) => text.replace(/<!date\^[^>]*>/g, "<date>");
      assert.match(bySlash, /AdministratorAccess on .* \(jit-\w+\) now ends/);
      assert.equal(withoutDate(byForm), withoutDate(bySlash));
    });

    it("refuses the Extend button pressed by someone other than the requester, and audits the refusal as the command does", async () => {
      const requested = await activeReadOnly("1h");
      const delivery = await bot.driver.click(people.carol.slackId, "jit_extend", requested.grantId, requested.message, {
        unchecked: true,
      });
      assert.match(messageText((await delivery.waitForResponse()).body), /Only the requester of jit-\w+ can ask to extend it/);
      const refused = await eventually(
        async () => (await auditRows(world, requested.grantId)).find((r) => r.action === "refused"),
        5000,
        "the refusal on record",
      );
      assert.deepEqual([refused.actorId, refused.detail.attempt], [people.carol.slackId, "extend"]);
      assert.equal(world.slack.lastView({ callbackId: EXTEND_CALLBACK_ID }), undefined);
    });

    it("refuses an extension asked by someone else", async () => {
      const requested = await activeReadOnly("1h");
      assert.match(await slash(bot, people.carol.slackId, `extend ${requested.grantId} 1h`), /Only the requester/);
    });
  });

  describe("ending early", () => {
    it("lets the requester end a grant, removing the access", async () => {
      const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h done soon");
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");
      assert.match(await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`), /has ended/);
      await statusBecomes(bot, requested.grantId, "revoked");
      assert.equal(world.aws.assignments().length, 0);
      const started = (await auditRows(world, requested.grantId)).find((r) => r.action === "revocation_started");
      assert.equal(started?.actorId, people.alice.slackId);
    });

    it("lets an admin end someone else's grant, and refuses everyone else", async () => {
      const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h done soon");
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");
      assert.match(await slash(bot, people.carol.slackId, `revoke ${requested.grantId}`), /Only the requester .* or a jit-slack admin/);
      assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "active");
      assert.match(await slash(bot, people.mallory.slackId, `revoke ${requested.grantId}`), /has ended/);
      await statusBecomes(bot, requested.grantId, "revoked");
      assert.equal(
        (await auditRows(world, requested.grantId)).find((r) => r.action === "revocation_started")?.actorId,
        people.mallory.slackId,
      );
    });

    it("lets the requester withdraw a pending request", async () => {
      const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h changed my mind");
      assert.match(await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`), /withdrawn/);
      assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "cancelled");
      assert.match(messageText(messageOf(requested.grantId)), /Withdrawn by the requester/);
    });
  });

  it("warns before expiry with working Extend and End now buttons", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h short job");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    bot.clock.advance(51 * MINUTE);
    const warning = await world.slack.waitFor(
      () => world.slack.messagesIn(world.slack.dmChannelOf(people.alice.slackId)).find((m) => findButtons(m.blocks).length > 0),
      8000,
      "the warning DM",
    );
    assert.deepEqual(
      findButtons(warning.blocks)
        .map((b) => b.actionId)
        .sort(),
      ["jit_end_now", "jit_extend"],
    );
    assert.equal((await auditRows(world, requested.grantId)).filter((r) => r.action === "expiry_warning").length, 1);

    await bot.driver.click(people.alice.slackId, "jit_extend", requested.grantId, { channel: warning.channel, ts: warning.ts });
    const modal = await world.slack.waitFor(() => world.slack.lastView({ callbackId: "jit_extend" }), 5000, "the extend modal");
    assert.equal(modal.userId, people.alice.slackId);

    await bot.driver.click(people.alice.slackId, "jit_end_now", requested.grantId, { channel: warning.channel, ts: warning.ts });
    await statusBecomes(bot, requested.grantId, "revoked");
    assert.equal(world.aws.assignments().length, 0);
    assert.ok(
      !world.aws.hasAssignment({
        accountId: PROD,
        permissionSetArn: world.permissionSets.ReadOnlyAccess,
        principalId: world.principals.alice,
      }),
    );
  });

  it("lists the caller's pending and active grants", async () => {
    const pending = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h waiting one");
    const listed = await slash(bot, people.alice.slackId, "list");
    assert.ok(listed.includes(pending.grantId));
    assert.doesNotMatch(await slash(bot, people.carol.slackId, "list"), new RegExp(pending.grantId));
  });

  it("lists what the caller may request in /jit help", async () => {
    const help = await slash(bot, people.carol.slackId, "help");
    assert.match(help, /sandbox/);
    assert.match(help, /ReadOnlyAccess/);
    assert.match(help, /break.glass/i);
  });

  it("answers help and list in the ack itself, with no call to the response_url", async () => {
    const pending = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h listed in the ack");
    const repliesBefore = world.slack.responses.length;
    for (const [text, expected] of [
      ["help", /ReadOnlyAccess/],
      ["list", new RegExp(pending.grantId)],
    ] as const) {
      const delivery = await bot.driver.command(people.alice.slackId, text);
      assert.equal(delivery.response.status, 200);
      const answer = delivery.response.json() as { response_type?: unknown; text?: unknown };
      assert.equal(answer.response_type, "ephemeral", `/jit ${text} answers ephemerally in the ack`);
      assert.match(messageText(answer), expected);
    }
    await bot.settled();
    assert.equal(world.slack.responses.length, repliesBefore, "nothing went to a response_url");
  });

  it("acks help at once when Slack is slow to say who the caller is, and sends the answer through the response_url", async () => {
    const newcomer = { id: "U0SLOWLOOK", email: "slow@example.com", name: "slow" };
    world.slack.addUser(newcomer);
    world.slack.setLatency(2_500, "users.info");
    const delivery = await bot.driver.command(newcomer.id, "help");
    // Bolt answers 404 itself if the listener has not acked within 3 s; the answer would have been in the body had it been waited for.
    assert.equal(delivery.response.status, 200);
    assert.equal(delivery.response.body, "", "the ack went empty rather than wait for the lookup");
    const reply = await delivery.waitForResponse();
    assert.equal(reply.body.response_type, "ephemeral");
    assert.match(messageText(reply.body), /jit-slack/i);
  });
});
