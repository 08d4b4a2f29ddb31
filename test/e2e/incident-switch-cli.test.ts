// The incident switch from jit-admin, as operators (and CI) run it: a child process against the
// database the bot filled through Slack, with fake Slack and fake AWS still listening.
import assert from "node:assert/strict";
import { hostname, userInfo } from "node:os";
import { after, before, describe, it } from "node:test";
import { auditRows, click, request, statusBecomes } from "../support/flows.js";
import { jitAdmin } from "../support/jit-admin.js";
import { startTestBot } from "../support/in-process-bot.js";
import { people, PROD, SANDBOX, startWorld, type World } from "../support/world.js";

describe("jit-admin grants revoke --all", () => {
  let world: World;
  let prodGrant: string;
  let sandboxGrant: string;
  const run = (...args: string[]) => jitAdmin(args, world.env(), world.dir);
  const deletions = () => world.aws.callsOf("DeleteAccountAssignment").length;

  before(async () => {
    world = await startWorld();
    const bot = await startTestBot(world);
    try {
      for (const what of ["prod AdministratorAccess 2h deploy", "sandbox ReadOnlyAccess 1h tests"]) {
        const requested = await request(bot, world, people.alice.slackId, what);
        await click(bot, people.bob.slackId, "jit_approve", requested);
        await statusBecomes(bot, requested.grantId, "active");
        if (what.startsWith("prod")) prodGrant = requested.grantId;
        else sandboxGrant = requested.grantId;
      }
    } finally {
      await bot.stop();
    }
  });

  after(async () => {
    await world.close();
  });

  it("wants a reason, and names what is known for an account it does not know", async () => {
    const noReason = await run("grants", "revoke", "--all", "--account", "prod", "--as", "ops-erin");
    assert.equal(noReason.code, 2, noReason.stderr);
    assert.match(noReason.stderr, /--all needs --reason/);
    const unknown = await run("grants", "revoke", "--all", "--account", "nowhere", "--reason", "INC-8", "--as", "ops-erin");
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /No account is called "nowhere"\. Accounts: prod \(111122223333\), sandbox \(444455556666\)\./);
    const mixed = await run("grants", "revoke", prodGrant, "--yes");
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--yes goes with --all/);
    assert.equal(deletions(), 0);
  });

  it("prints what would end and refuses without --yes when there is no terminal to confirm on", async () => {
    const ran = await run("grants", "revoke", "--all", "--account", "prod", "--reason", "INC-8", "--as", "ops-erin");
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stdout, new RegExp(`Would end 1 active grant in scope account:${PROD}:`));
    assert.match(ran.stdout, new RegExp(`${prodGrant}\\s+active\\s+U0ALICE`));
    assert.ok(!ran.stdout.includes(sandboxGrant));
    assert.match(ran.stderr, /Nothing was ended: ending 1 active grant needs --yes when there is no terminal to confirm on\./);
    assert.equal(deletions(), 0);
    assert.deepEqual(
      (await auditRows(world)).filter((row) => row.action === "revoke_all" || row.action === "revocation_started"),
      [],
    );
  });

  it("with --yes ends them through the revocation path, audited as the admin, and leaves the rest", async () => {
    const ran = await run("grants", "revoke", "--all", "--account", "prod", "--reason", "INC-8 rotate", "--yes", "--as", "ops-erin");
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /Ended 1 active grant; 0 already ending\. Audited as cli:ops-erin\.\nAll 1 are revoked\./);

    const prodTarget = { accountId: PROD, permissionSetArn: world.permissionSets.AdministratorAccess, principalId: world.principals.alice };
    const sandboxTarget = {
      accountId: SANDBOX,
      permissionSetArn: world.permissionSets.ReadOnlyAccess,
      principalId: world.principals.alice,
    };
    assert.equal(world.aws.hasAssignment(prodTarget), false);
    assert.equal(world.aws.hasAssignment(sandboxTarget), true);
    assert.equal(deletions(), 1);

    const rows = await auditRows(world, prodGrant);
    assert.deepEqual(rows.map((row) => row.action).slice(-2), ["revocation_started", "revoked"]);
    const started = rows.at(-2);
    assert.equal(started?.actorId, "cli:ops-erin");
    assert.equal(started?.detail.reason, "admin");
    assert.equal(started?.detail.adminReason, "INC-8 rotate");
    assert.equal(started?.detail.osUser, userInfo().username);
    assert.equal(started?.detail.host, hostname());
    const [record, ...more] = (await auditRows(world)).filter((row) => row.action === "revoke_all");
    assert.equal(more.length, 0);
    assert.equal(record?.actorId, "cli:ops-erin");
    assert.equal(record?.detail.grants, 1);
    assert.equal(record?.detail.scope, `account:${PROD}`);
    assert.equal((await auditRows(world, sandboxGrant)).at(-1)?.action, "provisioned");

    const again = await run("grants", "revoke", "--all", "--account", "prod", "--reason", "INC-8 rotate", "--yes", "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), {
      ok: true,
      scope: `account:${PROD}`,
      actor: `cli:${userInfo().username}`,
      ended: [],
      alreadyEnding: [],
    });
    assert.equal(deletions(), 1);

    const verified = await run("audit", "verify");
    assert.equal(verified.code, 0, verified.stderr);
  });
});
