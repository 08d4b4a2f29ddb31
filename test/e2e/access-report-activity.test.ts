// The access review report reads what each grant's activity digest found (from the digests' audit
// records): grants never used, grants that only read on a write-capable permission set, flagged
// actions and whether an approver reviewed them. A partial digest proves no one idle.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AccessReview } from "../../src/domain/access-review.js";
import { messageText } from "../../src/simulators/fake-slack.js";
import { click, eventually, request, slash, statusBecomes, type Requested } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { APPROVALS, people, PROD, SANDBOX, startWorld, type World } from "../support/world.js";

const MINUTE = 60_000;
const ROLE = "jit-slack-activity-reader";
const ADMIN_ROLE = "AWSReservedSSO_AdministratorAccess_0123456789abcdef";
/** The fake's permission sets last an hour and no fence applies: each window runs an hour past the end. */
const WINDOW_AND_DELAY_MS = 75 * MINUTE;
const ENV = { JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_REGIONS: "us-east-1", JIT_ACTIVITY_DELAY_MINUTES: "15" };

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

describe("jit-admin report with activity digests", () => {
  let world: World;
  let bot: TestBot;
  let review: AccessReview;
  const grants: Record<"flagged" | "reading" | "idle" | "partial", Requested | undefined> = {
    flagged: undefined,
    reading: undefined,
    idle: undefined,
    partial: undefined,
  };

  async function grantAndEnd(requester: string, approver: string, text: string, work: () => void): Promise<Requested> {
    const requested = await request(bot, world, requester, text);
    await click(bot, approver, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    work();
    await slash(bot, requester, `revoke ${requested.grantId}`);
    await statusBecomes(bot, requested.grantId, "revoked");
    return requested;
  }

  const alice = () => ({ accountId: PROD, sessionName: people.alice.email, roleName: ADMIN_ROLE, at: bot.clock.now() });

  before(async () => {
    world = await startWorld();
    // No read-only role in the sandbox account: its grant's digest is partial once its retries are spent.
    world.aws.allowRole(PROD, ROLE);
    bot = await startTestBot(world, ENV);
    const from = day(bot.clock.now() - 24 * 60 * MINUTE);
    grants.flagged = await grantAndEnd(people.alice.slackId, people.bob.slackId, "prod AdministratorAccess 1h rotating keys", () => {
      world.aws.addTrailEvent({ ...alice(), eventSource: "iam.amazonaws.com", eventName: "CreateAccessKey", resources: ["deploy-bot"] });
      world.aws.addTrailEvent({ ...alice(), eventSource: "s3.amazonaws.com", eventName: "PutObject", resources: ["exports"] });
    });
    grants.reading = await grantAndEnd(people.alice.slackId, people.bob.slackId, "prod AdministratorAccess 1h looking around", () => {
      world.aws.addTrailEvent({ ...alice(), eventSource: "ec2.amazonaws.com", eventName: "DescribeInstances", readOnly: true });
    });
    grants.idle = await grantAndEnd(people.carol.slackId, people.dave.slackId, "prod ReadOnlyAccess 1h reading logs", () => undefined);
    grants.partial = await grantAndEnd(people.carol.slackId, people.dave.slackId, "sandbox ReadOnlyAccess 1h more logs", () => undefined);

    bot.clock.advance(WINDOW_AND_DELAY_MS + MINUTE);
    const digests = bot.bot.deps.activity?.digests;
    const partialId = grants.partial.grantId;
    for (const [attempts, wait] of [
      [1, 5],
      [2, 15],
      [3, 60],
    ] as const) {
      await eventually(async () => (await digests?.get(partialId))?.attempts === attempts, 20_000, `read ${attempts} of the sandbox`);
      bot.clock.advance((wait + 1) * MINUTE);
    }
    await eventually(
      async () => {
        const jobs = await Promise.all(Object.values(grants).map((g) => digests?.get(g?.grantId ?? "")));
        return jobs.every((job) => job?.state === "posted");
      },
      20_000,
      "every digest posted",
    );
    const flagged = grants.flagged;
    const digest = world.slack.messagesIn(APPROVALS).find((m) => m.threadTs === flagged.message.ts && /Activity of/.test(messageText(m)));
    assert.ok(digest, "the flagged grant's digest in its approval thread");
    await bot.driver.click(people.bob.slackId, "jit_activity_reviewed", flagged.grantId, { channel: digest.channel, ts: digest.ts });
    await eventually(async () => (await digests?.get(flagged.grantId))?.reviewedBy === people.bob.slackId, 5_000, "the review");
    await bot.stop();

    const ran = await jitAdmin(
      ["report", "--from", from, "--to", day(bot.clock.now() + 24 * 60 * MINUTE), "--format", "json"],
      world.env(),
      world.dir,
    );
    assert.equal(ran.code, 0, ran.stderr);
    review = (JSON.parse(ran.stdout) as { review: AccessReview }).review;
  });

  after(async () => {
    await world?.close();
  });

  it("counts flagged actions and their review from the digests", () => {
    const prod = review.targets.find((t) => t.accountId === PROD && t.permissionSet === "AdministratorAccess");
    assert.deepEqual([prod?.grants, prod?.unused, prod?.flagged, prod?.flaggedUnreviewed, prod?.partialDigests], [2, 0, 1, 0, 0]);
  });

  it("calls a grant unused only when its digest read everything and saw nothing", () => {
    const idle = review.targets.find((t) => t.accountId === PROD && t.permissionSet === "ReadOnlyAccess");
    assert.deepEqual([idle?.grants, idle?.unused, idle?.partialDigests], [1, 1, 0]);
    const sandbox = review.targets.find((t) => t.accountId === SANDBOX);
    assert.deepEqual([sandbox?.grants, sandbox?.unused, sandbox?.partialDigests], [1, 0, 1]);
    const neverUsed = review.hints.flatMap((hint) => (hint.kind === "never-used" ? hint.grantIds : []));
    assert.deepEqual(neverUsed, [grants.idle?.grantId]);
  });

  it("hints at read-only use of a write-capable permission set", () => {
    const readOnly = review.hints.find((hint) => hint.kind === "read-only-use");
    assert.deepEqual(readOnly?.kind === "read-only-use" && readOnly.grantIds, [grants.reading?.grantId]);
  });
});
