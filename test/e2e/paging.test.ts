// `/jit help` and `/jit list` at scale, through signed slash commands: a policy of 300 accounts and a
// requester with 120 open grants. Every page fits Slack's limits, says where it sits, and together
// the pages show each eligible target (or open grant) exactly once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Grant } from "../../src/domain/grant.js";
import { eligibleTargets } from "../../src/domain/policy.js";
import { messageProblems } from "../support/block-kit-limits.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { grantIdsOnPage, pageFooterOf, targetsOnHelpPage } from "../support/paging.js";
import { seededRequest } from "../support/seeded-grants.js";
import { APPROVALS, people } from "../support/world.js";

const ACCOUNTS = Array.from({ length: 300 }, (_, i) => ({ id: String(300000000000 + i), name: `workload-${i}` }));
// Alice may ask for ReadOnlyAccess anywhere and AdministratorAccess on the first 20 accounts: 320 targets.
const POLICY = `
admins: [${people.mallory.slackId}]
accounts:
${ACCOUNTS.map((account) => `  - { id: "${account.id}", name: ${account.name} }`).join("\n")}
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: read-anything
    accounts: ["*"]
    permissionSets: [ReadOnlyAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 8h
  - name: admin-some
    accounts: [${ACCOUNTS.slice(0, 20)
      .map((account) => account.name)
      .join(", ")}]
    permissionSets: [AdministratorAccess]
    requesters: [${people.alice.slackId}]
    approvers: [${people.bob.slackId}]
    approverChannel: ${APPROVALS}
    maxDuration: 2h
`;

interface Answer {
  readonly text?: string;
  readonly blocks?: readonly unknown[];
}

/** The answer to `/jit <text>` by `userId`, in the ack or through the response_url. */
async function answer(bot: TestBot, userId: string, text: string): Promise<Answer> {
  const delivery = await bot.driver.command(userId, text);
  assert.equal(delivery.response.status, 200);
  const body = delivery.response.body !== "" ? delivery.response.json() : (await delivery.waitForResponse()).body;
  return body as Answer;
}

/** Every page from 1 until the first page's footer says it ends, each checked against Slack's limits. */
async function pages(bot: TestBot, userId: string, command: string): Promise<Answer[]> {
  const first = await answer(bot, userId, command);
  const count = pageFooterOf(first.blocks ?? [])?.pages ?? 1;
  const rest: Answer[] = [];
  for (let page = 2; page <= count; page += 1) rest.push(await answer(bot, userId, `${command} ${page}`));
  const all = [first, ...rest];
  all.forEach((page, i) => {
    assert.deepEqual(messageProblems(page), [], `page ${i + 1}`);
    assert.deepEqual(pageFooterOf(page.blocks ?? [])?.page, i + 1);
  });
  return all;
}

describe("paging at scale", () => {
  let bot: TestBot;
  freshBotForEachTest(
    (_world, b) => {
      bot = b;
    },
    {},
    POLICY,
  );

  it("pages /jit help through all 320 targets of 300 accounts, each shown once, and refuses a page past the last", async () => {
    const shown = await pages(bot, people.alice.slackId, "help");
    assert.ok(shown.length > 1);
    assert.equal(pageFooterOf(shown[0]?.blocks ?? [])?.count, 320);
    const alice = await bot.bot.deps.directory.person(people.alice.slackId);
    const expected = eligibleTargets(bot.bot.deps.policy, alice).map((target) => `${target.account.id}/${target.permissionSet}`);
    assert.equal(expected.length, 320);
    assert.deepEqual(
      shown.flatMap((page) => targetsOnHelpPage(page.blocks ?? [])),
      expected,
    );

    const past = await answer(bot, people.alice.slackId, `help ${shown.length + 1}`);
    assert.equal(past.text, `:warning: There are only ${shown.length} pages: the last is \`/jit help ${shown.length}\`.`);
    const nothing = await answer(bot, people.mallory.slackId, "help 2");
    assert.match(nothing.text ?? "", /There is only 1 page/);
  });

  it("pages /jit list through a requester's 120 open grants, soonest to end first, leaving others' and ended ones out", async () => {
    const store = bot.bot.deps.store;
    const t0 = bot.bot.deps.clock.now();
    const open: Grant[] = [];
    for (let i = 0; i < 120; i += 1) {
      const request = { ...seededRequest(`jit-a${String(i).padStart(7, "0")}`, people.alice, "seeded", t0 - (120 - i) * 1000) };
      open.push(
        await store.insert({ ...request, accountId: ACCOUNTS[i % 300]?.id ?? "" }, { action: "requested", actorId: request.requesterId }),
      );
    }
    const carols = seededRequest("jit-c0000000", people.carol, "not alice's", t0);
    await store.insert(carols, { action: "requested", actorId: carols.requesterId });
    const ended = seededRequest("jit-e0000000", people.alice, "denied", t0);
    await store.insert(ended, { action: "requested", actorId: ended.requesterId });
    await store.transition(
      ended.id,
      "pending",
      "denied",
      { decidedBy: people.bob.slackId, decidedAt: t0 },
      { action: "denied", actorId: people.bob.slackId },
    );

    const shown = await pages(bot, people.alice.slackId, "list");
    assert.equal(shown.length, 6);
    assert.deepEqual(pageFooterOf(shown[5]?.blocks ?? []), { page: 6, pages: 6, count: 120 });
    assert.deepEqual(
      shown.flatMap((page) => grantIdsOnPage(page.blocks ?? [])),
      open.map((grant) => grant.id),
      "oldest pending first, every grant once",
    );
    assert.match((await answer(bot, people.alice.slackId, "list 7")).text ?? "", /There are only 6 pages: the last is `\/jit list 6`\./);
    assert.match(
      (await answer(bot, people.alice.slackId, "list 0")).text ?? "",
      /Give a page number like 2\. Usage: \/jit list \[--review\] \[page\]/,
    );
  });

  it("pages /jit list --review through 45 unreviewed break-glass grants for an admin, oldest first, and only for an admin", async () => {
    const store = bot.bot.deps.store;
    const t0 = bot.bot.deps.clock.now();
    const waiting: string[] = [];
    for (let i = 0; i < 45; i += 1) {
      const request = {
        ...seededRequest(`jit-b${String(i).padStart(7, "0")}`, people.alice, "break glass", t0 - (45 - i) * 1000),
        breakGlass: true,
      };
      waiting.push((await store.insert(request, { action: "requested", actorId: request.requesterId })).id);
    }
    const shown = await pages(bot, people.mallory.slackId, "list --review");
    assert.equal(shown.length, 3);
    assert.deepEqual(
      shown.flatMap((page) => grantIdsOnPage(page.blocks ?? [])),
      waiting,
    );
    assert.match(JSON.stringify(shown[0]?.blocks), /Next page: `\/jit list --review 2`/);
    assert.match((await answer(bot, people.bob.slackId, "list --review 2")).text ?? "", /Only jit-slack admins/);
  });
});
