// Where role sessions outlive grants, people are told: a rule requiring the session fence refuses
// what the fence cannot cover (here the management account), and where no fence applies the
// approvers and the requester learn until when sessions stay valid.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { input } from "../../src/simulators/slack-requests.js";
import { slackDate } from "../../src/slack/views/escape.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, eventually, grantCount, request, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { APPROVALS, DEFAULT_POLICY, people, PROD, SANDBOX, type World, type WorldSetup } from "../support/world.js";

const HOUR = 3_600_000;
const DURATIONS: WorldSetup = { sessionDurations: { AdministratorAccess: "PT8H" } };
/** The fence is on, but prod is the organization's management account. */
const PROD_IS_MANAGEMENT: WorldSetup = { ...DURATIONS, prepare: (world) => world.aws.configureOrganization({ managementAccountId: PROD }) };
const FENCED_POLICY = `sessionFence:\n  mode: scp\n${DEFAULT_POLICY.replace("maxDuration: 4h", "maxDuration: 4h\n    requireSessionFence: true")}`;
const REFUSAL =
  /Rule "engineers" only grants access whose role sessions end with it, and on prod \(111122223333\) they cannot be ended: it is the organization's management account/;

describe("a rule requiring the session fence", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    FENCED_POLICY,
    PROD_IS_MANAGEMENT,
  );

  async function refusedRequests() {
    return (await auditRows(world)).filter((r) => r.action === "refused" && r.detail.attempt === "request");
  }

  it("refuses /jit request for the management account, naming it and why, auditing the refusal and storing nothing", async () => {
    const reply = await slash(bot, people.alice.slackId, "request prod AdministratorAccess 1h fix the deploy");
    assert.match(reply, /^:no_entry: /);
    assert.match(reply, REFUSAL);
    assert.match(reply, /which service control policies never reach/);
    assert.equal(await grantCount(world), 0, "nothing stored");
    const [refused, ...more] = await refusedRequests();
    assert.equal(more.length, 0);
    assert.equal(refused?.actorId, people.alice.slackId);
    assert.equal(refused?.detail.accountId, PROD);
    assert.equal(refused?.detail.fenceGap, "management-account");
    assert.match(String(refused?.detail.reason), REFUSAL);
  });

  it("still takes requests for an account the fence covers", async () => {
    const requested = await request(bot, world, people.alice.slackId, `${SANDBOX} AdministratorAccess 1h fix the deploy`);
    const message = world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(requested.grantId));
    assert.doesNotMatch(messageText(message), /Role sessions outlive/);
    assert.equal((await refusedRequests()).length, 0);
  });

  it("shows the refusal on the form's account field, storing nothing", async () => {
    const delivery = await bot.driver.command(people.alice.slackId, "");
    assert.equal(delivery.response.status, 200);
    const view = await world.slack.waitFor(
      () => world.slack.lastView({ callbackId: "jit_request", userId: people.alice.slackId }),
      5000,
      "the form",
    );
    const submitted = await bot.driver.submitView(
      people.alice.slackId,
      { callbackId: "jit_request", viewId: view.id },
      {
        account: { account: input.staticSelect(PROD) },
        permission_set: { permission_set: input.staticSelect("AdministratorAccess") },
        duration: { duration: input.staticSelect("1h") },
        justification: { justification: input.text("fix the deploy") },
        ticket: { ticket: input.text("") },
      },
    );
    const answer = submitted.response.json() as { response_action?: string; errors?: Record<string, string> };
    assert.equal(answer.response_action, "errors");
    assert.deepEqual(Object.keys(answer.errors ?? {}), ["account"]);
    assert.match(answer.errors?.account ?? "", REFUSAL);
    assert.equal(await grantCount(world), 0, "nothing stored");
    assert.equal((await refusedRequests()).length, 1);
  });
});

describe("role sessions where no fence applies", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    DEFAULT_POLICY,
    DURATIONS,
  );

  it("tells the approvers and the requester until when role sessions stay valid", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h fix the deploy");
    const approval = () => world.slack.messagesIn(APPROVALS).find((m) => m.ts === requested.message.ts);
    assert.match(
      messageText(approval()),
      /Role sessions outlive this grant: one opened just before it ends stays valid 8h longer \(the permission set's 8h session duration; the session fence is off/,
    );

    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    const grant = await bot.bot.deps.store.get(requested.grantId);
    const activatedAt = grant?.activatedAt ?? 0;
    const expiresAt = grant?.expiresAt ?? 0;

    const dm = await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.ok(
      dm.includes(
        `Role sessions opened now stay valid until ${slackDate(activatedAt + 8 * HOUR)} (the permission set's 8h session duration); ` +
          `one opened just before the grant ends stays valid until ${slackDate(expiresAt + 8 * HOUR)}.`,
      ),
      dm,
    );
    assert.match(dm, /jit-slack cannot end them early: the session fence is off/);
    await eventually(
      async () => messageText(approval()).includes(`stays valid until ${slackDate(expiresAt + 8 * HOUR)}`),
      5000,
      "the approvers' message to give the end of the last session",
    );
  });
});
