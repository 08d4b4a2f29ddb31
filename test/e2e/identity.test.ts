// Who counts as a person: only full, active, human members of the home workspace, matched by email
// only when Slack has confirmed it, looked up again (within seconds) at every decision.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { freshBotForEachTest, startTestBot, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, grantCount, request, slash, statusBecomes, waitForDm, type Requested } from "../support/flows.js";
import { APPROVALS, people, PROD, startWorld, type World } from "../support/world.js";

/** Past the directory's few seconds of caching for decisions. */
const PAST_DECISION_CACHE_MS = 11_000;

const frank = { slackId: "U0FRANK", email: "frank@example.com" }; // may break the glass, listed by email
const grace = { slackId: "U0GRACE", email: "grace@example.com" }; // approver through a user group
const odd = {
  guest: { slackId: "U0GUEST", email: "guest@example.com" },
  singleChannelGuest: { slackId: "U0SCGUEST", email: "scguest@example.com" },
  bot: { slackId: "U0BOTUSER", email: "bot@example.com" },
  stranger: { slackId: "U0STRANGER", email: "stranger@example.com" },
};

const POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
admins: [${people.dave.email}]
rules:
  - name: engineers
    accounts: [prod]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${people.alice.slackId}, ${people.carol.email}, usergroup:S0REQUESTERS]
    breakGlass: [${frank.email}]
    approvers: [${people.bob.slackId}, ${people.dave.email}, usergroup:S0APPROVERS, ${Object.values(odd)
      .map((p) => p.slackId)
      .join(", ")}, ${Object.values(odd)
      .map((p) => p.email)
      .join(", ")}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

describe("identity: who may act", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
      w.slack.addUser({ id: frank.slackId, email: frank.email });
      w.slack.addUser({ id: grace.slackId, email: grace.email });
      w.slack.addUser({ id: odd.guest.slackId, email: odd.guest.email, restricted: true });
      w.slack.addUser({ id: odd.singleChannelGuest.slackId, email: odd.singleChannelGuest.email, ultraRestricted: true });
      w.slack.addUser({ id: odd.bot.slackId, email: odd.bot.email, isBot: true });
      w.slack.addUser({ id: odd.stranger.slackId, email: odd.stranger.email, stranger: true });
      w.slack.addUsergroup("S0APPROVERS", [grace.slackId]);
      w.slack.addUsergroup("S0REQUESTERS", []);
      w.aws.addUser({ email: frank.email });
    },
    {},
    POLICY,
  );

  async function approveRefused(approverId: string, requested: Requested, why: RegExp): Promise<void> {
    const clicked = await click(bot, approverId, "jit_approve", requested);
    assert.equal(clicked.status, 200);
    assert.match(await clicked.reply(), why);
  }

  async function approvalsOf(grantId: string): Promise<string[]> {
    return (await auditRows(world, grantId))
      .filter((r) => r.action === "approved" || r.action === "approval_recorded")
      .map((r) => r.actorId);
  }

  it("refuses an Approve from someone whose profile carries an approver's email that Slack has not confirmed", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h deploy");
    // Mallory types the approver's address into her own profile; Slack has not confirmed it.
    world.slack.updateUser(people.mallory.slackId, { email: people.dave.email });
    await approveRefused(people.mallory.slackId, requested, /not an approver/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
    assert.deepEqual(await approvalsOf(requested.grantId), []);
    assert.equal(world.aws.assignments().length, 0);
  });

  it("refuses guests, single-channel guests, bots and strangers as approvers, though the policy lists them by id and email", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h look at logs");
    await approveRefused(odd.guest.slackId, requested, /guest account/);
    await approveRefused(odd.singleChannelGuest.slackId, requested, /guest account/);
    await approveRefused(odd.bot.slackId, requested, /bot or app/);
    await approveRefused(odd.stranger.slackId, requested, /another Slack workspace/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
    assert.deepEqual(await approvalsOf(requested.grantId), []);
  });

  it("gives no break-glass access to a deactivated Slack user listed by email, and stores nothing", async () => {
    world.slack.updateUser(frank.slackId, { deleted: true });
    const reply = await slash(bot, frank.slackId, "request prod AdministratorAccess 1h everything is down");
    assert.match(reply, /deactivated/);
    assert.equal(await grantCount(world), 0);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
  });

  it("refuses a request from a member whose email Slack has not confirmed, since it cannot tell which Identity Center user they are", async () => {
    world.slack.updateUser(people.alice.slackId, { emailConfirmed: false });
    const reply = await slash(bot, people.alice.slackId, "request prod ReadOnlyAccess 1h look at logs");
    assert.match(reply, /no confirmed email/);
    assert.equal(await grantCount(world), 0);
  });

  it("does not let an unconfirmed admin's address end someone else's grant", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h look at logs");
    world.slack.updateUser(people.mallory.slackId, { email: people.dave.email });
    const reply = await slash(bot, people.mallory.slackId, `revoke ${requested.grantId}`);
    assert.match(reply, /Only the requester/);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "pending");
  });

  it("refuses the approval and closes the request when the requester was deactivated since asking", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h deploy");
    world.slack.updateUser(people.alice.slackId, { deleted: true });
    bot.clock.advance(PAST_DECISION_CACHE_MS);
    await approveRefused(people.bob.slackId, requested, /deactivated/);
    await statusBecomes(bot, requested.grantId, "failed");
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 0);
    const failed = (await auditRows(world, requested.grantId)).find((r) => r.action === "failed");
    assert.match(String(failed?.detail.reason), /deactivated/);
    await world.slack.waitFor(
      () => messageText(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`)).match(/deactivated/),
      5000,
      "the approval message to say why the request closed",
    );
  });

  it("refuses the approval when the requester's confirmed email changed since the request, so access never goes to another Identity Center user", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h deploy");
    // A workspace admin points Alice's profile at Carol's address (confirmed, as an admin can).
    world.slack.updateUser(people.alice.slackId, { email: people.carol.email, emailConfirmed: true });
    bot.clock.advance(PAST_DECISION_CACHE_MS);
    await approveRefused(people.bob.slackId, requested, /no longer alice@example\.com/);
    await statusBecomes(bot, requested.grantId, "failed");
    assert.equal(world.aws.assignments().length, 0);
  });

  it("refuses the approval when the requester was removed from the requesters' group since asking", async () => {
    const heidi = { slackId: "U0HEIDI", email: "heidi@example.com" };
    world.slack.addUser({ id: heidi.slackId, email: heidi.email });
    world.slack.addUsergroup("S0REQUESTERS", [heidi.slackId]);
    const requested = await request(bot, world, heidi.slackId, "prod ReadOnlyAccess 1h look at logs");
    world.slack.addUsergroup("S0REQUESTERS", []);
    bot.clock.advance(PAST_DECISION_CACHE_MS);
    await approveRefused(people.bob.slackId, requested, /no longer allowed to request/);
    await statusBecomes(bot, requested.grantId, "failed");
  });

  it("does not let a member removed from the approvers' group approve seconds later", async () => {
    const first = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h first");
    await click(bot, grace.slackId, "jit_approve", first);
    await statusBecomes(bot, first.grantId, "active");
    const second = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h second");
    world.slack.addUsergroup("S0APPROVERS", []);
    bot.clock.advance(PAST_DECISION_CACHE_MS);
    await approveRefused(grace.slackId, second, /not an approver/);
    assert.equal((await bot.bot.deps.store.get(second.grantId))?.status, "pending");
  });

  it("refuses /jit extend from a requester who has become a guest since the grant", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h look at logs");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    world.slack.updateUser(people.alice.slackId, { restricted: true });
    bot.clock.advance(PAST_DECISION_CACHE_MS);
    const reply = await slash(bot, people.alice.slackId, `extend ${requested.grantId} 30m`);
    assert.match(reply, /cannot be extended: the requester's Slack account is a guest account/);
    assert.equal((await auditRows(world, requested.grantId)).filter((r) => r.action === "extension_requested").length, 0);
  });

  it("shows approvers which Identity Center user will receive the access", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h look at logs");
    const text = messageText(world.slack.messages.get(`${requested.message.channel}:${requested.message.ts}`));
    assert.match(text, /\*Identity Center user\*\nalice@example\.com/);
  });
});

describe("identity: shared addresses in the policy", () => {
  it("warns at start-up, once for each entry that looks like a shared or role address", async () => {
    const world = await startWorld(POLICY.replace(`breakGlass: [${frank.email}]`, "breakGlass: [oncall@example.com]"));
    const bot = await startTestBot(world);
    try {
      const warnings = bot.logger.lines.filter((line) => line.level === "warn" && /looks like a shared or role address/.test(line.message));
      assert.deepEqual(
        warnings.map((line) => line.context),
        [{ where: 'rule "engineers" breakGlass[0]' }],
      );
      assert.match(warnings[0]?.message ?? "", /oncall@example\.com/);
    } finally {
      await bot.stop();
      await world.close();
    }
  });
});
