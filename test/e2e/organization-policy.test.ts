// A policy taking its accounts from AWS Organizations (organization.accounts: aws), run by the real
// bot against the fake Organizations: an ou: rule covers the OU's active accounts at start, a new
// account after a refresh, an account moved out stops being requestable and its active grant is
// audited and posted (not revoked), a failed refresh keeps the last good policy and is audited,
// and a policy that does not resolve against the organization stops the start.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { startBot } from "../../src/bot.js";
import { loadConfig } from "../../src/config/env.js";
import { loadPolicySource } from "../../src/config/policy-file.js";
import { StartupError } from "../../src/startup-error.js";
import { runBotToExit, startChildBot } from "../support/child-bot.js";
import { freshBotForEachTest, RecordingLogger, TestClock, type TestBot } from "../support/in-process-bot.js";
import {
  auditRows,
  click,
  postedAction,
  postedAuditRecords,
  request,
  slash,
  statusBecomes,
  type PostedAuditRecord,
} from "../support/flows.js";
import { workloadsPolicy } from "../support/org-policy.js";
import { people, startWorld, type World } from "../support/world.js";

const SHOP = "210000000001";
const SEARCH = "210000000002";
const SUSPENDED = "210000000003";
const AUDITORS = "210000000004";
const LATER = "210000000005";
const REFRESH_MS = 5 * 60_000;

const POLICY = workloadsPolicy("  refreshMinutes: 5");

interface Units {
  workloads: string;
  security: string;
}

function organize(world: World): Units {
  const workloads = world.aws.addOrgUnit("Workloads");
  const prod = world.aws.addOrgUnit("Prod", workloads);
  const security = world.aws.addOrgUnit("Security");
  world.aws.addOrgAccount({ id: SHOP, name: "shop-prod", parentId: prod });
  world.aws.addOrgAccount({ id: SEARCH, name: "search-prod", parentId: workloads });
  world.aws.addOrgAccount({ id: SUSPENDED, name: "old-prod", parentId: prod, state: "SUSPENDED" });
  world.aws.addOrgAccount({ id: AUDITORS, name: "auditors", parentId: security });
  return { workloads, security };
}

/** The reply to a request that should be refused: no request id in it. */
async function refused(bot: TestBot, args: string): Promise<string> {
  const reply = await slash(bot, people.alice.slackId, `request ${args}`);
  assert.doesNotMatch(reply, /Request jit-/, `expected a refusal, got: ${reply}`);
  return reply;
}

async function activeGrant(bot: TestBot, world: World, args: string): Promise<string> {
  const requested = await request(bot, world, people.alice.slackId, args);
  assert.equal((await click(bot, people.bob.slackId, "jit_approve", requested)).status, 200);
  await statusBecomes(bot, requested.grantId, "active");
  return requested.grantId;
}

/** The audit channel's posts of `action`, once there is one (the feed posts on its own schedule). */
function postedOf(world: World, action: string): Promise<PostedAuditRecord[]> {
  return world.slack.waitFor(
    () => {
      const posted = postedAuditRecords(world).filter((r) => postedAction(r) === action);
      return posted.length > 0 ? posted : undefined;
    },
    5000,
    `an audit post of ${action}`,
  );
}

describe("accounts from AWS Organizations", () => {
  let world: World;
  let bot: TestBot;
  let units: Units;

  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    POLICY,
    {
      prepare: (w) => {
        units = organize(w);
      },
    },
  );

  it("offers the OU's active accounts by their names from Organizations, and refuses the rest", async () => {
    await request(bot, world, people.alice.slackId, "shop-prod ReadOnlyAccess 1h checking the shop");
    await request(bot, world, people.alice.slackId, `${SEARCH} ReadOnlyAccess 1h checking search`);
    assert.match(await refused(bot, "auditors ReadOnlyAccess 1h reading audit logs"), /No rule|not/i);
    await refused(bot, "old-prod ReadOnlyAccess 1h the suspended one");
    await refused(bot, `${SUSPENDED} ReadOnlyAccess 1h the suspended one by id`);
    assert.deepEqual(
      bot.bot.deps.policy.rules[0]?.accountIds.slice().sort(),
      [SHOP, SEARCH],
      "the rule covers the OU's active accounts only",
    );
  });

  it("covers an account added to the OU once refreshMinutes have passed and the refresh has run", async () => {
    world.aws.addOrgAccount({ id: LATER, name: "new-prod", parentId: units.workloads });
    await refused(bot, "new-prod ReadOnlyAccess 1h too early");
    assert.equal(await bot.bot.refreshOrganization(), undefined, "not due before refreshMinutes");
    assert.equal(world.aws.callsOf("ListRoots").length, 1, "read once, at start");

    bot.clock.advance(REFRESH_MS);
    const outcome = await bot.bot.refreshOrganization();

    assert.equal(outcome?.kind, "refreshed");
    await request(bot, world, people.alice.slackId, "new-prod ReadOnlyAccess 1h now covered");
    await refused(bot, "new-prod AdministratorAccess 1h not a set the rule gives");
  });

  it("reports, once, an active grant whose account moved out of the OU, and does not revoke it", async () => {
    const grantId = await activeGrant(bot, world, "shop-prod ReadOnlyAccess 2h checking the shop");
    const deletesBefore = world.aws.callsOf("DeleteAccountAssignment").length;
    world.aws.moveOrgAccount(SHOP, units.security);

    bot.clock.advance(REFRESH_MS);
    const outcome = await bot.bot.refreshOrganization();

    assert.deepEqual(outcome, { kind: "refreshed", from: "aws", accounts: 4, leftPolicy: 1 });
    await refused(bot, "shop-prod ReadOnlyAccess 1h after the move");
    const left = (await auditRows(world, grantId)).filter((r) => r.action === "account_left_policy");
    assert.equal(left.length, 1);
    assert.equal(left[0]?.detail.reason, "no-rule");
    assert.equal(left[0]?.detail.ou, "/Root/Security");
    const posted = await postedOf(world, "account_left_policy");
    assert.equal(posted.length, 1);
    assert.match(posted[0]?.text ?? "", /shop-prod \(210000000001\)/);
    assert.match(posted[0]?.text ?? "", /no rule covers it now/);
    assert.match(posted[0]?.text ?? "", /not revoked/);
    assert.equal((await bot.bot.deps.store.get(grantId))?.status, "active");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, deletesBefore);

    bot.clock.advance(REFRESH_MS);
    assert.equal((await bot.bot.refreshOrganization())?.kind, "refreshed");
    assert.equal((await auditRows(world, grantId)).filter((r) => r.action === "account_left_policy").length, 1, "reported once");
  });

  it("reports a grant whose account was suspended, as suspended", async () => {
    const grantId = await activeGrant(bot, world, `${SEARCH} ReadOnlyAccess 2h checking search`);
    world.aws.setOrgAccountState(SEARCH, "SUSPENDED");

    bot.clock.advance(REFRESH_MS);
    await bot.bot.refreshOrganization();

    const left = (await auditRows(world, grantId)).find((r) => r.action === "account_left_policy");
    assert.equal(left?.detail.reason, "not-active");
    assert.equal(left?.detail.accountState, "SUSPENDED");
    await refused(bot, "search-prod ReadOnlyAccess 1h suspended now");
  });

  it("keeps the last good policy when the organization cannot be read, and audits the failure", async () => {
    world.aws.addOrgAccount({ id: LATER, name: "new-prod", parentId: units.workloads });
    world.aws.denyOrganizationsAction("ListRoots");

    bot.clock.advance(REFRESH_MS);
    const outcome = await bot.bot.refreshOrganization();

    assert.equal(outcome?.kind, "kept");
    await request(bot, world, people.alice.slackId, "shop-prod ReadOnlyAccess 1h still covered");
    await refused(bot, "new-prod ReadOnlyAccess 1h not read");
    assert.ok(bot.logger.errors().some((line) => /reading the organization again failed/.test(line.message)));
    const failed = (await auditRows(world)).filter((r) => r.action === "organization_refresh_failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.detail.stage, "read");
    assert.match(String(failed[0]?.detail.problem), /ListRoots/);
    const [posted] = await postedOf(world, "organization_refresh_failed");
    assert.match(posted?.text ?? "", /AWS Organizations could not be read; the last good policy is kept/);
  });
});

describe("accounts from AWS Organizations at start", () => {
  async function startWith(policy: string, prepare: (world: World) => void): Promise<unknown> {
    const world = await startWorld(policy, { prepare });
    try {
      const env = world.env();
      for (const [key, value] of Object.entries(env)) if (key.startsWith("AWS_")) process.env[key] = value;
      const config = loadConfig(env);
      const bot = await startBot(config, loadPolicySource(config.policyFile), new RecordingLogger(), new TestClock());
      await bot.stop();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await world.close();
    }
  }

  it("refuses to start when a rule names an OU the organization does not have", async () => {
    const error = await startWith(POLICY.replace("ou:/Root/Workloads", "ou:/Root/Nowhere"), organize);
    assert.ok(error instanceof StartupError, `expected a StartupError, got ${String(error)}`);
    assert.match(error.message, /rules\[0\]\.accounts\[0\]/);
    assert.match(error.message, /\/Root\/Nowhere/);
  });

  it("refuses to start when AWS Organizations cannot be read", async () => {
    const error = await startWith(POLICY, (world) => {
      organize(world);
      world.aws.denyOrganizationsAction("ListAccountsForParent");
    });
    assert.ok(error instanceof StartupError, `expected a StartupError, got ${String(error)}`);
    assert.match(error.message, /organization\.accounts: aws/);
    assert.match(error.message, /ListAccountsForParent/);
  });

  it("starts as a process (main.ts) with the organization's accounts, and refuses one that does not resolve", async () => {
    const world = await startWorld(POLICY, { prepare: organize });
    try {
      const child = await startChildBot(world);
      const read = child
        .stdout()
        .split("\n")
        .find((line) => line.includes("read the organization's accounts from AWS Organizations"));
      await child.kill("SIGTERM");
      assert.ok(read, `no start-up line about the organization in:\n${child.stdout()}`);
      assert.equal((JSON.parse(read) as { accounts: number }).accounts, 4);

      writeFileSync(world.policyFile, POLICY.replace("ou:/Root/Workloads", "ou:ou-zz99-nothere1"));
      const exited = await runBotToExit(world.env(), world.dir);
      assert.equal(exited.code, 1);
      assert.match(exited.stderr, /jit-slack cannot start\. .*is invalid/s);
      assert.match(exited.stderr, /ou-zz99-nothere1/);
    } finally {
      await world.close();
    }
  });
});
