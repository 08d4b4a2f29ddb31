// The Home tab (#18): what it shows the requester, an approver and an admin; every button on it
// working through the handlers the messages use; refreshed when something in it changes, and a burst
// of changes kept within Slack's views.publish limit. Events arrive signed, over HTTP and the socket.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { findButtons, input, SocketDriver } from "../../src/simulators/slack-requests.js";
import { newGrantId } from "../../src/domain/ids.js";
import { freshBotForEachTest, startTestBot, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually, request, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { APPROVALS, people, PROD, SANDBOX, startWorld, type World } from "../support/world.js";

const { alice, bob, dave } = people;

const POLICY = `
admins: [${dave.slackId}]
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${alice.slackId}]
    approvers: [${bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
  - name: sandbox-glass
    accounts: [sandbox]
    permissionSets: [AdministratorAccess]
    requesters: [${alice.slackId}]
    breakGlass: [${alice.slackId}]
    approvers: [${bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

type Buttons = { actionId: string; value: string | undefined; text: string | undefined }[];

describe("the Home tab", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    POLICY,
  );

  const publishesTo = (userId: string) => world.slack.homePublishes.filter((p) => p.userId === userId).length;
  const buttons = (userId: string): Buttons => findButtons(world.slack.homes.get(userId)?.blocks);
  const has = (userId: string, actionId: string, value: string) =>
    buttons(userId).some((b) => b.actionId === actionId && b.value === value);
  const homeText = (userId: string) => messageText({ blocks: world.slack.homes.get(userId)?.blocks ?? [] });

  /** Opens the person's Home tab (a signed app_home_opened event) and waits for it to be published. */
  async function openHome(userId: string): Promise<void> {
    const before = publishesTo(userId);
    const answered = await bot.driver.openHome(userId);
    assert.equal(answered.status, 200);
    await world.slack.waitFor(() => publishesTo(userId) > before, 5000, `${userId}'s Home tab`);
  }

  /** Waits until the person's tab, as last published, passes `check`. */
  const homeBecomes = (userId: string, check: (buttons: Buttons, text: string) => boolean, what: string) =>
    world.slack.waitFor(() => check(buttons(userId), homeText(userId)), 8000, `${userId}'s Home tab to show ${what}`);

  async function breakGlass(): Promise<string> {
    const reply = await slash(bot, alice.slackId, "request sandbox AdministratorAccess 1h the build farm is down");
    const grantId = /(jit-[a-z0-9]{8})/.exec(reply)?.[1] ?? "";
    await statusBecomes(bot, grantId, "active");
    return grantId;
  }

  it("shows the requester their access and requests, the approver what waits for them, and the admin break-glass access to review", async () => {
    const pending = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 1h <!channel> reading *the* logs");
    const glass = await breakGlass();
    await Promise.all([openHome(alice.slackId), openHome(bob.slackId), openHome(dave.slackId)]);

    assert.ok(has(alice.slackId, "jit_end_now", pending.grantId), "Withdraw on the pending request");
    assert.equal(buttons(alice.slackId).find((b) => b.value === pending.grantId)?.text, "Withdraw");
    assert.ok(has(alice.slackId, "jit_extend", glass) && has(alice.slackId, "jit_end_now", glass), "Extend and End now on active access");
    assert.ok(has(alice.slackId, "jit_home_request", "form"));
    assert.ok(!has(alice.slackId, "jit_approve", pending.grantId), "nobody approves their own request");
    assert.match(homeText(alice.slackId), /left\)/);
    // The justification is the requester's words: escaped, in plain text, never a ping.
    const words = JSON.stringify(world.slack.homes.get(alice.slackId)?.blocks);
    assert.ok(words.includes("&lt;!channel&gt;") && !words.includes("<!channel>"));

    assert.ok(has(bob.slackId, "jit_approve", pending.grantId) && has(bob.slackId, "jit_deny", pending.grantId));
    assert.ok(!has(bob.slackId, "jit_review_ack", glass), "only admins see the review list");

    assert.ok(has(dave.slackId, "jit_review_ack", glass), "the admin sees break-glass access awaiting review");
    assert.ok(!has(dave.slackId, "jit_approve", pending.grantId), "dave is no approver of the rule");
    // Asking for the tab audits no refusal, as /jit list --review would for a non-admin.
    assert.ok(!(await auditRows(world)).some((row) => row.action === "refused"));
  });

  it("approves from the Home tab through the one decision flow, updating the approval message and both tabs", async () => {
    const pending = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 1h deploy check");
    await Promise.all([openHome(alice.slackId), openHome(bob.slackId)]);

    const clicked = await bot.driver.clickHome(bob.slackId, "jit_approve", pending.grantId);
    assert.equal(clicked.response.status, 200);
    await statusBecomes(bot, pending.grantId, "active");
    await world.slack.waitFor(
      () => /Approved/i.test(messageText(world.slack.messages.get(`${pending.message.channel}:${pending.message.ts}`))),
      5000,
      "the approval message in the channel to say approved",
    );
    const approved = (await auditRows(world, pending.grantId)).find((row) => row.action === "approved");
    assert.equal(approved?.actorId, bob.slackId);
    // Neither reopened their tab: the decision refreshed them.
    await homeBecomes(bob.slackId, (b) => !b.some((x) => x.actionId === "jit_approve"), "no Approve any more");
    await homeBecomes(
      alice.slackId,
      (b) => b.some((x) => x.actionId === "jit_extend" && x.value === pending.grantId),
      "the access, active",
    );
  });

  it("denies from the Home tab with the reason form", async () => {
    const pending = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 1h deny me");
    await openHome(bob.slackId);
    await bot.driver.clickHome(bob.slackId, "jit_deny", pending.grantId);
    const form = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: "jit_deny_reason", userId: bob.slackId }),
      5000,
      "the reason form",
    );
    await bot.driver.submitView(bob.slackId, form.id, { reason: { reason: input.text("use read-only") } });
    await statusBecomes(bot, pending.grantId, "denied");
    await homeBecomes(bob.slackId, (b) => !b.some((x) => x.value === pending.grantId), "the request gone");
  });

  it("withdraws, extends and ends from the Home tab, answering the clicker by direct message", async () => {
    const pending = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 1h withdraw me");
    const glass = await breakGlass();
    await openHome(alice.slackId);

    await bot.driver.clickHome(alice.slackId, "jit_end_now", pending.grantId);
    await statusBecomes(bot, pending.grantId, "cancelled");
    await waitForDm(world, alice.slackId, /withdrawn/);

    await bot.driver.clickHome(alice.slackId, "jit_extend", glass);
    const extend = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: "jit_extend", userId: alice.slackId }),
      5000,
      "the extend form",
    );
    await bot.driver.submitView(alice.slackId, extend.id, { duration: { duration: input.staticSelect("30m") } });
    await waitForDm(world, alice.slackId, /Extension ext-[a-z0-9]{8} for/);

    await bot.driver.clickHome(alice.slackId, "jit_end_now", glass);
    await statusBecomes(bot, glass, "revoked");
    await homeBecomes(alice.slackId, (b) => b.some((x) => x.actionId === "jit_request_again" && x.value === glass), "Request again");
    assert.ok(!bot.logger.errors().some((line) => /listener/.test(line.message)), "no listener failed for want of a response_url");
  });

  it("opens the request form, and asks again for an ended grant's target and duration with a new justification", async () => {
    const first = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 90m first time");
    await slash(bot, alice.slackId, `revoke ${first.grantId}`);
    await openHome(alice.slackId);

    await bot.driver.clickHome(alice.slackId, "jit_home_request", "form");
    await world.slack.waitFor(() => world.slack.lastView({ callbackId: "jit_request", userId: alice.slackId }), 5000, "the request form");

    await bot.driver.clickHome(alice.slackId, "jit_request_again", first.grantId);
    const again = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: "jit_request_again", userId: alice.slackId }),
      5000,
      "the Request again form",
    );
    await bot.driver.submitView(alice.slackId, again.id, { justification: { justification: input.text("second time") } });
    const dm = await waitForDm(world, alice.slackId, /Request jit-/);
    const grantId = /(jit-[a-z0-9]{8})/.exec(dm)?.[1] ?? "";
    const asked = await bot.bot.deps.store.get(grantId);
    assert.equal(asked?.accountId, PROD);
    assert.equal(asked?.permissionSetName, "ReadOnlyAccess");
    assert.equal(asked?.durationMs, 90 * 60_000);
    assert.equal(asked?.justification, "second time");
    assert.equal(asked?.status, "pending");
  });

  it("refuses Request again for someone else's grant, forged into the form", async () => {
    const theirs = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 1h alice's own");
    const before = (await bot.bot.deps.store.listByStatus(["pending"])).length;
    await bot.driver.submitView(
      bob.slackId,
      { callbackId: "jit_request_again", privateMetadata: theirs.grantId },
      {
        justification: { justification: input.text("mine now") },
      },
    );
    await waitForDm(world, bob.slackId, /You have no grant/);
    assert.equal((await bot.bot.deps.store.listByStatus(["pending"])).length, before);
  });

  it("acknowledges break-glass access from the admin's Home tab", async () => {
    const glass = await breakGlass();
    await openHome(dave.slackId);
    await bot.driver.clickHome(dave.slackId, "jit_review_ack", glass);
    await eventually(async () => (await bot.bot.deps.store.get(glass))?.reviewedBy === dave.slackId, 5000, "the review");
    await homeBecomes(dave.slackId, (b) => !b.some((x) => x.actionId === "jit_review_ack"), "nothing left to review");
  });

  it("keeps a burst of 200 changes within the publish bound: at most one publish a person every 3 s", async () => {
    const first = await request(bot, world, alice.slackId, "prod ReadOnlyAccess 1h start");
    await Promise.all([openHome(alice.slackId), openHome(bob.slackId), openHome(dave.slackId)]);
    const start = Date.now();
    const publishedBefore = world.slack.homePublishes.length;
    const now = bot.clock.now();
    for (let i = 0; i < 200; i++) {
      await bot.bot.deps.store.insert(
        {
          id: newGrantId(),
          requesterId: alice.slackId,
          requesterTeamId: world.slack.teamId,
          requesterEmail: alice.email,
          accountId: PROD,
          permissionSetName: "ReadOnlyAccess",
          durationMs: 3_600_000,
          justification: `burst ${i}`,
          ruleName: "engineers",
          createdAt: now + i,
        },
        { action: "requested", actorId: alice.slackId },
      );
    }
    // The last publish shows all 201 waiting for bob: past the 10 shown, the rest counted.
    await homeBecomes(bob.slackId, (_, text) => text.includes("… and 191 more"), "the whole burst");
    await homeBecomes(alice.slackId, (_, text) => text.includes("… and 189 more"), "the whole burst");
    const elapsed = Date.now() - start;
    const during = world.slack.homePublishes.slice(publishedBefore);
    const perPerson = Math.floor(elapsed / 3_000) + 2;
    for (const person of [alice, bob]) {
      const count = during.filter((p) => p.userId === person.slackId).length;
      assert.ok(count <= perPerson, `${count} publishes to ${person.slackId} in ${elapsed} ms (bound ${perPerson})`);
    }
    assert.ok(during.filter((p) => p.userId === dave.slackId).length <= 1, "dave is concerned by none of it");
    assert.deepEqual(
      world.slack
        .callsOf("views.publish")
        .filter((call) => call.error !== undefined)
        .map((call) => call.error),
      [],
      "no publish refused (over 100 blocks, or rate limited)",
    );
    assert.ok(first.grantId);
  });

  it("answers Slack's url_verification, and draws nothing for an event from another workspace or the Messages tab", async () => {
    const verified = await bot.driver.post(JSON.stringify({ token: "t", challenge: "c-123", type: "url_verification" }), {
      headers: { "content-type": "application/json" },
    });
    assert.equal(verified.status, 200);
    assert.match(verified.body, /c-123/);

    assert.equal((await bot.driver.openHome(alice.slackId, "messages")).status, 200);
    assert.equal(
      (await bot.driver.event({ type: "app_home_opened", user: alice.slackId, tab: "home" }, { teamId: "T0ELSEWHERE" })).status,
      200,
    );
    await eventually(
      async () => (await auditRows(world)).some((row) => row.action === "refused" && row.actorId === alice.slackId),
      5000,
      "the refusal",
    );
    assert.equal(world.slack.callsOf("views.publish").length, 0);

    const forged = await bot.driver.event({ type: "app_home_opened", user: { id: alice.slackId }, tab: "home" });
    assert.equal(forged.status, 400, "an event whose user is not a string is refused before Bolt");
    const unsigned = await bot.driver.event({ type: "app_home_opened", user: alice.slackId, tab: "home" }, { signature: "v0=00" });
    assert.equal(unsigned.status, 401);
    assert.equal(world.slack.callsOf("views.publish").length, 0);
  });
});

describe("the Home tab in Socket Mode", () => {
  it("is published when opened over the socket and its buttons work there", async () => {
    const world = await startWorld(POLICY);
    const bot = await startTestBot(world, { SLACK_APP_TOKEN: world.slack.appToken });
    try {
      await world.slack.waitForSocket();
      const slack = new SocketDriver({ fake: world.slack });
      const sent = await slack.command(alice.slackId, "request prod ReadOnlyAccess 1h over the socket");
      const grantId = /(jit-[a-z0-9]{8})/.exec(messageText((await sent.waitForResponse()).body))?.[1] ?? "";
      await slack.openHome(bob.slackId);
      await world.slack.waitFor(
        () => findButtons(world.slack.homes.get(bob.slackId)?.blocks).some((b) => b.value === grantId),
        5000,
        "bob's tab",
      );
      await slack.clickHome(bob.slackId, "jit_approve", grantId);
      await statusBecomes(bot, grantId, "active");
    } finally {
      await bot.stop();
      await world.close();
    }
  });
});
