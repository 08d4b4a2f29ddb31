// The fence comes ahead of the deletion: an expired grant's older role sessions are denied as soon as
// the policies are written, while its assignment still waits for the Identity Center quota; the fence
// after the deletion then also denies what the user opened in between. A burst of expiries is fenced
// together, in a write or two, not at the pace of its deletions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fenceDenies } from "../support/fence-sessions.js";
import { auditRows, click, eventually, request, slash, statusBecomes } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { pauseAt } from "../support/pause.js";
import { seedActiveGrant, type SeededGrant } from "../support/seeded-grants.js";
import { DEFAULT_POLICY, people, PROD, type World } from "../support/world.js";

const HOUR = 3_600_000;
const FENCED = `sessionFence:\n  mode: scp\n${DEFAULT_POLICY}`;
const EIGHT_HOURS = { sessionDurations: { AdministratorAccess: "PT8H", ReadOnlyAccess: "PT8H" } };

describe("the session fence ahead of the deletion", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    {},
    FENCED,
    EIGHT_HOURS,
  );

  const aliceSession = (issuedAt: number) => ({
    principalId: world.principals.alice,
    accountId: PROD,
    permissionSetName: "AdministratorAccess",
    issuedAt,
  });

  it("denies the older sessions while the assignment still exists, and after the deletion those opened meanwhile", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h fence ahead");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    const openedDuringGrant = bot.clock.now();

    const deletion = pauseAt(world.aws, "DeleteAccountAssignment");
    bot.clock.advance(HOUR + 1000);
    await deletion.reached;
    assert.equal(world.aws.assignments().length, 1, "the assignment is still there");
    assert.ok(fenceDenies(world.aws, aliceSession(openedDuringGrant)), "the session opened during the grant is denied already");
    const ahead = (await auditRows(world, requested.grantId)).find((row) => row.action === "session_fenced");
    assert.equal(ahead?.detail.beforeDeletion, true, "audited as fenced ahead of the deletion");

    // Alice opens a session after the fence ahead, before the deletion: not denied yet.
    const openedMeanwhile = bot.clock.now() + 1500;
    bot.clock.advance(2000);
    assert.ok(!fenceDenies(world.aws, aliceSession(openedMeanwhile)));
    deletion.release();
    await statusBecomes(bot, requested.grantId, "revoked");

    assert.deepEqual(world.aws.assignments(), []);
    assert.ok(fenceDenies(world.aws, aliceSession(openedMeanwhile)), "the fence after the deletion denies it");
    assert.ok(fenceDenies(world.aws, aliceSession(openedDuringGrant)));
    const rows = await auditRows(world, requested.grantId);
    const revoked = rows.find((row) => row.action === "revoked");
    assert.ok(!fenceDenies(world.aws, aliceSession(Date.parse(String(revoked?.detail.fencedBefore)))), "a session after the last fence");
    assert.equal(rows.filter((row) => row.action === "session_fenced").length, 1, "one session_fenced record");
  });

  it("fences ahead of the deletion when the requester ends the grant early too", async () => {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h fence ahead");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    const openedDuringGrant = bot.clock.now();
    const deletion = pauseAt(world.aws, "DeleteAccountAssignment");
    // The command answers once the grant has ended, so it is awaited after the deletion is let go.
    const answered = slash(bot, people.alice.slackId, `revoke ${requested.grantId}`);
    await deletion.reached;
    assert.equal(world.aws.assignments().length, 1, "the assignment is still there");
    assert.ok(fenceDenies(world.aws, aliceSession(openedDuringGrant)), "the session opened during the grant is denied already");
    deletion.release();
    await answered;
    await statusBecomes(bot, requested.grantId, "revoked");
    assert.ok(fenceDenies(world.aws, aliceSession(openedDuringGrant)));
  });
});

describe("a burst of expiries under a tight Identity Center quota", () => {
  const GRANTS = 40;
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    // Two calls a second: the deletions alone take 20 s, and the sweep holds 24 grants at a time.
    { JIT_AWS_CALLS_PER_SECOND: "2", JIT_SWEEP_INTERVAL_SECONDS: "1" },
    FENCED,
    EIGHT_HOURS,
  );

  it("fences every grant within seconds of the expiry, long before the deletions are done", async () => {
    const now = bot.clock.now();
    const seeded: SeededGrant[] = [];
    for (let i = 0; i < GRANTS; i += 1) {
      const id = `jit-ahead${String(i).padStart(3, "0")}`;
      seeded.push(await seedActiveGrant(world, bot.bot.deps.store, i, { id, justification: "burst", now, expiresAt: now + 60_000 }));
    }
    const session = (grant: SeededGrant) => ({
      principalId: grant.principalId,
      accountId: PROD,
      permissionSetName: "ReadOnlyAccess",
      issuedAt: now,
    });

    bot.clock.advance(61_000);
    const expiredAt = Date.now();
    await eventually(
      async () => {
        const fenced = (await auditRows(world)).filter((row) => row.action === "session_fenced");
        return new Set(fenced.map((row) => row.grantId)).size === GRANTS;
      },
      5_000,
      "every grant to be fenced",
    );
    const deletions = world.aws.callsOf("DeleteAccountAssignment").length;
    assert.ok(deletions < GRANTS / 2, `fenced within ${Date.now() - expiredAt} ms, when ${deletions} of ${GRANTS} deletions were sent`);
    for (const grant of seeded) assert.ok(fenceDenies(world.aws, session(grant)), `${grant.id}'s older session is denied`);

    await eventually(
      async () => (await Promise.all(seeded.map((g) => bot.bot.deps.store.get(g.id)))).every((g) => g?.status === "revoked"),
      60_000,
      "every grant to be revoked",
    );
    assert.deepEqual(world.aws.assignments(), []);
    for (const grant of seeded) assert.ok(fenceDenies(world.aws, session(grant)), `${grant.id}'s older session is still denied`);
    const fenced = (await auditRows(world)).filter((row) => row.action === "session_fenced");
    assert.equal(fenced.length, GRANTS, "one session_fenced record per grant");
  });
});
