// The whole grant lifecycle through signed Slack requests, fake Slack and fake AWS on loopback.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import {
  auditRows,
  click,
  deny,
  denyUnlessRefused,
  dmsTo,
  postedAction,
  postedAuditRecords,
  request,
  waitForDm,
} from "../support/flows.js";
import { APPROVALS, AUDIT, people, PORTAL, PROD, type World } from "../support/world.js";

const HOUR = 3_600_000;

describe("grant lifecycle", () => {
  let world: World;
  let bot: TestBot;

  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
  });

  it("requests, approves, provisions, expires and revokes, telling everyone and auditing each step", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 2h investigating INC-42");

    const approval = world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
    const text = messageText(approval);
    assert.match(text, /<@U0ALICE>/);
    assert.match(text, /prod \(111122223333\)/);
    assert.match(text, /AdministratorAccess/);
    assert.match(text, /2h/);
    assert.match(text, /investigating INC-42/);
    assert.deepEqual(
      findButtons(approval?.blocks).map((b) => [b.actionId, b.value]),
      [
        ["jit_approve", requested.grantId],
        ["jit_deny", requested.grantId],
      ],
    );

    const clicked = await click(bot, people.bob.slackId, "jit_approve", requested);
    assert.equal(clicked.status, 200);

    const granted = await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.ok(granted.includes(PORTAL), "the DM links the access portal");
    const creates = world.aws.callsOf("CreateAccountAssignment");
    assert.equal(creates.length, 1);
    assert.deepEqual(creates[0]?.input, {
      InstanceArn: world.aws.instanceArn,
      TargetId: PROD,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: world.permissionSets.AdministratorAccess,
      PrincipalType: "USER",
      PrincipalId: world.principals.alice,
    });
    assert.ok(
      world.aws.hasAssignment({
        accountId: PROD,
        permissionSetArn: world.permissionSets.AdministratorAccess,
        principalId: world.principals.alice,
      }),
    );
    assert.equal(world.aws.callsOf("GetUserId")[0]?.input.AlternateIdentifier !== undefined, true);

    const active = await bot.bot.deps.store.get(requested.grantId);
    assert.equal(active?.status, "active");
    assert.equal(active?.decidedBy, people.bob.slackId);
    assert.equal((active?.expiresAt ?? 0) - (active?.activatedAt ?? 0), 2 * HOUR);

    const updated = world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
    assert.deepEqual(findButtons(updated?.blocks), [], "buttons are gone after the decision");
    assert.match(messageText(updated), /Approved by <@U0BOB>/);

    bot.clock.advance(2 * HOUR + 1000);
    await waitForDm(world, people.alice.slackId, /has ended/);
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1);
    assert.equal(world.aws.assignments().length, 0);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "revoked");

    const actions = (await auditRows(world, requested.grantId)).map((row) => row.action);
    assert.deepEqual(actions, ["requested", "approved", "provisioned", "revocation_started", "revoked"]);
    const feed = await world.slack.waitFor(
      () => {
        const posted = postedAuditRecords(world).filter((record) => record.text.includes(requested.grantId));
        return posted.length === 5 && posted;
      },
      8000,
      "five audit records in the audit channel",
    );
    assert.deepEqual(feed.map(postedAction), ["requested", "approved", "provisioned", "revocation_started", "revoked"]);
  });

  it("denies with a reason: records the decision, updates the message, tells the requester, touches no AWS", async () => {
    const requested = await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 30m look at logs");
    await deny(bot, world, people.bob.slackId, requested, "use the <!channel> read-only role");
    const dm = await waitForDm(world, people.alice.slackId, /denied/);
    assert.match(dm, /denied by <@U0BOB>\.\nReason: “use the &lt;!channel&gt; read-only role”/);
    const message = world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
    assert.match(messageText(message), /Denied by <@U0BOB>/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.decisionReason, "use the <!channel> read-only role");
    assert.deepEqual(findButtons(message?.blocks), []);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "denied");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    assert.deepEqual(
      (await auditRows(world, requested.grantId)).map((r) => r.action),
      ["requested", "denied"],
    );
  });

  it("lets an approver named by email approve, and a requester named by email request", async () => {
    const requested = await request(bot, world, people.carol.slackId, "prod ReadOnlyAccess 1h check dashboards");
    await click(bot, people.dave.slackId, "jit_approve", requested);
    await waitForDm(world, people.carol.slackId, /Access granted/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.decidedBy, people.dave.slackId);
  });

  it("refuses a click by someone who may not approve, with an ephemeral message, changing nothing but auditing the refusal", async () => {
    const requested = await request(bot, world, people.carol.slackId, "prod ReadOnlyAccess 1h check dashboards");
    const clicked = await click(bot, people.mallory.slackId, "jit_approve", requested);
    assert.match(await clicked.reply(), /not an approver/);
    const response = world.slack.responses.at(-1)?.body;
    assert.equal(response?.response_type, "ephemeral");
    assert.equal(response?.replace_original, false);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
    assert.equal(findButtons(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`)?.blocks).length, 2);
    assert.deepEqual(
      (await auditRows(world, requested.grantId)).map((r) => [r.action, r.actorId]),
      [
        ["requested", people.carol.slackId],
        ["refused", people.mallory.slackId],
      ],
    );
  });

  it("refuses an approval by the requester, even one who is also an approver", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h self service");
    const clicked = await click(bot, people.alice.slackId, "jit_approve", requested);
    assert.match(await clicked.reply(), /cannot approve or deny your own request/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
  });

  it("makes exactly one decision and one assignment from a double click", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h double click");
    const [first, second] = await Promise.all([
      click(bot, people.bob.slackId, "jit_approve", requested),
      click(bot, people.bob.slackId, "jit_approve", requested),
    ]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
    const actions = (await auditRows(world, requested.grantId)).map((r) => r.action);
    assert.equal(actions.filter((a) => a === "approved").length, 1);
    const refusals = world.slack.responses.map((r) => messageText(r.body)).filter((t) => /already been approved/.test(t));
    assert.equal(refusals.length, 1, "the losing click is told the request was already approved");
  });

  it("makes exactly one decision when Approve and Deny arrive at once", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h race");
    await Promise.all([
      click(bot, people.bob.slackId, "jit_approve", requested),
      denyUnlessRefused(bot, world, people.dave.slackId, requested),
    ]);
    // The loser hears back on the button's response_url (Approve), in the modal Deny opened (Deny,
    // when the approval came first) or, after the modal closed, by DM (Deny).
    await world.slack.waitFor(
      () =>
        world.slack.responses.some((r) => /already been/.test(messageText(r.body))) ||
        [...world.slack.views.values()].some(
          (v) => v.userId === people.dave.slackId && /already been/.test(messageText({ blocks: v.blocks })),
        ) ||
        dmsTo(world, people.dave.slackId).some((m) => /already been/.test(messageText(m))),
      5000,
      "the loser's reply",
    );
    const rows = (await auditRows(world, requested.grantId)).map((r) => r.action);
    assert.equal(rows.filter((a) => a === "approved" || a === "denied").length, 1);
    const final = await bot.bot.deps.store.get(requested.grantId);
    if (rows.includes("approved")) {
      await waitForDm(world, people.alice.slackId, /Access granted/);
      assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
    } else {
      assert.equal(final?.status, "denied");
      assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    }
  });

  it("ignores a Slack retry of an approval that was already applied", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h retry");
    const body = (await import("../../src/simulators/slack-requests.js")).blockActionBody({
      userId: people.bob.slackId,
      actionId: "jit_approve",
      value: requested.grantId,
      channelId: requested.message.channel,
      messageTs: requested.message.ts,
      responseUrl: world.slack.responseUrl("retry"),
    });
    const sentAt = Math.floor(Date.now() / 1000) - 5;
    assert.equal((await bot.driver.post(body, { timestamp: sentAt })).status, 200);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    // A retry is signed anew, so it gets past the replay guard and must be refused by the state itself.
    const retried = await bot.driver.post(body, {
      timestamp: sentAt + 3,
      headers: { "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout" },
    });
    assert.equal(retried.status, 200);
    await world.slack.waitFor(() =>
      world.slack.responses.some((r) => r.key === "retry" && /already been approved/.test(messageText(r.body))),
    );
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
    assert.equal((await auditRows(world, requested.grantId)).filter((r) => r.action === "approved").length, 1);
  });

  it("escapes user text so a justification pings nobody", async () => {
    const requested = await request(
      bot,
      world,
      people.alice.slackId,
      "prod ReadOnlyAccess 1h <!channel> <@U0BOB> <https://evil.example|click> & more",
    );
    const message = world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`);
    const text = messageText(message);
    assert.ok(text.includes("&lt;!channel&gt; &lt;@U0BOB&gt; &lt;https://evil.example|click&gt; &amp; more"));
    assert.ok(!text.includes("<!channel>"));
    const justification = messageText({ blocks: (message?.blocks ?? []).filter((b) => JSON.stringify(b).includes("Justification")) });
    assert.ok(!justification.includes("<@U0BOB>"), "the mention typed by the requester stays text");
    const audit = await world.slack.waitFor(() =>
      world.slack
        .messagesIn(AUDIT)
        .map(messageText)
        .find((t) => t.includes(requested.grantId)),
    );
    assert.ok(!audit.includes("<!channel>"));
  });

  it("shows nothing of other people's requests in the requester's DMs", async () => {
    await request(bot, world, people.carol.slackId, "prod ReadOnlyAccess 1h mine");
    assert.equal(dmsTo(world, people.alice.slackId).length, 0);
    assert.equal(world.slack.messagesIn(APPROVALS).length, 1);
  });
});
