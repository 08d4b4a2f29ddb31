// Access ends when the grant ends: revocation also denies the role sessions the user opened before
// it, through the bot's service control policies, until the session duration has passed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fenceBound } from "../../src/domain/session-fence.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { scpDenies } from "../support/iam-scp-evaluator.js";
import { auditRows, click, eventually, request, statusBecomes, type AuditRow } from "../support/flows.js";
import { DEFAULT_POLICY, people, PROD, SANDBOX, type World } from "../support/world.js";

const HOUR = 3_600_000;
const FENCE_POLICIES = ["jit-slack-session-fence-1", "jit-slack-session-fence-2", "jit-slack-session-fence-3"];
const FENCED = `sessionFence:\n  mode: scp\n${DEFAULT_POLICY}`;

describe("the session fence", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_REVOCATION_ALERT_AFTER: "2" },
    FENCED,
    { sessionDurations: { AdministratorAccess: "PT8H" } },
  );

  /** What the bot's policies say now of a session the user opened at `issuedAt` (the bot's clock). */
  function denied(who: "alice" | "carol", accountId: string, issuedAt: number, permissionSet = "AdministratorAccess"): boolean {
    const context = {
      "identitystore:userId": world.principals[who],
      "aws:PrincipalArn": `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${permissionSet}_0fed56ec5d997fc5`,
      "aws:TokenIssueTime": issuedAt,
    };
    return FENCE_POLICIES.some((name) => {
      const content = world.aws.scpContent(name);
      return content !== undefined && scpDenies(content, context);
    });
  }

  async function granted(who: "alice" | "carol", target = "prod AdministratorAccess 1h") {
    const requested = await request(bot, world, people[who].slackId, `${target} fence test`);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    return requested;
  }

  const actions = async (grantId: string) => (await auditRows(world, grantId)).map((row) => row.action);
  const row = async (grantId: string, action: string): Promise<AuditRow | undefined> =>
    (await auditRows(world, grantId)).find((r) => r.action === action);

  it("denies the user's older role sessions when a grant expires, and shows it revoked only after", async () => {
    const { grantId } = await granted("alice");
    const openedDuringGrant = bot.clock.now();
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, grantId, "revoked");

    const fenced = await row(grantId, "session_fenced");
    const revoked = await row(grantId, "revoked");
    assert.ok(fenced && revoked, "fenced and revoked are audited");
    assert.ok(fenced.seq < revoked.seq, "fenced before it is shown revoked");
    assert.equal(revoked.detail.sessionsFenced, true);
    const startedAt = (await row(grantId, "revocation_started"))?.at ?? 0;
    const ahead = Date.parse(String(fenced.detail.fencedBefore));
    assert.equal(fenced.detail.beforeDeletion, true, "fenced ahead of the deletion");
    assert.equal(fenced.detail.fencedBefore, fenceBound(ahead), "a whole second");
    const bound = Date.parse(String(revoked.detail.fencedBefore));
    assert.ok(
      ahead >= startedAt && ahead <= bound && bound <= revoked.at + 1000,
      "bounded at the revocation time, then after the deletion",
    );

    const policies = FENCE_POLICIES.map((name) => world.aws.scpContent(name) ?? "");
    assert.ok(
      policies.some((content) => content.includes(world.principals.alice)),
      "the deny names alice's Identity Store user id",
    );
    assert.ok(policies.some((content) => content.includes("AWSReservedSSO_AdministratorAccess_")));
    assert.deepEqual(world.aws.scpTargets(FENCE_POLICIES[0] as string), [world.aws.rootId]);
    assert.equal(denied("alice", PROD, openedDuringGrant), true, "a session opened during the grant");
    assert.equal(denied("alice", PROD, bound + 1000), false, "a session opened after the fence");
    assert.equal(denied("alice", SANDBOX, openedDuringGrant), false, "another account");
    assert.equal(denied("alice", PROD, openedDuringGrant, "ReadOnlyAccess"), false, "another permission set");
    assert.equal(denied("carol", PROD, openedDuringGrant), false, "another user");
  });

  it("lifts the entry once the permission set's session duration has passed", async () => {
    const { grantId } = await granted("alice");
    const openedDuringGrant = bot.clock.now();
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, grantId, "revoked");
    assert.equal(denied("alice", PROD, openedDuringGrant), true);

    bot.clock.advance(7 * HOUR);
    await bot.bot.tick();
    assert.equal(denied("alice", PROD, openedDuringGrant), true, "still within the 8 h session duration");
    assert.ok(!(await actions(grantId)).includes("fence_lifted"));

    bot.clock.advance(HOUR + 2000);
    await eventually(async () => (await actions(grantId)).includes("fence_lifted"), 8000, "the entry to be lifted");
    assert.equal(denied("alice", PROD, openedDuringGrant), false, "no session it denied can still be valid");
    for (const name of FENCE_POLICIES) assert.ok(!(world.aws.scpContent(name) ?? "").includes(world.principals.alice));
  });

  it("lets a new grant on the same target work at once, and keeps it working when others are fenced", async () => {
    const first = await granted("alice");
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, first.grantId, "revoked");
    const fencedAt = Date.parse(String((await row(first.grantId, "session_fenced"))?.detail.fencedBefore));

    const carols = await granted("carol", "prod AdministratorAccess 1h");
    bot.clock.advance(60_000);
    const again = await granted("alice", "prod AdministratorAccess 2h");
    const newSession = bot.clock.now();
    assert.equal(denied("alice", PROD, newSession), false, "the new grant's session");
    assert.equal(denied("alice", PROD, fencedAt - 60_000), true, "sessions from before the first revocation stay denied");

    // Carol's grant ends while alice's new one is live: the policies are written again, and alice's
    // entry must keep its own time rather than share carol's later one.
    bot.clock.advance(HOUR);
    await statusBecomes(bot, carols.grantId, "revoked");
    assert.equal(denied("carol", PROD, newSession), true);
    assert.equal(denied("alice", PROD, newSession), false, "alice's live grant is not fenced by carol's revocation");
    assert.equal((await bot.bot.deps.store.get(again.grantId))?.status, "active");
  });

  it("fences a shared assignment only when the last grant on it ends", async () => {
    const first = await granted("alice");
    bot.clock.advance(30 * 60_000);
    const second = await granted("alice");
    const opened = bot.clock.now();
    bot.clock.advance(31 * 60_000);
    await statusBecomes(bot, first.grantId, "revoked");
    assert.ok(!(await actions(first.grantId)).includes("session_fenced"), "the second grant still holds it");
    assert.equal(denied("alice", PROD, opened), false, "the second grant's sessions work");
    bot.clock.advance(30 * 60_000);
    await statusBecomes(bot, second.grantId, "revoked");
    assert.ok((await actions(second.grantId)).includes("session_fenced"));
    assert.equal(denied("alice", PROD, opened), true);
  });

  it("never fences access the user had before the grant", async () => {
    world.aws.addAssignment({
      accountId: PROD,
      permissionSetArn: world.permissionSets.AdministratorAccess,
      principalId: world.principals.alice,
    });
    const { grantId } = await granted("alice");
    const opened = bot.clock.now();
    bot.clock.advance(HOUR + 1000);
    await statusBecomes(bot, grantId, "revoked");
    assert.ok(!(await actions(grantId)).includes("session_fenced"));
    assert.equal(denied("alice", PROD, opened), false);
    assert.equal(world.aws.callsOf("UpdatePolicy").length + world.aws.callsOf("CreatePolicy").length, 0, "no policy was written");
  });

  it("keeps the grant revoking and raises revocation_stuck while the fence cannot be written, then finishes", async () => {
    world.aws.failNext(
      "CreatePolicy",
      { code: "AccessDeniedException", message: "not authorized to perform organizations:CreatePolicy" },
      4,
    );
    const { grantId } = await granted("alice");
    const opened = bot.clock.now();
    bot.clock.advance(HOUR + 1000);
    await eventually(async () => (await actions(grantId)).includes("revocation_retry"), 8000, "a failed attempt");
    assert.equal((await bot.bot.deps.store.get(grantId))?.status, "revoking", "not shown revoked while sessions still work");
    assert.equal(world.aws.assignments().length, 0, "the assignment itself is gone");
    for (let attempt = 0; attempt < 6 && !(await actions(grantId)).includes("revoked"); attempt += 1) {
      bot.clock.advance(5 * 60_000); // past the retry backoff
      await bot.bot.tick();
    }
    const seen = await actions(grantId);
    assert.ok(seen.includes("revocation_stuck"), "the audit channel is alerted");
    await statusBecomes(bot, grantId, "revoked");
    assert.equal(denied("alice", PROD, opened), true);
    assert.equal(seen.filter((action) => action === "session_fenced").length, 1);
  });
});
