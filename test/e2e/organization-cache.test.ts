// The organization snapshot shared through the database (organization.accounts: aws), run by the
// real bots and jit-admin against the fake Organizations: within refreshMinutes AWS is read once
// however many bots and restarts there are, jit-admin org refresh reaches a running bot at its next
// check, account_left_policy is reported once across restarts, a tampered stored snapshot is
// refused (and AWS read instead), and a bot that cannot read AWS at start starts from the stored one.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startBot } from "../../src/bot.js";
import { loadConfig } from "../../src/config/env.js";
import { loadPolicySource } from "../../src/config/policy-file.js";
import { auditRows, click, request, statusBecomes } from "../support/flows.js";
import { RecordingLogger, TestClock, testBot, type TestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { workloadsPolicy } from "../support/org-policy.js";
import { people, startWorld, type World } from "../support/world.js";
import { withWorldStore, worldSql } from "../support/world-store.js";

const SHOP = "230000000001";
const SEARCH = "230000000002";
const LATER = "230000000003";
const REFRESH_MS = 5 * 60_000;
const POLICY = workloadsPolicy("  refreshMinutes: 5");

/** A bot on the world's database whose clock starts `offsetMs` ahead (as far as an earlier bot's had moved). */
async function startBotAt(world: World, offsetMs = 0): Promise<TestBot> {
  const env = world.env();
  for (const [key, value] of Object.entries(env)) if (key.startsWith("AWS_")) process.env[key] = value;
  const config = loadConfig(env);
  const clock = new TestClock();
  clock.advance(offsetMs);
  const logger = new RecordingLogger();
  return testBot(world, await startBot(config, loadPolicySource(config.policyFile), logger, clock), clock, logger);
}

/** The accounts the rule (ou:/Root/Workloads) covers in the bot's policy now. */
function offered(bot: TestBot): string[] {
  return [...(bot.bot.deps.policy.rules[0]?.accountIds ?? [])].sort();
}

function logged(bot: TestBot, pattern: RegExp): object | undefined {
  return bot.logger.lines.find((line) => pattern.test(line.message))?.context;
}

describe("the organization shared through the database", () => {
  let world: World;
  let units: { workloads: string; security: string };
  const bots: TestBot[] = [];
  const reads = () => world.aws.callsOf("ListRoots").length;
  const start = async (offsetMs = 0) => {
    const bot = await startBotAt(world, offsetMs);
    bots.push(bot);
    return bot;
  };

  beforeEach(async () => {
    world = await startWorld(POLICY, {
      prepare: (w) => {
        const workloads = w.aws.addOrgUnit("Workloads");
        const security = w.aws.addOrgUnit("Security");
        w.aws.addOrgAccount({ id: SHOP, name: "shop-prod", parentId: workloads });
        w.aws.addOrgAccount({ id: SEARCH, name: "search-prod", parentId: workloads });
        units = { workloads, security };
      },
    });
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await world.close();
  });

  it("is read from AWS once per refreshMinutes by two bots sharing the store: the second takes up what the first stored", async () => {
    const first = await start();
    const second = await start();
    assert.equal(reads(), 1, "the second bot started from the stored snapshot");
    assert.ok(logged(second, /using the organization stored in the database/));
    assert.deepEqual(offered(second), [SHOP, SEARCH]);

    world.aws.addOrgAccount({ id: LATER, name: "new-prod", parentId: units.workloads });
    first.clock.advance(REFRESH_MS);
    second.clock.advance(REFRESH_MS);
    assert.equal((await first.bot.refreshOrganization())?.kind, "refreshed");
    const outcome = await second.bot.refreshOrganization();

    assert.deepEqual(outcome, { kind: "refreshed", from: "store", accounts: 4, leftPolicy: 0 });
    assert.equal(reads(), 2, "one read for both bots");
    assert.deepEqual(offered(second), [SHOP, SEARCH, LATER]);
    assert.equal(await second.bot.refreshOrganization(), undefined, "nothing new, nothing due");
  });

  it("takes up at its next check what jit-admin org refresh stored, without reading AWS itself", async () => {
    const bot = await start();
    world.aws.addOrgAccount({ id: LATER, name: "new-prod", parentId: units.workloads });
    assert.equal(await bot.bot.refreshOrganization(), undefined);

    const ran = await jitAdmin(["org", "refresh"], world.env(), world.dir);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(reads(), 2);
    const outcome = await bot.bot.refreshOrganization();

    assert.equal(outcome?.kind === "refreshed" && outcome.from, "store");
    assert.equal(reads(), 2, "the bot did not read AWS");
    assert.deepEqual(offered(bot), [SHOP, SEARCH, LATER]);
  });

  it("restarts within refreshMinutes from the stored snapshot, and does not report a grant that left the policy again", async () => {
    const bot = await start();
    const requested = await request(bot, world, people.alice.slackId, "shop-prod ReadOnlyAccess 2h checking the shop");
    assert.equal((await click(bot, people.bob.slackId, "jit_approve", requested)).status, 200);
    await statusBecomes(bot, requested.grantId, "active");
    world.aws.moveOrgAccount(SHOP, units.security);
    bot.clock.advance(REFRESH_MS);
    assert.equal((await bot.bot.refreshOrganization())?.kind, "refreshed");
    const leftReports = async () => (await auditRows(world, requested.grantId)).filter((r) => r.action === "account_left_policy").length;
    assert.equal(await leftReports(), 1);
    await bots.splice(0)[0]?.stop();

    const restarted = await start(REFRESH_MS);
    assert.equal(reads(), 2, "the restart read nothing from AWS");
    assert.deepEqual(offered(restarted), [SEARCH]);
    restarted.clock.advance(REFRESH_MS);
    const outcome = await restarted.bot.refreshOrganization();

    assert.deepEqual(outcome, { kind: "refreshed", from: "aws", accounts: 3, leftPolicy: 0 });
    assert.equal(await leftReports(), 1, "reported once, across the restart");
  });

  it("refuses a tampered stored snapshot at start and reads AWS instead", async () => {
    await (await start()).stop();
    bots.splice(0);
    const stored = await withWorldStore(world, (opened) => opened.organizationSnapshots.latest());
    const snapshot = JSON.parse(stored?.snapshot ?? "{}") as { accounts: { id: string; name: string }[] };
    // Someone with the database adds an account of theirs to the OU the rule covers, with a field the schema lacks.
    snapshot.accounts.push({ ...(snapshot.accounts[0] ?? { id: "", name: "" }), id: "999999999999", name: "mine", ...{ admin: true } });
    await worldSql(world, "UPDATE organization_snapshot SET snapshot = ?", [JSON.stringify(snapshot)]);

    const bot = await start();

    assert.equal(reads(), 2, "AWS read again");
    assert.match(
      bot.logger
        .errors()
        .map((line) => line.message)
        .join("\n"),
      /the organization stored in the database is not a valid snapshot and is refused/,
    );
    assert.deepEqual(offered(bot), [SHOP, SEARCH]);
    const replaced = await withWorldStore(world, (opened) => opened.organizationSnapshots.latest());
    assert.doesNotMatch(replaced?.snapshot ?? "", /999999999999/, "what was read replaced it");
  });

  it("refuses, at its refresh check, a stored snapshot claiming to be read in the future, and reads AWS now", async () => {
    const bot = await start();
    const stored = await withWorldStore(world, (opened) => opened.organizationSnapshots.latest());
    const future = Date.now() + 24 * 60 * 60_000;
    const snapshot = { ...(JSON.parse(stored?.snapshot ?? "{}") as object), readAt: future };
    await worldSql(world, "UPDATE organization_snapshot SET read_at = ?, snapshot = ?", [future, JSON.stringify(snapshot)]);

    const outcome = await bot.bot.refreshOrganization();

    assert.equal(outcome?.kind === "refreshed" && outcome.from, "aws");
    assert.equal(reads(), 2);
    assert.ok(bot.logger.errors().some((line) => /is refused/.test(line.message)));
    assert.equal((await withWorldStore(world, (opened) => opened.organizationSnapshots.readAt())) !== future, true);
  });

  it("starts from the stored snapshot, logging its age, when AWS Organizations cannot be read", async () => {
    await (await start()).stop();
    bots.splice(0);
    world.aws.denyOrganizationsAction("ListRoots");

    const bot = await start(2 * REFRESH_MS);

    assert.deepEqual(offered(bot), [SHOP, SEARCH]);
    const context = logged(bot, /AWS Organizations cannot be read .*starting from the organization stored in the database/);
    assert.equal((context as { ageMinutes?: number } | undefined)?.ageMinutes, 10);
  });
});
