// `/jit help` and `/jit list` page through long lists: every page fits Slack's limits, says where it
// sits, and together the pages show every target or grant exactly once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInput } from "../../src/domain/errors.js";
import type { Eligibility, Person, Policy } from "../../src/domain/policy.js";
import type { Message } from "../../src/slack/views/blocks.js";
import { grantList, LIST_PAGE, LISTED_AT_MOST, reviewList } from "../../src/slack/views/grant-list.js";
import { indexedTargets, listedTargets } from "../../src/domain/eligible-targets.js";
import { helpText, TARGETS_PER_PAGE } from "../../src/slack/views/help-text.js";
import { messageProblems, mrkdwnTexts } from "../support/block-kit-limits.js";
import { grant } from "../support/grant-fixture.js";
import { grantIdsOnPage, pageFooterOf, targetsOnHelpPage } from "../support/paging.js";
import { FENCE_OFF, fullRule } from "../support/rules.js";

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const alice: Person = { slackId: "U0ALICE", email: "alice@example.com", standing: "member" };
const rule = fullRule({
  name: "everything",
  accountIds: [],
  permissionSets: [],
  requesters: [{ kind: "slack-user", id: "U0ALICE" }],
  approvers: [{ kind: "slack-user", id: "U0BOSS" }],
  approverChannel: "C0APPROVALS",
  maxDurationMs: 4 * HOUR,
});

/** `accounts` accounts with long names, each with `sets` permission sets. */
function eligible(accounts: number, sets: number): Eligibility[] {
  return Array.from({ length: accounts * sets }, (_, i) => {
    const n = Math.floor(i / sets);
    return {
      account: { id: String(200000000000 + n), name: `workload-${n}-${"x".repeat(60)}` },
      permissionSet: `PermissionSet${i % sets}`,
      rule,
    };
  });
}

const idOf = (i: number) => `jit-${i.toString(36).padStart(8, "0")}`;

function assertFits(message: Message): void {
  assert.deepEqual(messageProblems(message), []);
}

/** Every page of a paged answer, from 1 until the footer says it was the last. */
function allPages(build: (page: number) => Message): Message[] {
  const first = build(1);
  const pages = pageFooterOf(first.blocks)?.pages ?? 1;
  return [first, ...Array.from({ length: pages - 1 }, (_, i) => build(i + 2))];
}

describe("helpText at 5,000 accounts × 300 permission sets", () => {
  const accounts = Array.from({ length: 5000 }, (_, i) => ({ id: String(300000000000 + i), name: `account-${i}` }));
  const sets = Array.from({ length: 300 }, (_, i) => `Set${i}`);
  const policy: Policy = {
    unmanagedAssignments: "ignore",
    sessionFence: FENCE_OFF,
    admins: [],
    sharedAddressPatterns: [],
    accounts,
    permissionSets: sets,
    rules: [{ ...rule, accountIds: accounts.map((a) => a.id), permissionSets: sets }],
  };

  it("shows any page of 1.5 million targets from the index, without listing them", () => {
    const targets = indexedTargets(policy, alice);
    assert.equal(targets.count, 1_500_000);
    const first = helpText(targets, false, alice, 1);
    assertFits(first);
    const pages = Math.ceil(1_500_000 / TARGETS_PER_PAGE);
    assert.deepEqual(pageFooterOf(first.blocks), { page: 1, pages, count: 1_500_000 });
    assert.deepEqual(
      targetsOnHelpPage(first.blocks),
      sets.slice(0, TARGETS_PER_PAGE).map((set) => `300000000000/${set}`),
    );
    const middle = helpText(targets, false, alice, 25_001);
    assertFits(middle);
    // Target 750,000 onwards: account 2500's first permission set, its heading not continued.
    assert.equal(targetsOnHelpPage(middle.blocks)[0], "300000002500/Set0");
    const last = helpText(targets, false, alice, pages);
    assertFits(last);
    assert.deepEqual(
      targetsOnHelpPage(last.blocks),
      sets.slice(-TARGETS_PER_PAGE).map((set) => `300000004999/${set}`),
    );
    assert.match(mrkdwnTexts(last.blocks).join("\n"), /\*account-4999\* \(300000004999\) _\(continued\)_/);
    assert.throws(() => helpText(targets, false, alice, pages + 1), InvalidInput);
  });
});

describe("helpText pages", () => {
  const targets = eligible(103, 4);

  it("says on each page which page it is and how many targets there are, all pages within Slack's limits", () => {
    const pages = allPages((page) => helpText(listedTargets(targets), true, alice, page));
    assert.ok(pages.length > 2, `${pages.length} pages`);
    pages.forEach((message, i) => {
      assertFits(message);
      assert.deepEqual(pageFooterOf(message.blocks), { page: i + 1, pages: pages.length, count: 412 });
    });
    const footers = pages.map((message) => mrkdwnTexts(message.blocks).at(-1) ?? "");
    assert.match(footers[0] ?? "", new RegExp(`^Page 1 of ${pages.length}, 412 targets\\. Next page: \`/jit help 2\`$`));
    assert.match(footers.at(-1) ?? "", /This is the last page\.$/);
    assert.ok(!footers.at(-1)?.includes("Next page"));
  });

  it("shows every target exactly once across the pages, in the policy's order", () => {
    const shown = allPages((page) => helpText(listedTargets(targets), false, alice, page)).flatMap((message) =>
      targetsOnHelpPage(message.blocks),
    );
    assert.deepEqual(
      shown,
      targets.map((target) => `${target.account.id}/${target.permissionSet}`),
    );
  });

  it("repeats the heading of an account cut between two sections, marked as continued", () => {
    const wide = eligible(2, 80);
    const texts = mrkdwnTexts(allPages((page) => helpText(listedTargets(wide), false, alice, page)).flatMap((message) => message.blocks));
    assert.ok(texts.some((text) => /^\*workload-0-x+\* \(200000000000\) _\(continued\)_/.test(text)));
  });

  it("shows the commands on the first page only", () => {
    assert.match(helpText(listedTargets(targets), false, alice, 1).text, /`\/jit help \[page\]`/);
    const second = helpText(listedTargets(targets), false, alice, 2);
    assert.equal(second.text, `What you can request, page 2 of ${pageFooterOf(second.blocks)?.pages}`);
    assert.ok(!mrkdwnTexts(second.blocks).some((text) => text.includes("/jit request")));
  });

  it("has no page line when everything fits on one page", () => {
    const help = helpText(listedTargets(eligible(2, 2)), false, alice);
    assert.equal(pageFooterOf(help.blocks), undefined);
    assert.ok(!mrkdwnTexts(help.blocks).some((text) => /page \d/i.test(text)));
  });

  it("refuses a page past the last, naming the last", () => {
    const pages = pageFooterOf(helpText(listedTargets(targets), false, alice).blocks)?.pages ?? 0;
    assert.throws(
      () => helpText(listedTargets(targets), false, alice, pages + 1),
      (error: unknown) =>
        error instanceof InvalidInput && error.message === `There are only ${pages} pages: the last is \`/jit help ${pages}\`.`,
    );
    assert.throws(() => helpText(listedTargets([]), false, alice, 2), /There is only 1 page: the last is `\/jit help 1`\./);
  });
});

describe("grantList pages", () => {
  const grants = Array.from({ length: 45 }, (_, i) => grant({ id: idOf(i), expiresAt: T0 + (i + 1) * 60_000 }));

  it("shows 20 grants a page, soonest to end first, each grant once, every page within Slack's limits", () => {
    const pages = allPages((page) => grantList(grants, [], T0, page));
    assert.deepEqual(
      pages.map((message) => grantIdsOnPage(message.blocks).length),
      [LIST_PAGE, LIST_PAGE, 5],
    );
    pages.forEach((message, i) => {
      assertFits(message);
      assert.deepEqual(pageFooterOf(message.blocks), { page: i + 1, pages: 3, count: 45 });
    });
    assert.deepEqual(
      pages.flatMap((message) => grantIdsOnPage(message.blocks)),
      grants.map((g) => g.id),
    );
    assert.match(mrkdwnTexts(pages[0]?.blocks).join("\n"), /Next page: `\/jit list 2`/);
    assert.match(mrkdwnTexts(pages[2]?.blocks).join("\n"), /Page 3 of 3, 45 grants\. This is the last page\./);
  });

  it("refuses a page past the last, and a second page of nothing", () => {
    assert.throws(() => grantList(grants, [], T0, 4), /There are only 3 pages: the last is `\/jit list 3`\./);
    assert.throws(() => grantList([], [], T0, 2), /There is only 1 page/);
  });

  it("says 'at least' when the store's answer reached its bound", () => {
    const bounded = Array.from({ length: LISTED_AT_MOST }, (_, i) => grant({ id: idOf(i) }));
    assert.match(grantList(bounded, [], T0).text, /^Your access: at least 1,000 pending or active$/);
    assert.match(grantList(grants, [], T0).text, /^Your access: 45 pending or active$/);
  });
});

describe("reviewList pages", () => {
  it("pages break-glass grants oldest first with their buttons, and refuses a page past the last", () => {
    const waiting = Array.from({ length: 30 }, (_, i) => grant({ id: idOf(i), breakGlass: true, createdAt: T0 + i }));
    const pages = allPages((page) => reviewList(waiting, [], page));
    assert.equal(pages.length, 2);
    for (const message of pages) assertFits(message);
    assert.deepEqual(
      pages.flatMap((message) => grantIdsOnPage(message.blocks)),
      waiting.map((g) => g.id),
    );
    assert.equal((JSON.stringify(pages[1]?.blocks).match(/"action_id":"jit_review_ack"/g) ?? []).length, 10);
    assert.match(mrkdwnTexts(pages[0]?.blocks).join("\n"), /Next page: `\/jit list --review 2`/);
    assert.throws(() => reviewList(waiting, [], 3), /the last is `\/jit list --review 2`/);
  });
});
