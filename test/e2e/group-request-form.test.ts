// Groups in the /jit form: a person whose rules offer Identity Center groups chooses "group
// membership" and a group, and the submission goes through the same checks as `/jit request group`:
// problems on their fields (the group's among them), nothing stored, a forged or someone else's
// group refused; only the groups the caller may request are offered, in the list and the type-ahead.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { input } from "../../src/simulators/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, eventually, request, slash, statusBecomes, waitForDm } from "../support/flows.js";
import { addGroup, GROUP, GROUP_POLICY } from "../support/group-policy.js";
import { chooseAndWait, formBlock, openForm, optionValues } from "../support/request-form.js";
import { APPROVALS, people, type World } from "../support/world.js";
import { messageText } from "../../src/simulators/fake-slack.js";

const OTHER_GROUP = "billing-admins";
// A second group, offered to carol only: alice must neither see it nor be able to submit it.
const POLICY = `${GROUP_POLICY.trimEnd()}
    ticket:
      required: true
  - name: billing
    groups: [${OTHER_GROUP}]
    requesters: [${people.carol.email}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 1h
`;

describe("groups in the /jit form", () => {
  let world: World;
  let bot: TestBot;
  let groupId = "";
  let otherGroupId = "";
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    POLICY,
    {
      prepare: (w) => {
        groupId = addGroup(w);
        otherGroupId = w.aws.addGroup(OTHER_GROUP);
      },
    },
  );

  const alice = people.alice.slackId;
  const groupValues = (group: string | null, duration: string, ticket = "INC-9") => ({
    kind: { kind: input.staticSelect("group") },
    group: { group: group === null ? { type: "static_select", selected_option: null } : input.staticSelect(group) },
    duration: { duration: input.staticSelect(duration) },
    justification: { justification: input.text("rotating the deploy keys") },
    ticket: { ticket: input.text(ticket) },
  });

  async function groupForm() {
    const view = await openForm(bot, world, alice);
    assert.deepEqual(optionValues(view, "kind"), ["account", "group"], "the form asks what alice needs");
    assert.ok(formBlock(view, "account"), "account access first");
    const updated = await chooseAndWait(bot, world, alice, view, "kind", "group", { kind: { kind: input.staticSelect("group") } });
    assert.equal(formBlock(updated, "account"), undefined, "no account field for a group");
    return updated;
  }

  it("offers alice only her group, and files a group request from the form", async () => {
    const view = await groupForm();
    assert.deepEqual(optionValues(view, "group"), [groupId], "the group carol may request is not offered");
    assert.match(JSON.stringify(view.blocks), /Rule \\"teams\\"/, "her only group is chosen, with its rule");

    const submitted = await bot.driver.submitView(alice, { callbackId: "jit_request", viewId: view.id }, groupValues(groupId, "1h"));
    assert.equal(submitted.response.status, 200);
    assert.equal(submitted.response.body, "", "the modal closes");
    await eventually(async () => world.slack.messagesIn(APPROVALS).length === 1, 5000, "the approval request");
    const message = world.slack.messagesIn(APPROVALS)[0];
    assert.match(JSON.stringify(message), /Membership gives/);
    assert.match(messageText(message), new RegExp(GROUP));
    const requested = (await auditRows(world)).filter((row) => row.action === "requested");
    assert.equal(requested.length, 1);
    const grant = await bot.bot.deps.store.get(String(requested[0]?.grantId));
    assert.equal(grant?.groupId, groupId);
    assert.equal(grant?.accountId, "");
    assert.equal(grant?.ticket, "INC-9");
  });

  it("shows each problem on its field, refuses a forged or someone else's group, and stores nothing", async () => {
    const view = await groupForm();
    const submit = async (values: ReturnType<typeof groupValues>) =>
      (await bot.driver.submitView(alice, { callbackId: "jit_request", viewId: view.id }, values)).response.json() as {
        errors?: Record<string, string>;
      };

    assert.deepEqual(await submit(groupValues(null, "1h")), { response_action: "errors", errors: { group: "Choose a group." } });
    assert.deepEqual(await submit(groupValues(groupId, "5h")), {
      response_action: "errors",
      errors: { duration: '5h is longer than the 4h allowed by rule "teams".' },
    });
    assert.deepEqual(await submit(groupValues(groupId, "1h", "")), {
      response_action: "errors",
      errors: { ticket: 'Rule "teams" requires a ticket reference.' },
    });
    const forged = await submit(groupValues("a1b2c3d4e5-0000-0000-0000-000000000000", "1h"));
    assert.match(String(forged.errors?.group), /There is no group "a1b2c3d4e5-0000-0000-0000-000000000000"/);
    assert.match(String(forged.errors?.group), new RegExp(`Groups you may request: ${GROUP}\\.`));
    assert.doesNotMatch(String(forged.errors?.group), new RegExp(OTHER_GROUP), "carol's group is not named to alice");
    assert.deepEqual(await submit(groupValues(otherGroupId, "1h")), {
      response_action: "errors",
      errors: { group: `You are not on the list of people who may request membership of the group ${OTHER_GROUP}.` },
    });
    assert.equal((await auditRows(world)).filter((row) => row.action === "requested").length, 0, "nothing stored");
    assert.equal(world.slack.messagesIn(APPROVALS).length, 0);
  });

  it("asks again for a group grant's group from Request again", async () => {
    const first = await request(bot, world, alice, `group ${GROUP} 2h --ticket INC-1 first time`);
    await slash(bot, alice, `revoke ${first.grantId}`);
    await statusBecomes(bot, first.grantId, "cancelled");
    await bot.driver.submitView(
      alice,
      { callbackId: "jit_request_again", privateMetadata: first.grantId },
      { justification: { justification: input.text("second time") }, ticket: { ticket: input.text("INC-2") } },
    );
    const dm = await waitForDm(world, alice, /Request jit-/);
    const again = await bot.bot.deps.store.get(/(jit-[a-z0-9]{8})/.exec(dm)?.[1] ?? "");
    assert.equal(again?.groupId, groupId);
    assert.equal(again?.durationMs, 2 * 3_600_000);
    assert.equal(again?.status, "pending");
  });

  it("answers the group type-ahead with the caller's own groups only", async () => {
    // Slack asks only from a view the person has open; the form need not show the type-ahead for a forged ask.
    const suggest = async (userId: string) => {
      const view = await openForm(bot, world, userId);
      const response = await bot.driver.blockSuggestion(userId, "jit_group_search", "admins", view.id);
      assert.equal(response.status, 200);
      return ((response.json() as { options: Array<{ value: string }> }).options ?? []).map((option) => option.value);
    };
    assert.deepEqual(await suggest(alice), [groupId]);
    assert.deepEqual(await suggest(people.carol.slackId), [otherGroupId]);
    assert.deepEqual(await suggest(people.mallory.slackId), []);
  });
});
