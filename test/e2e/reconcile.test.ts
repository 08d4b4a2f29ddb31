// Reconciliation: grants whose assignment vanished are ended; assignments the bot left behind are removed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reconcile } from "../../src/services/reconcile.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, request, statusBecomes, waitForDm, type Requested } from "../support/flows.js";
import { DEFAULT_POLICY, people, PROD, SANDBOX, type World } from "../support/world.js";
import { worldSql } from "../support/world-store.js";

const MINUTE = 60_000;

describe("reconciliation with AWS", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_RECONCILE_INTERVAL_MINUTES: "0" },
  );

  const aliceAdmin = () => ({
    accountId: PROD,
    permissionSetArn: world.permissionSets.AdministratorAccess,
    principalId: world.principals.alice,
  });

  async function activeGrant(args = "prod AdministratorAccess 2h drift"): Promise<Requested> {
    const requested = await request(bot, world, people.alice.slackId, args);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    return requested;
  }

  it("reports, then ends, an active grant whose assignment was removed outside the bot", async () => {
    const requested = await activeGrant();
    assert.ok(world.aws.removeAssignment(aliceAdmin()));
    bot.clock.advance(3 * MINUTE);

    const dry = await reconcile(bot.bot.deps, { dryRun: true });
    assert.deepEqual(
      dry.missing.map((g) => g.id),
      [requested.grantId],
    );
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "active", "a dry run changes nothing");

    await reconcile(bot.bot.deps, { dryRun: false });
    await statusBecomes(bot, requested.grantId, "revoked");
    await waitForDm(world, people.alice.slackId, /has ended/);
    const actions = (await auditRows(world, requested.grantId)).map((r) => r.action);
    assert.deepEqual(actions.slice(-2), ["drift_detected", "revoked"]);
  });

  it("leaves a grant activated moments ago alone, since AWS lists can lag", async () => {
    const requested = await activeGrant();
    assert.ok(world.aws.removeAssignment(aliceAdmin()));
    const report = await reconcile(bot.bot.deps, { dryRun: false });
    assert.deepEqual(report.missing, []);
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "active");
  });

  it("removes an assignment the bot created that outlived its grant, and audits it", async () => {
    const requested = await activeGrant();
    // A grant recorded as ended while its assignment stayed (a bug, or a hand edit of the database).
    await worldSql(world, "UPDATE grants SET status = 'revoked', ended_at = ? WHERE id = ?", [Date.now(), requested.grantId]);

    const dry = await reconcile(bot.bot.deps, { dryRun: true });
    assert.equal(dry.orphans.length, 1);
    assert.ok(world.aws.hasAssignment(aliceAdmin()), "a dry run deletes nothing");

    await reconcile(bot.bot.deps, { dryRun: false });
    assert.equal(world.aws.hasAssignment(aliceAdmin()), false);
    const removed = (await auditRows(world, requested.grantId)).find((r) => r.action === "orphan_removed");
    assert.equal(removed?.detail.removed, true);
    assert.deepEqual((await reconcile(bot.bot.deps, { dryRun: true })).orphans, [], "nothing left to repair");
  });

  it("never touches an assignment the user had before the grant, after the grant ends", async () => {
    world.aws.addAssignment(aliceAdmin());
    const requested = await activeGrant("prod AdministratorAccess 1h already had it");
    bot.clock.advance(61 * MINUTE);
    await statusBecomes(bot, requested.grantId, "revoked");
    const report = await reconcile(bot.bot.deps, { dryRun: false });
    assert.deepEqual(report.orphans, []);
    assert.ok(world.aws.hasAssignment(aliceAdmin()));
  });

  it("does not count an assignment another grant still holds as an orphan", async () => {
    const first = await activeGrant("prod AdministratorAccess 1h first");
    const second = await activeGrant("prod AdministratorAccess 2h second");
    bot.clock.advance(61 * MINUTE);
    await statusBecomes(bot, first.grantId, "revoked");
    const report = await reconcile(bot.bot.deps, { dryRun: false });
    assert.deepEqual(report.orphans, []);
    assert.deepEqual(report.missing, []);
    assert.ok(world.aws.hasAssignment(aliceAdmin()));
    assert.equal((await bot.bot.deps.store.get(second.grantId))?.status, "active");
  });
});

describe("standing access no grant explains", () => {
  for (const mode of ["report", "enforce"] as const) {
    describe(`with unmanagedAssignments: ${mode}`, () => {
      let world: World;
      let bot: TestBot;
      freshBotForEachTest(
        (w, b) => {
          world = w;
          bot = b;
        },
        { JIT_RECONCILE_INTERVAL_MINUTES: "0" },
        `unmanagedAssignments: ${mode}\n${DEFAULT_POLICY}`,
      );

      it(
        mode === "report"
          ? "reports each standing assignment once, and removes nothing"
          : "removes standing assignments, users' and groups', and audits each",
        async () => {
          const standing = {
            accountId: PROD,
            permissionSetArn: world.permissionSets.AdministratorAccess,
            principalId: world.principals.carol,
          };
          const group = {
            accountId: SANDBOX,
            permissionSetArn: world.permissionSets.ReadOnlyAccess,
            principalId: "group-ops",
            principalType: "GROUP" as const,
          };
          world.aws.addAssignment(standing);
          world.aws.addAssignment(group);
          const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h explained by a grant");
          await click(bot, people.bob.slackId, "jit_approve", requested);
          await statusBecomes(bot, requested.grantId, "active");

          const reported = new Set<string>();
          const report = await reconcile(bot.bot.deps, { dryRun: false, reported });
          assert.deepEqual(
            report.unmanaged.map((t) => t.principalId).sort(),
            ["group-ops", world.principals.carol].sort(),
            "the grant's own assignment is explained; the standing ones are not",
          );
          const findings = (await auditRows(world)).filter((record) => record.action.startsWith("unmanaged"));
          assert.equal(findings.length, 2);
          assert.ok(findings.every((f) => f.grantId === ""));
          if (mode === "report") {
            assert.ok(findings.every((f) => f.action === "unmanaged_assignment"));
            assert.ok(world.aws.hasAssignment(standing) && world.aws.hasAssignment(group));
            await reconcile(bot.bot.deps, { dryRun: false, reported });
            const again = (await auditRows(world)).filter((r) => r.action === "unmanaged_assignment").length;
            assert.equal(again, 2, "not reported again on the next run");
          } else {
            assert.ok(findings.every((f) => f.action === "unmanaged_removed" && f.detail.removed === true));
            assert.equal(world.aws.hasAssignment(standing), false);
            assert.equal(world.aws.hasAssignment(group), false);
            assert.ok(
              world.aws.hasAssignment({
                accountId: PROD,
                permissionSetArn: world.permissionSets.AdministratorAccess,
                principalId: world.principals.alice,
              }),
              "the grant's assignment stays",
            );
          }
        },
      );
    });
  }
});

describe("enforcing unmanagedAssignments while grants are being made", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    { JIT_RECONCILE_INTERVAL_MINUTES: "0" },
    `unmanagedAssignments: enforce\n${DEFAULT_POLICY}`,
  );

  it("never removes the assignment of a grant provisioned while the run was between listing and deleting", async () => {
    // The run's first listing is of prod AdministratorAccess; AWS answers it only after the grant is active.
    let listing!: () => void;
    const listed = new Promise<void>((resolve) => (listing = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const stop = world.aws.onCall(async (call) => {
      if (call.operation !== "ListAccountAssignments" || !first) return;
      first = false;
      listing();
      await released;
    });
    const run = reconcile(bot.bot.deps, { dryRun: false });
    await listed;
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h during reconciliation");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    stop();
    release();

    const report = await run;
    assert.deepEqual(report.unmanaged, [], "a grant holds it now: not standing access");
    assert.ok(
      world.aws.hasAssignment({
        accountId: PROD,
        permissionSetArn: world.permissionSets.AdministratorAccess,
        principalId: world.principals.alice,
      }),
    );
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0);
    assert.ok(!(await auditRows(world)).some((record) => record.action === "unmanaged_removed"));
    assert.equal((await bot.bot.deps.store.get(requested.grantId))?.status, "active");
  });

  it("writes the removal of standing access to the operation log, and the next run follows up one it was interrupted in", async () => {
    const group = {
      accountId: SANDBOX,
      permissionSetArn: world.permissionSets.ReadOnlyAccess,
      principalId: "group-ops",
      principalType: "GROUP" as const,
    };
    world.aws.addAssignment(group);
    world.aws.failNext("ListAccountAssignmentDeletionStatus", { code: "AccessDeniedException" });
    await reconcile(bot.bot.deps, { dryRun: false });
    const [interrupted, ...others] = await bot.bot.deps.operations.unfinished();
    assert.deepEqual(others, []);
    assert.deepEqual(
      [
        interrupted?.grantId,
        interrupted?.kind,
        interrupted?.state,
        interrupted && "principalType" in interrupted.target ? interrupted.target.principalType : undefined,
      ],
      [null, "delete", "started", "GROUP"],
      "AWS accepted the deletion; the log says so before any outcome is known",
    );
    assert.ok(!(await auditRows(world)).some((record) => record.action === "unmanaged_removed"));

    await reconcile(bot.bot.deps, { dryRun: false });
    assert.deepEqual(await bot.bot.deps.operations.unfinished(), []);
    assert.equal(world.aws.hasAssignment(group), false);
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1, "followed up, not deleted again");
    const removed = (await auditRows(world)).filter((record) => record.action === "unmanaged_removed");
    assert.deepEqual(
      removed.map((record) => [record.detail.principalId, record.detail.principalType, record.detail.removed, record.detail.awsRequestId]),
      [["group-ops", "GROUP", true, interrupted?.requestId]],
    );
  });
});
