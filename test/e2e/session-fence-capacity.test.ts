// How much the session fence holds: 150 users revoked within one session duration all fit in the
// three policies (each within the 5,120 characters AWS allows an SCP); entries that cannot fit are
// reported loudly (audit channel, /readyz degraded, the unfenced metric), and the grants are still
// revoked.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SCP_CONTENT_LIMIT } from "../../src/simulators/fake-aws.js";
import { fenceDenies, fencePolicies, timesNamed } from "../support/fence-sessions.js";
import { auditRows, eventually, postedAction, postedAuditRecords } from "../support/flows.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { seedActiveGrant, type SeededGrant, type SeededTarget } from "../support/seeded-grants.js";
import { APPROVALS, DEFAULT_POLICY, PROD, SANDBOX, type World, type WorldSetup } from "../support/world.js";

const EIGHT_HOURS: WorldSetup = { sessionDurations: { AdministratorAccess: "PT8H", ReadOnlyAccess: "PT8H" } };
const ENV = { JIT_AWS_CALLS_PER_SECOND: "19", JIT_SWEEP_INTERVAL_SECONDS: "1" };
const EXPIRY_IN = 60_000;

interface Seeded extends SeededGrant {
  readonly on: SeededTarget;
}

/** Seeds active grants on `targets` (one per grant, each for a person of its own), all expiring at once. */
async function seedExpiring(world: World, bot: TestBot, targets: readonly SeededTarget[]): Promise<Seeded[]> {
  const now = bot.clock.now();
  const seeded: Seeded[] = [];
  for (const [i, on] of targets.entries()) {
    const id = `jit-fence${String(i).padStart(3, "0")}`;
    const grant = await seedActiveGrant(world, bot.bot.deps.store, i, {
      id,
      justification: "fence capacity",
      now,
      expiresAt: now + EXPIRY_IN,
      on,
    });
    seeded.push({ ...grant, on });
  }
  return seeded;
}

/** Moves the bot's clock past every expiry and waits until each grant is revoked. */
async function expireAll(bot: TestBot, seeded: readonly Seeded[]): Promise<void> {
  bot.clock.advance(EXPIRY_IN);
  await eventually(
    async () => (await Promise.all(seeded.map((g) => bot.bot.deps.store.get(g.id)))).every((g) => g?.status === "revoked"),
    60_000,
    "every grant to be revoked",
  );
}

/** The session each person opened while their grant was active, at `issuedAt`. */
const sessionOf = (grant: Seeded, issuedAt: number) => ({
  principalId: grant.principalId,
  accountId: grant.on.accountId,
  permissionSetName: grant.on.permissionSetName,
  issuedAt,
});

async function readyz(bot: TestBot) {
  const response = await fetch(`http://127.0.0.1:${bot.bot.healthPort}/readyz`);
  const body = (await response.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
  return { status: response.status, body };
}

/** An unlabelled gauge's value from /metrics. */
async function gauge(bot: TestBot, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${bot.bot.healthPort}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const actions = async (world: World, action: string) => (await auditRows(world)).filter((row) => row.action === action);

describe("the session fence holding 150 revocations", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    ENV,
    `sessionFence:\n  mode: scp\n${DEFAULT_POLICY}`,
    EIGHT_HOURS,
  );

  it("fences every user's older sessions, in policies of at most 5,120 characters, and nobody else's", async () => {
    const targets: SeededTarget[] = Array.from({ length: 150 }, (_, i) =>
      i < 90
        ? { accountId: PROD, permissionSetName: "ReadOnlyAccess" }
        : i < 130
          ? { accountId: PROD, permissionSetName: "AdministratorAccess" }
          : { accountId: SANDBOX, permissionSetName: "ReadOnlyAccess" },
    );
    const openedAt = bot.clock.now();
    const seeded = await seedExpiring(world, bot, targets);
    await expireAll(bot, seeded);

    assert.equal((await actions(world, "session_fenced")).length, 150, "one session_fenced record per grant");
    assert.equal((await actions(world, "session_fence_full")).length, 0);
    assert.deepEqual(world.aws.assignments(), [], "every assignment is gone");
    const policies = fencePolicies(world.aws);
    assert.equal(policies.length, 3);
    for (const content of policies) assert.ok(content.length <= SCP_CONTENT_LIMIT, `a policy of ${content.length} characters`);

    const fencedAt = Math.max(...(await bot.bot.deps.sessionFence.entries.all()).map((entry) => entry.fencedAt));
    for (const grant of seeded) {
      assert.ok(fenceDenies(world.aws, sessionOf(grant, openedAt)), `${grant.id}'s older session is denied`);
      assert.equal(timesNamed(world.aws, grant.principalId), 1, `${grant.id}'s user is named once`);
      // The same person on a role they were not revoked from, and on this role after the fence.
      const other: SeededTarget =
        grant.on.permissionSetName === "ReadOnlyAccess"
          ? { ...grant.on, permissionSetName: "AdministratorAccess" }
          : { ...grant.on, permissionSetName: "ReadOnlyAccess" };
      assert.ok(!fenceDenies(world.aws, sessionOf({ ...grant, on: other }, openedAt)), `${grant.id}: no other role is denied`);
      assert.ok(!fenceDenies(world.aws, sessionOf(grant, fencedAt + 1000)), `${grant.id}: a later session is not denied`);
    }

    const ready = await readyz(bot);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, "ready");
    assert.equal(ready.body.checks["session-fence"]?.ok, true);
    assert.equal(await gauge(bot, "jit_session_fence_entries"), 150);
    assert.equal(await gauge(bot, "jit_session_fence_unfenced"), 0);
  });
});

/** Forty accounts, and a fence of one policy: one statement per user (each on a role of their own) cannot all fit. */
const ACCOUNTS = Array.from({ length: 40 }, (_, i) => String(300_000_000_000 + i));
/** One grant on each account. */
const CROWDED_TARGETS: readonly SeededTarget[] = ACCOUNTS.map((accountId) => ({ accountId, permissionSetName: "AdministratorAccess" }));
const CROWDED_POLICY = `
sessionFence:
  mode: scp
  policyNames: [jit-slack-session-fence-1]
accounts:
${ACCOUNTS.map((id, i) => `  - id: "${id}"\n    name: acct${i}`).join("\n")}
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: engineers
    accounts: [${ACCOUNTS.map((_, i) => `acct${i}`).join(", ")}]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [U0ALICE]
    approvers: [U0BOB]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

describe("a session fence too small for its entries", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    ENV,
    CROWDED_POLICY,
    EIGHT_HOURS,
  );

  it("revokes every grant and reports the entries left out: audit channel, /readyz degraded, the unfenced metric", async () => {
    const openedAt = bot.clock.now();
    const seeded = await seedExpiring(world, bot, CROWDED_TARGETS);
    await expireAll(bot, seeded);
    assert.deepEqual(world.aws.assignments(), [], "every assignment is gone, fenced or not");

    const full = await actions(world, "session_fence_full");
    const fenced = await actions(world, "session_fenced");
    assert.ok(full.length > 0, "some revocations could not be fenced");
    assert.equal(full.length + fenced.length, ACCOUNTS.length, "each revocation says whether it was fenced");
    for (const row of full) {
      const revoked = (await auditRows(world, row.grantId ?? "")).find((r) => r.action === "revoked");
      assert.equal(revoked?.detail.sessionsFenced, false, `${row.grantId}'s revoked record says its sessions are not fenced`);
    }
    await eventually(
      async () => postedAuditRecords(world).filter((record) => postedAction(record) === "session_fence_full").length === full.length,
      10_000,
      "every session_fence_full record in the audit channel",
    );

    const [policy, ...more] = fencePolicies(world.aws);
    assert.equal(more.length, 0);
    assert.ok((policy?.length ?? 0) <= SCP_CONTENT_LIMIT);
    const denied = seeded.filter((grant) => fenceDenies(world.aws, sessionOf(grant, openedAt)));
    assert.ok(denied.length > 0 && denied.length < ACCOUNTS.length, `${denied.length} of ${ACCOUNTS.length} fenced`);
    for (const row of full) {
      const grant = seeded.find((g) => g.id === row.grantId);
      assert.ok(grant && !fenceDenies(world.aws, sessionOf(grant, openedAt)), `${row.grantId}, reported unfenced, is not denied`);
    }

    const unfenced = ACCOUNTS.length - denied.length;
    await eventually(
      async () => {
        const ready = await readyz(bot);
        return (
          ready.status === 200 && ready.body.status === "degraded" && ready.body.checks["session-fence"]?.error === "session_fence_full"
        );
      },
      10_000,
      "/readyz to answer degraded, with the session-fence check failing as session_fence_full",
    );
    assert.equal(await gauge(bot, "jit_session_fence_entries"), ACCOUNTS.length);
    assert.equal(await gauge(bot, "jit_session_fence_unfenced"), unfenced);
  });

  it("never leaves a revocation recorded as fenced while the policies no longer deny its sessions", async () => {
    const openedAt = bot.clock.now();
    const seeded = await seedExpiring(world, bot, CROWDED_TARGETS);
    await expireAll(bot, seeded);
    const fenced = new Set((await actions(world, "session_fenced")).map((row) => row.grantId));
    const full = (await actions(world, "session_fence_full")).length;
    const unfenced = await gauge(bot, "jit_session_fence_unfenced");
    const claimedButOpen = seeded.filter((grant) => fenced.has(grant.id) && !fenceDenies(world.aws, sessionOf(grant, openedAt)));
    assert.deepEqual(
      claimedButOpen.map((grant) => grant.id),
      [],
      `of ${fenced.size} grants audited session_fenced, these are not denied (session_fence_full records ${full}, unfenced ${unfenced})`,
    );
    assert.equal(full, unfenced, "every entry left out is named by a session_fence_full record");
  });
});

describe("a session fence of one policy and a burst on one role", () => {
  const USERS = 130;
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
    },
    ENV,
    `sessionFence:\n  mode: scp\n  policyNames: [jit-slack-session-fence-1]\n${DEFAULT_POLICY}`,
    EIGHT_HOURS,
  );

  it("fences the role as a whole once the policy cannot name everyone, sparing the role's live grant, and says so", async () => {
    const openedAt = bot.clock.now();
    const role: SeededTarget = { accountId: PROD, permissionSetName: "ReadOnlyAccess" };
    const seeded = await seedExpiring(
      world,
      bot,
      Array.from({ length: USERS }, () => role),
    );
    const stillHeld = await seedActiveGrant(world, bot.bot.deps.store, USERS, {
      id: "jit-fence-held",
      justification: "still working",
      now: openedAt,
      expiresAt: openedAt + 8 * 3_600_000,
      on: role,
    });
    await expireAll(bot, seeded);

    const [policy, ...more] = fencePolicies(world.aws);
    assert.equal(more.length, 0);
    assert.ok((policy?.length ?? 0) <= SCP_CONTENT_LIMIT, `${policy?.length} characters`);
    for (const grant of seeded) assert.ok(fenceDenies(world.aws, sessionOf(grant, openedAt)), `${grant.id}'s older session is denied`);
    assert.ok(!fenceDenies(world.aws, sessionOf({ ...stillHeld, on: role }, openedAt)), "the live grant's session is not");
    const other = { ...role, permissionSetName: "AdministratorAccess" };
    assert.ok(!fenceDenies(world.aws, sessionOf({ ...seeded[0], on: other } as Seeded, openedAt)), "nor another role's");

    assert.equal((await actions(world, "session_fence_full")).length, 0, "nothing left unfenced");
    assert.equal(new Set((await actions(world, "session_fenced")).map((row) => row.grantId)).size, USERS);
    const whole = await actions(world, "session_fence_whole_role");
    assert.equal(whole.length, 1, "the role fenced as a whole is audited once");
    assert.equal(whole[0]?.detail.spared, 1);
    assert.equal(await gauge(bot, "jit_session_fence_unfenced"), 0);
    assert.equal((await readyz(bot)).body.checks["session-fence"]?.ok, true);
  });
});
