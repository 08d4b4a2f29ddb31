// The incident switch in Slack: `/jit revoke --all [scope]`, admins only, confirmed in a modal with a
// reason; each grant in scope ends through the revocation path, audited, and nothing else is touched.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText, type FakeView } from "../../src/simulators/fake-slack.js";
import { input, type ViewRef } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, request, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { APPROVALS, people, PROD, SANDBOX, type World } from "../support/world.js";
import { scpDenies } from "../support/iam-scp-evaluator.js";

const AMBIGUOUS = "777788889999";
const POLICY = `
admins: [${people.dave.slackId}]
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
  - { id: "${AMBIGUOUS}", name: ReadOnlyAccess }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${people.alice.slackId}, ${people.carol.email}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;
const CALLBACK_ID = "jit_revoke_all";
const REASON = "INC-7: <!channel> keys leaked";

describe("the incident switch", () => {
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

  /** `userId` asks for `what` and Bob approves it; resolves once the grant is active in AWS. */
  async function activeGrant(userId: string, what: string): Promise<string> {
    const requested = await request(bot, world, userId, what);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    return requested.grantId;
  }

  /** Types the command and waits for the confirmation modal it opens. */
  async function openSwitch(userId: string, text: string): Promise<FakeView> {
    const delivery = await bot.driver.command(userId, text);
    assert.equal(delivery.response.status, 200);
    return world.slack.waitFor(() => world.slack.lastView({ callbackId: CALLBACK_ID, userId }), 5000, "the confirmation modal");
  }

  const submit = (userId: string, view: ViewRef, reason = REASON) =>
    bot.driver.submitView(userId, view, { reason: { reason: input.text(reason) } });
  const actions = async (grantId: string) => (await auditRows(world, grantId)).map((row) => row.action);
  const switches = async () => (await auditRows(world)).filter((row) => row.action === "revoke_all");
  const refusals = async () => (await auditRows(world)).filter((row) => row.action === "refused" && row.detail.attempt === "revoke-all");
  const target = (accountId: string, set: "AdministratorAccess" | "ReadOnlyAccess", who: "alice" | "carol") => ({
    accountId,
    permissionSetArn: world.permissionSets[set],
    principalId: world.principals[who],
  });

  it("lets an admin end every active grant on one account through the modal, leaving other accounts alone", async () => {
    const prodAdmin = await activeGrant(people.alice.slackId, "prod AdministratorAccess 2h deploy");
    const prodRead = await activeGrant(people.carol.slackId, "prod ReadOnlyAccess 1h look at logs");
    const sandboxRead = await activeGrant(people.alice.slackId, "sandbox ReadOnlyAccess 1h tests");

    const view = await openSwitch(people.dave.slackId, "revoke --all prod");
    const shown = messageText({ blocks: view.blocks });
    assert.match(shown, /This ends \*2 active grants\* on prod \(111122223333\) now/);
    assert.ok(shown.includes(prodAdmin) && shown.includes(prodRead) && !shown.includes(sandboxRead), shown);
    assert.equal(view.privateMetadata, `account:${PROD}`);
    assert.equal((view.view.submit as { text?: string }).text, "End 2 grants");

    const submitted = await submit(people.dave.slackId, view.id);
    assert.equal(submitted.response.status, 200);
    assert.equal(submitted.response.body, "", "the modal closes");
    const told = await waitForDm(world, people.dave.slackId, /You ended 2 active grants on prod/);
    assert.match(told, /All 2 are revoked now/);

    for (const grantId of [prodAdmin, prodRead]) {
      assert.equal((await bot.bot.deps.store.get(grantId))?.status, "revoked");
      assert.deepEqual(await actions(grantId), ["requested", "approved", "provisioned", "revocation_started", "revoked"]);
      const started = (await auditRows(world, grantId)).find((row) => row.action === "revocation_started");
      assert.equal(started?.actorId, people.dave.slackId);
      assert.equal(started?.detail.reason, "admin");
      assert.equal(started?.detail.scope, `account:${PROD}`);
      assert.equal(started?.detail.adminReason, REASON);
      assert.equal((await auditRows(world, grantId)).at(-1)?.detail.assignmentRemoved, true);
    }
    assert.equal(world.aws.hasAssignment(target(PROD, "AdministratorAccess", "alice")), false);
    assert.equal(world.aws.hasAssignment(target(PROD, "ReadOnlyAccess", "carol")), false);
    assert.equal(world.aws.hasAssignment(target(SANDBOX, "ReadOnlyAccess", "alice")), true, "the other account keeps its grant");
    assert.equal((await bot.bot.deps.store.get(sandboxRead))?.status, "active");
    assert.deepEqual(await actions(sandboxRead), ["requested", "approved", "provisioned"]);
    await waitForDm(world, people.carol.slackId, /has ended/);

    const [record, ...more] = await switches();
    assert.equal(more.length, 0);
    assert.equal(record?.actorId, people.dave.slackId);
    assert.equal(record?.accountId, PROD);
    assert.equal(record?.detail.scope, `account:${PROD}`);
    assert.equal(record?.detail.grants, 2);
    assert.equal(record?.detail.reason, REASON);

    // The same submission again (a double click, a replay with a fresh signature) ends nothing twice.
    const deletions = world.aws.callsOf("DeleteAccountAssignment").length;
    await submit(people.dave.slackId, { callbackId: CALLBACK_ID, privateMetadata: `account:${PROD}` });
    await waitForDm(world, people.dave.slackId, /Nothing left to end on prod \(111122223333\): no grant there was active/);
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, deletions);
    assert.equal((await switches()).length, 1);
    assert.equal((await auditRows(world, prodAdmin)).length, 5);
  });

  it("refuses, and audits, the command from someone who is not an admin, opening nothing", async () => {
    const grantId = await activeGrant(people.alice.slackId, "prod AdministratorAccess 1h mine");
    const opens = world.slack.callsOf("views.open").length;
    assert.match(await slash(bot, people.alice.slackId, "revoke --all"), /Only a jit-slack admin can end every grant at once/);
    assert.equal(world.slack.callsOf("views.open").length, opens);
    const [refused] = await refusals();
    assert.equal(refused?.actorId, people.alice.slackId);
    assert.equal((await bot.bot.deps.store.get(grantId))?.status, "active");
  });

  it("refuses a forged submission of the modal from someone who is not an admin, ending nothing", async () => {
    const grantId = await activeGrant(people.alice.slackId, "prod AdministratorAccess 1h mine");
    const submitted = await submit(people.mallory.slackId, { callbackId: CALLBACK_ID, privateMetadata: "all" });
    assert.equal(submitted.response.status, 200);
    await waitForDm(world, people.mallory.slackId, /Only a jit-slack admin can end every grant at once/);
    const [refused] = await refusals();
    assert.equal(refused?.actorId, people.mallory.slackId);
    assert.equal((await bot.bot.deps.store.get(grantId))?.status, "active");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0);
    assert.deepEqual(await switches(), []);
  });

  it("asks which one is meant when a name is both an account and a permission set, and lists what is known for an unknown one", async () => {
    assert.match(
      await slash(bot, people.dave.slackId, "revoke --all ReadOnlyAccess"),
      /names both the account ReadOnlyAccess \(777788889999\) and the permission set ReadOnlyAccess\. Say which: account:ReadOnlyAccess or set:ReadOnlyAccess\./,
    );
    assert.match(
      await slash(bot, people.dave.slackId, "revoke --all nowhere"),
      /No account or permission set is called "nowhere"\. Accounts: prod \(111122223333\), sandbox \(444455556666\), ReadOnlyAccess \(777788889999\)\. Permission sets: AdministratorAccess, ReadOnlyAccess\./,
    );
    assert.equal(world.slack.callsOf("views.open").length, 0);
  });

  it("says there is nothing to end, without a modal, when no grant in scope is active", async () => {
    await activeGrant(people.alice.slackId, "prod AdministratorAccess 1h elsewhere");
    assert.match(
      await slash(bot, people.dave.slackId, "revoke --all account:sandbox"),
      /No active grants on sandbox \(444455556666\): nothing to end\./,
    );
    assert.match(
      await slash(bot, people.dave.slackId, "revoke --all set:ReadOnlyAccess"),
      /No active grants of ReadOnlyAccess: nothing to end/,
    );
    assert.equal(world.slack.callsOf("views.open").length, 0);
  });
});

describe("the incident switch with the session fence on", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    `sessionFence:\n  mode: scp\n${POLICY}`,
  );

  it("fences the role sessions of every grant it ends", async () => {
    const grants: string[] = [];
    for (const [who, what] of [
      [people.alice.slackId, "prod AdministratorAccess 2h deploy"],
      [people.carol.slackId, "prod ReadOnlyAccess 1h look at logs"],
    ] as const) {
      const requested = await request(bot, world, who, what);
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await statusBecomes(bot, requested.grantId, "active");
      grants.push(requested.grantId);
    }
    const openedDuringGrants = bot.clock.now();
    await bot.driver.command(people.dave.slackId, "revoke --all prod");
    const view = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: CALLBACK_ID, userId: people.dave.slackId }),
      5000,
      "the modal",
    );
    await bot.driver.submitView(people.dave.slackId, view.id, { reason: { reason: input.text(REASON) } });
    await waitForDm(world, people.dave.slackId, /All 2 are revoked now/);
    const policies = ["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"].map(
      (name) => world.aws.scpContent(name) ?? "",
    );
    for (const [grantId, who, set] of [
      [grants[0], "alice", "AdministratorAccess"],
      [grants[1], "carol", "ReadOnlyAccess"],
    ] as const) {
      assert.ok((await auditRows(world, grantId)).some((row) => row.action === "session_fenced"));
      const older = {
        "identitystore:userId": world.principals[who],
        "aws:PrincipalArn": `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${set}_0fed56ec5d997fc5`,
        "aws:TokenIssueTime": openedDuringGrants,
      };
      assert.ok(
        policies.some((content) => content && scpDenies(content, older)),
        `${who}'s older ${set} session is denied`,
      );
    }
  });
});
