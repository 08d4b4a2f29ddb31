// A mistyped account or permission set is answered with what the caller may request, and nothing
// else: the policy's other accounts and permission sets are not anyone's to learn by typing badly.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grantCount, slash } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, PROD, SANDBOX, type World } from "../support/world.js";

const POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: sandbox-readers
    accounts: [sandbox]
    permissionSets: [ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 1h
  - name: prod-admins
    accounts: [prod]
    permissionSets: [AdministratorAccess]
    requesters: [${people.carol.slackId}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 1h
`;

/** Anything naming what only others may request. */
const OTHERS = /prod|111122223333|AdministratorAccess/;

describe("mistyped accounts and permission sets", () => {
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

  it("lists only the accounts the caller may request", async () => {
    const reply = await slash(bot, people.alice.slackId, "request sandbx ReadOnlyAccess 1h reading logs");
    assert.match(reply, /There is no account "sandbx" in the policy\. Accounts you may request: sandbox \(444455556666\)\.$/);
    assert.doesNotMatch(reply, OTHERS);
    assert.equal(await grantCount(world), 0);
  });

  it("lists only the permission sets the caller may request on that account", async () => {
    const reply = await slash(bot, people.alice.slackId, "request sandbox ReadOnly 1h reading logs");
    assert.match(
      reply,
      /There is no permission set "ReadOnly" in the policy\. Permission sets you may request on sandbox: ReadOnlyAccess\.$/,
    );
    assert.doesNotMatch(reply.replace("ReadOnlyAccess", ""), /Access/);
    const elsewhere = await slash(bot, people.alice.slackId, "request prod ReadOnly 1h reading logs");
    assert.match(elsewhere, /There is no permission set "ReadOnly" in the policy\.$/);
    assert.doesNotMatch(elsewhere, /AdministratorAccess|ReadOnlyAccess/);
  });

  it("lists nothing to someone who may request nothing", async () => {
    for (const text of ["request prd ReadOnlyAccess 1h let me in", "request prod Admin 1h let me in"]) {
      const reply = await slash(bot, people.mallory.slackId, text);
      assert.match(reply, /There is no (account "prd"|permission set "Admin") in the policy\.$/);
      assert.doesNotMatch(reply, OTHERS);
      assert.doesNotMatch(reply, /sandbox|444455556666|ReadOnlyAccess/);
    }
    assert.equal(await grantCount(world), 0);
  });
});
