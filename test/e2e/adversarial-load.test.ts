// Adversarial: 200 requests at once and their decisions, while AWS throttles and fails and Slack
// answers 429. Afterwards the store, AWS and the audit trail tell the same story: every approved
// grant is active with its assignment or failed with a reason and no assignment, nothing is
// assigned twice or without a grant, and the audit chain holds one decision per decided grant.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBot } from "../../src/bot.js";
import { loadConfig } from "../../src/config/env.js";
import { loadPolicyFile } from "../../src/config/policy-file.js";
import type { Grant, GrantStatus } from "../../src/domain/grant.js";
import { input } from "../../src/simulators/slack-requests.js";
import { everythingSaid, injectedControls } from "../support/adversarial.js";
import { ALL_STATUSES, auditRows } from "../support/flows.js";
import { RecordingLogger, TestClock, testBot, type TestBot } from "../support/in-process-bot.js";
import { APPROVALS, people, PROD, SANDBOX, startWorld, type World } from "../support/world.js";
import { withWorldStore } from "../support/world-store.js";
import { ACTION_APPROVE, ACTION_DENY, DENY_REASON_CALLBACK_ID } from "../../src/slack/ids.js";

const REQUESTERS = 40;
/** Requesters without an Identity Center user: their approved grants must fail, cleanly. */
const UNKNOWN_TO_AWS = 4;
/** Each requester asks five times; the fifth repeats the second, so two grants share one assignment. */
const ASKS = [
  ["prod", "AdministratorAccess"],
  ["prod", "ReadOnlyAccess"],
  ["sandbox", "AdministratorAccess"],
  ["sandbox", "ReadOnlyAccess"],
  ["prod", "ReadOnlyAccess"],
] as const;
const ACCOUNT_IDS: Record<string, string> = { prod: PROD, sandbox: SANDBOX };
const AWS_FAILURE = "Received a 500 status error: simulated";

const requester = (n: number) => ({ slackId: `U0LOAD${String(n).padStart(2, "0")}`, email: `load${n}@example.com` });

const POLICY = `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${SANDBOX}", name: sandbox }
permissionSets: [AdministratorAccess, ReadOnlyAccess]
rules:
  - name: load
    accounts: [prod, sandbox]
    permissionSets: [AdministratorAccess, ReadOnlyAccess]
    requesters: [${Array.from({ length: REQUESTERS }, (_, n) => requester(n).slackId).join(", ")}]
    approvers: [${people.bob.slackId}, ${people.dave.email}]
    approverChannel: ${APPROVALS}
    maxDuration: 4h
`;

/**
 * The bot as startTestBot builds it, but allowed to call AWS faster than the fake accepts: the
 * production ceiling of 20 calls/s would make this test take minutes, and calling faster than AWS
 * allows is exactly how throttling happens.
 */
async function startFastBot(world: World): Promise<TestBot> {
  const env = world.env({ JIT_RECONCILE_INTERVAL_MINUTES: "0" });
  for (const [key, value] of Object.entries(env)) if (key.startsWith("AWS_")) process.env[key] = value;
  const config = loadConfig(env);
  const fast = { ...config, aws: { ...config.aws, callsPerSecond: 200 } };
  const clock = new TestClock();
  const logger = new RecordingLogger();
  return testBot(world, await startBot(fast, loadPolicyFile(config.policyFile), logger, clock), clock, logger);
}

const key = (accountId: string, permissionSetArn: string, principalId: string) => `${accountId}|${permissionSetArn}|${principalId}`;

describe("adversarial: load with AWS throttling and Slack rate limits", () => {
  let world: World;
  let bot: TestBot;
  let grants: Grant[];

  before(async () => {
    world = await startWorld(POLICY);
    for (let n = 0; n < REQUESTERS; n++) {
      const person = requester(n);
      world.slack.addUser({ id: person.slackId, email: person.email, name: `load${n}` });
      if (n < REQUESTERS - UNKNOWN_TO_AWS) world.aws.addUser({ email: person.email });
    }
    bot = await startFastBot(world);
  });
  after(async () => {
    await bot.stop();
    await world.close();
  });

  /** Grants in `statuses` that `where` holds for, read on a connection of the test's own. */
  async function count(statuses: readonly GrantStatus[], where: (grant: Grant) => boolean = () => true): Promise<number> {
    return withWorldStore(world, async (opened) => (await opened.store.listByStatus(statuses)).filter(where).length);
  }

  /** Polls gently (the bot under load shares the CPU) until no grant in `statuses` matches `where`. */
  async function untilNone(
    statuses: readonly GrantStatus[],
    where: ((grant: Grant) => boolean) | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((await count(statuses, where)) > 0) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return true;
  }

  async function allGrants(): Promise<Grant[]> {
    const grants = await withWorldStore(world, (opened) => opened.store.listByStatus(ALL_STATUSES));
    return grants.sort((a, b) => a.createdAt - b.createdAt);
  }

  it("takes 200 simultaneous requests while Slack rate-limits, acknowledging each in time", async () => {
    world.slack.failNext("users.info", { status: 429, retryAfterSeconds: 1 });
    world.slack.failNext("users.info", { status: 429, retryAfterSeconds: 0 }, 2);
    world.slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 0 }, 6);
    world.slack.failNext("response_url", { status: 429, retryAfterSeconds: 0 }, 3);
    const deliveries = await Promise.all(
      Array.from({ length: REQUESTERS * ASKS.length }, async (_, i) => {
        const [account, permissionSet] = ASKS[i % ASKS.length] ?? ASKS[0];
        const who = requester(Math.floor(i / ASKS.length));
        return bot.driver.command(who.slackId, `request ${account} ${permissionSet} 1h load ${i} <!here> & <@U9VICTIM1>`);
      }),
    );
    // 200 rather than Bolt's own 404: every listener acknowledged before Bolt's 3-second timer ran out.
    assert.deepEqual([...new Set(deliveries.map((d) => d.response.status))], [200]);
    // Every command is answered through its response_url, except those Slack refused.
    await world.slack.waitFor(() => world.slack.responses.length >= deliveries.length - 3, 15_000, "an answer to every request");
    await untilNone(["pending"], (grant) => grant.approvalTs === null, 10_000, "every request to be posted to the approvers, or failed");
    grants = await allGrants();
    // A request whose requester Slack could not look up (users.info answered 429 too often) is refused before it is stored.
    assert.ok(grants.length >= deliveries.length - 2, `${grants.length} of ${deliveries.length} requests recorded`);
    for (const grant of grants) {
      assert.ok(grant.status === "pending" || (grant.status === "failed" && grant.failureReason), `${grant.id} is ${grant.status}`);
    }
  });

  it("decides them all at once, with races and double clicks, while AWS throttles and fails", async () => {
    // A burst of decisions meets an Identity Center already busy: 15 calls/s until it has throttled
    // 30 calls, then 100 calls/s.
    world.aws.setRateLimit(15);
    const easing = world.aws.onCall(() => {
      if (world.aws.throttledCount >= 30) world.aws.setRateLimit(100);
    });
    world.aws.failNext("CreateAccountAssignment", { code: "ThrottlingException", message: "Rate exceeded" }, 5);
    world.aws.failNext("ListAccountAssignments", { code: "ThrottlingException", message: "Rate exceeded" }, 3);
    world.aws.failStatusNext("creation", AWS_FAILURE, 2);
    world.slack.failNext("chat.update", { status: 429, retryAfterSeconds: 0 }, 4);
    world.slack.failNext("conversations.open", { status: 429, retryAfterSeconds: 0 }, 2);

    const clickAll = (pending: Grant[]) =>
      Promise.all(
        pending.flatMap((grant, i) => {
          const on = { channel: grant.approvalChannel ?? APPROVALS, ts: grant.approvalTs ?? "" };
          const send = (who: string, action: string) => bot.driver.click(who, action, grant.id, on, { unchecked: true });
          // Deny asks for a reason in a form; the decision comes with the form.
          const deny = async (who: string) => {
            await send(who, ACTION_DENY);
            return bot.driver.submitView(
              who,
              { callbackId: DENY_REASON_CALLBACK_ID, privateMetadata: grant.id },
              { reason: { reason: input.text("not now") } },
            );
          };
          const ask = ASKS.findIndex(
            ([account, permissionSet]) => ACCOUNT_IDS[account] === grant.accountId && permissionSet === grant.permissionSetName,
          );
          if (ask === 2 || (ask === 3 && i % 4 !== 0)) return [deny(people.dave.slackId)];
          if (ask === 3) return [send(people.bob.slackId, ACTION_APPROVE), deny(people.dave.slackId)];
          if (ask === 0 && i % 4 === 0) return [send(people.bob.slackId, ACTION_APPROVE), send(people.bob.slackId, ACTION_APPROVE)];
          return [send(people.bob.slackId, ACTION_APPROVE)];
        }),
      );
    // An approver whose click was lost (Slack could not say who they are) simply clicks again.
    for (let round = 0; round < 3; round++) {
      const pending = (await allGrants()).filter((grant) => grant.status === "pending");
      if (pending.length === 0) break;
      const clicks = await clickAll(pending);
      assert.deepEqual([...new Set(clicks.map((d) => d.response.status))], [200]);
      await untilNone(["pending"], undefined, 5000, "decisions").catch(() => false);
    }
    // The bot's own sweep (every second) resumes anything an outage interrupted.
    await untilNone(["pending", "approved", "provisioning"], undefined, 25_000, "every decided grant to settle in AWS");
    easing();
    grants = await allGrants();
    assert.ok(world.aws.throttledCount >= 30, `AWS throttled ${world.aws.throttledCount} calls beyond the injected faults`);
  });

  it("ends with every approved grant active with its assignment, or failed with a reason and none", () => {
    const active = grants.filter((grant) => grant.status === "active");
    const failed = grants.filter((grant) => grant.status === "failed");
    assert.ok(active.length >= 90, `${active.length} active`);
    assert.deepEqual(
      [...new Set(grants.map((grant) => grant.status))].filter((status) => !["active", "failed", "denied"].includes(status)),
      [],
    );
    const arn = (grant: Grant) => world.permissionSets[grant.permissionSetName as "AdministratorAccess" | "ReadOnlyAccess"];
    const assigned = world.aws.assignments().map((a) => key(a.accountId, a.permissionSetArn, a.principalId));
    assert.equal(new Set(assigned).size, assigned.length, "no assignment exists twice");
    const held = new Set(active.map((grant) => key(grant.accountId, arn(grant), grant.principalId ?? "?")));
    assert.deepEqual(new Set(assigned), held, "AWS holds exactly the assignments of the active grants");
    for (const grant of active) {
      assert.ok(grant.principalId && grant.expiresAt, `${grant.id} is active without a principal or expiry`);
    }
    for (const grant of failed) {
      assert.ok(grant.failureReason, `${grant.id} failed without a reason`);
      assert.equal(grant.expiresAt, null);
      const target = key(grant.accountId, arn(grant), grant.principalId ?? "none");
      if (!held.has(target)) assert.ok(!assigned.includes(target), `failed ${grant.id} left its assignment behind`);
    }
    const unknown = new Set(Array.from({ length: UNKNOWN_TO_AWS }, (_, n) => requester(REQUESTERS - 1 - n).slackId));
    for (const grant of grants.filter((g) => unknown.has(g.requesterId) && g.decidedBy !== null && g.status !== "denied")) {
      assert.equal(grant.status, "failed");
      assert.match(grant.failureReason ?? "", /No IAM Identity Center user has the email/);
    }
    assert.equal(failed.filter((grant) => grant.failureReason?.includes(AWS_FAILURE)).length, 2, "both FAILED creations are reported");
    assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0, "nothing was removed");
  });

  it("created each assignment once, unless AWS failed the creation", () => {
    const accepted = new Map<string, number>();
    for (const call of world.aws.callsOf("CreateAccountAssignment").filter((c) => c.error === undefined)) {
      const target = call.input as { TargetId: string; PermissionSetArn: string; PrincipalId: string };
      const k = key(target.TargetId, target.PermissionSetArn, target.PrincipalId);
      accepted.set(k, (accepted.get(k) ?? 0) + 1);
    }
    const failedCreations = grants.filter((grant) => grant.failureReason?.includes(AWS_FAILURE)).length;
    const repeats = [...accepted.values()].reduce((sum, n) => sum + (n - 1), 0);
    assert.ok(repeats <= failedCreations, `${repeats} assignments were created more than once`);
  });

  it("has an intact audit chain with exactly one decision per decided grant, agreeing with the store", async () => {
    const verdict = await withWorldStore(world, (opened) => opened.audit.verify());
    assert.ok(verdict.ok, `audit chain broken: ${JSON.stringify(verdict)}`);
    const lifecycle = new Set(["requested", "approved", "denied", "provisioned", "failed"]);
    for (const grant of grants) {
      const actions = (await auditRows(world, grant.id)).map((row) => row.action).filter((action) => lifecycle.has(action));
      const expected =
        grant.status === "denied"
          ? ["requested", "denied"]
          : grant.status === "active"
            ? ["requested", "approved", "provisioned"]
            : grant.decidedBy
              ? ["requested", "approved", "failed"]
              : ["requested", "failed"];
      assert.deepEqual(actions, expected, `${grant.id} (${grant.status}, ${grant.failureReason ?? ""})`);
      const rows = await auditRows(world, grant.id);
      const decision = rows.find((row) => row.action === "approved" || row.action === "denied");
      if (decision) assert.equal(decision.actorId, grant.decidedBy);
      const failure = rows.find((row) => row.action === "failed");
      if (failure) assert.equal(failure.detail.reason, grant.failureReason);
    }
  });

  it("pinged nobody, though every justification carried <!here> and a mention", async () => {
    await bot.bot.tick();
    const everyone = new Set([
      ...Object.values(people).map((p) => p.slackId),
      ...Array.from({ length: REQUESTERS }, (_, n) => requester(n).slackId),
    ]);
    assert.deepEqual(injectedControls(everythingSaid(world), everyone), []);
  });
});
