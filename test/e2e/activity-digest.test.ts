// After a grant ends, and after CloudTrail's delivery delay, the bot reads the grant's role sessions'
// events (fake CloudTrail LookupEvents through an assumed read-only role) and posts a digest in the
// approval message's thread; flagged actions need a review by an approver other than the requester.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { findButtons } from "../../src/simulators/slack-requests.js";
import { ADMIN_ROLE, DELAY_MS, digestSteps, MINUTE, SESSION_MS } from "../support/activity-digests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, eventually, request, slash, statusBecomes } from "../support/flows.js";
import { UX_POLICY } from "../support/ux-policy.js";
import { APPROVALS, people, PROD, SANDBOX, type World } from "../support/world.js";

const ROLE = "jit-slack-activity-reader";

const ENV = { JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_REGIONS: "us-east-1,eu-west-1", JIT_ACTIVITY_DELAY_MINUTES: "15" };

describe("activity digest", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
    world.aws.allowRole(PROD, ROLE);
  }, ENV);

  const { activeGrant, end, partialFirstRead, spendRetries, digestIn, digestPosted } = digestSteps(() => ({ world, bot }));

  /** What alice did under AdministratorAccess, and events that are not hers or not this permission set's. */
  function aliceWorks(): void {
    const at = bot.clock.now();
    const alice = { accountId: PROD, sessionName: people.alice.email, roleName: ADMIN_ROLE, at };
    world.aws.addTrailEvent({ ...alice, eventSource: "ec2.amazonaws.com", eventName: "DescribeInstances", readOnly: true });
    world.aws.addTrailEvent({ ...alice, eventSource: "s3.amazonaws.com", eventName: "PutObject", resources: ["payments-exports"] });
    world.aws.addTrailEvent({
      ...alice,
      eventSource: "s3.amazonaws.com",
      eventName: "PutObject",
      resources: ["payments-archive"],
      region: "eu-west-1",
    });
    world.aws.addTrailEvent({ ...alice, eventSource: "iam.amazonaws.com", eventName: "CreateAccessKey", resources: ["deploy-bot"] });
    world.aws.addTrailEvent({
      ...alice,
      eventSource: "ec2.amazonaws.com",
      eventName: "TerminateInstances",
      errorCode: "Client.UnauthorizedOperation",
    });
    world.aws.addTrailEvent({
      ...alice,
      roleName: "AWSReservedSSO_ReadOnlyAccess_fedcba9876543210",
      eventSource: "s3.amazonaws.com",
      eventName: "DeleteBucket",
    });
    world.aws.addTrailEvent({
      ...alice,
      sessionName: people.carol.email,
      eventSource: "kms.amazonaws.com",
      eventName: "ScheduleKeyDeletion",
    });
  }

  it("posts a digest of the grant's calls in the approval thread after the delay, flagged actions first", async () => {
    const requested = await activeGrant();
    aliceWorks();
    await end(requested);
    bot.clock.advance(SESSION_MS + DELAY_MS - 5 * MINUTE);
    await bot.settled();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(digestIn(requested), undefined, "nothing before the window and the delay have passed");

    bot.clock.advance(6 * MINUTE);
    const digest = await digestPosted(requested);
    const text = messageText(digest);
    assert.match(text, /Flagged \(1\)/);
    assert.match(text, /iam:CreateAccessKey/);
    assert.match(text, /IAM change/);
    assert.ok(text.indexOf("Flagged") < text.indexOf("Write calls"), "flagged actions come first");
    assert.match(text, /5 calls in us-east-1 \(4\), eu-west-1 \(1\)/);
    assert.match(text, /s3:PutObject` ×2 — payments-exports, payments-archive/);
    assert.match(text, /Denied calls[\s\S]*ec2:TerminateInstances/);
    assert.doesNotMatch(text, /DeleteBucket|ScheduleKeyDeletion/, "other permission sets' and other users' events are left out");
    assert.doesNotMatch(text, /partial/i);

    const lookups = world.aws.callsOf("LookupEvents");
    assert.ok(
      lookups.every(
        (call) =>
          JSON.stringify(call.input.LookupAttributes) ===
          JSON.stringify([{ AttributeKey: "Username", AttributeValue: people.alice.email }]),
      ),
    );
    const record = (await auditRows(world, requested.grantId)).find((row) => row.action === "activity_digest");
    assert.equal(record?.detail.events, 5);
    assert.equal(record?.detail.flagged, 1);
    assert.equal(record?.detail.partial, false);
    assert.equal(record?.detail.needsReview, true);
  });

  it("takes the review from an approver but never from the requester, and audits both", async () => {
    const requested = await activeGrant();
    aliceWorks();
    await end(requested);
    bot.clock.advance(SESSION_MS + DELAY_MS + MINUTE);
    const digest = await digestPosted(requested);
    assert.ok(findButtons(digest.blocks).some((button) => button.actionId === "jit_activity_reviewed"));

    const own = await bot.driver.click(people.alice.slackId, "jit_activity_reviewed", requested.grantId, {
      channel: digest.channel,
      ts: digest.ts,
    });
    assert.match(messageText((await own.waitForResponse()).body), /cannot review what was done with your own access/);
    assert.equal((await bot.bot.deps.activity?.digests.get(requested.grantId))?.reviewedBy, null);

    await bot.driver.click(people.bob.slackId, "jit_activity_reviewed", requested.grantId, { channel: digest.channel, ts: digest.ts });
    await eventually(
      async () => (await bot.bot.deps.activity?.digests.get(requested.grantId))?.reviewedBy === people.bob.slackId,
      5000,
      "the review",
    );
    const rows = await auditRows(world, requested.grantId);
    assert.ok(
      rows.some((row) => row.action === "refused" && row.actorId === people.alice.slackId && row.detail.attempt === "review-activity"),
    );
    const reviewed = rows.find((row) => row.action === "activity_reviewed");
    assert.equal(reviewed?.actorId, people.bob.slackId);
    await world.slack.waitFor(
      () => /Reviewed by/.test(messageText(digestIn(requested) ?? { text: "" })) || undefined,
      5000,
      "the digest shown reviewed",
    );
  });

  it("reads a throttled region again: a lookup throttled past its retries is tried later and ends complete", async () => {
    const requested = await activeGrant();
    aliceWorks();
    await end(requested);
    // Each region's first page is refused more often than it is retried (five attempts each).
    world.aws.failNext("LookupEvents", { code: "ThrottlingException", message: "Rate exceeded" }, 10);
    await partialFirstRead(requested);

    bot.clock.advance(6 * MINUTE);
    const text = messageText(await digestPosted(requested));
    assert.doesNotMatch(text, /partial/i);
    assert.match(text, /5 calls/);
    const throttled = world.aws.callsOf("LookupEvents").filter((call) => call.error === "ThrottlingException");
    assert.equal(throttled.length, 10);
  });

  it("posts a digest marked partial, naming the region and why, once its retries are spent", async () => {
    // No read-only role in the sandbox account: AssumeRole answers AccessDenied.
    const requested = await activeGrant("sandbox AdministratorAccess");
    await end(requested);
    bot.clock.advance(SESSION_MS + DELAY_MS + MINUTE);
    await spendRetries(requested);
    const text = messageText(await digestPosted(requested));
    assert.match(text, /\(partial\)/);
    assert.match(text, /us-east-1: the read-only role could not be assumed in the account/);
    assert.match(text, /eu-west-1: the read-only role could not be assumed/);
    const record = (await auditRows(world, requested.grantId)).find((row) => row.action === "activity_digest");
    assert.equal(record?.detail.partial, true);
    assert.equal(record?.detail.missing, "us-east-1:no-role,eu-west-1:no-role");
    assert.ok(world.aws.callsOf("AssumeRole").some((call) => call.error === "AccessDenied"));
  });
});

describe("activity digests to review", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest(
    (w, b) => {
      world = w;
      bot = b;
      world.aws.allowRole(PROD, ROLE);
      world.aws.allowRole(SANDBOX, ROLE);
    },
    ENV,
    UX_POLICY,
  );

  const grantIdIn = (text: string) => /(jit-[a-z0-9]{8})/.exec(text)?.[1] ?? "";
  const digestOf = (grantId: string) =>
    world.slack.messagesIn(APPROVALS).find((m) => m.threadTs !== undefined && messageText(m).includes(`Activity of \`${grantId}\``));

  async function endAndDigest(grantId: string, userId: string) {
    await slash(bot, userId, `revoke ${grantId}`);
    await statusBecomes(bot, grantId, "revoked");
    bot.clock.advance(SESSION_MS + DELAY_MS + MINUTE);
    return world.slack.waitFor(() => digestOf(grantId), 20_000, `the digest of ${grantId}`);
  }

  it("always asks for a review of break-glass access, even with nothing flagged, and lists it for admins", async () => {
    const reply = await slash(bot, people.carol.slackId, "request prod AdministratorAccess 1h --ticket SEV-1 database is down hard");
    const grantId = grantIdIn(reply);
    await statusBecomes(bot, grantId, "active");
    const digest = await endAndDigest(grantId, people.carol.slackId);
    assert.match(messageText(digest), /0 calls/);
    assert.match(messageText(digest), /Break-glass access: an approver must review what was done/);
    assert.ok(findButtons(digest.blocks).some((button) => button.actionId === "jit_activity_reviewed"));
    assert.match(
      await slash(bot, people.mallory.slackId, "list --review"),
      new RegExp(`activity digest waiting for review[\\s\\S]*${grantId}`),
    );

    await bot.driver.click(people.dave.slackId, "jit_activity_reviewed", grantId, { channel: digest.channel, ts: digest.ts });
    await eventually(
      async () => (await bot.bot.deps.activity?.digests.get(grantId))?.reviewedBy === people.dave.slackId,
      5000,
      "the review",
    );
    assert.doesNotMatch(await slash(bot, people.mallory.slackId, "list --review"), /activity digest/);
  });

  it("lists flagged digests for admins with /jit list --review, and not digests that flagged nothing", async () => {
    const flagged = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h looking at the audit bucket");
    const quiet = await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 1h looking at the sandbox");
    await click(bot, people.bob.slackId, "jit_approve", flagged);
    await statusBecomes(bot, flagged.grantId, "active");
    await statusBecomes(bot, quiet.grantId, "active");
    world.aws.addTrailEvent({
      accountId: PROD,
      sessionName: people.alice.email,
      roleName: "AWSReservedSSO_ReadOnlyAccess_fedcba9876543210",
      at: bot.clock.now(),
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "StopLogging",
      errorCode: "AccessDenied",
      resources: ["org-trail"],
    });
    await slash(bot, people.alice.slackId, `revoke ${quiet.grantId}`);
    await statusBecomes(bot, quiet.grantId, "revoked");
    const digest = await endAndDigest(flagged.grantId, people.alice.slackId);
    assert.match(messageText(digest), /cloudtrail:StopLogging` CloudTrail logging stopped \(denied\)/);
    await world.slack.waitFor(() => digestOf(quiet.grantId), 20_000, "the quiet grant's digest");

    const list = await slash(bot, people.mallory.slackId, "list --review");
    assert.match(list, new RegExp(`1 activity digest waiting for review[\\s\\S]*${flagged.grantId}[\\s\\S]*1 flagged action`));
    assert.doesNotMatch(list, new RegExp(quiet.grantId));
    assert.match(await slash(bot, people.alice.slackId, "list --review"), /Only jit-slack admins/);
  });
});
