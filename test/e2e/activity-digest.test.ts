// After a grant ends, and after CloudTrail's delivery delay, the bot reads the grant's role sessions'
// events (fake CloudTrail LookupEvents through an assumed read-only role) and posts a digest in the
// approval message's thread; flagged actions need a review by an approver other than the requester.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageText } from "../fakes/fake-slack.js";
import { findButtons } from "../fakes/slack-requests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows, click, eventually, request, slash, statusBecomes, type Requested } from "../support/flows.js";
import { APPROVALS, people, PROD, type World } from "../support/world.js";

const MINUTE = 60_000;
const ROLE = "jit-slack-activity-reader";
const ADMIN_ROLE = "AWSReservedSSO_AdministratorAccess_0123456789abcdef";
/** The fake's permission sets last an hour (PT1H) and no fence applies: the window runs an hour past the end. */
const SESSION_MS = 60 * MINUTE;
const DELAY_MS = 15 * MINUTE;

const ENV = { JIT_ACTIVITY_DIGEST: "true", JIT_ACTIVITY_REGIONS: "us-east-1,eu-west-1", JIT_ACTIVITY_DELAY_MINUTES: "15" };

describe("activity digest", () => {
  let world: World;
  let bot: TestBot;
  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
    world.aws.allowRole(PROD, ROLE);
  }, ENV);

  async function activeGrant(): Promise<Requested> {
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h checking the payments queue");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    return requested;
  }

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

  async function end(requested: Requested): Promise<void> {
    assert.match(await slash(bot, people.alice.slackId, `revoke ${requested.grantId}`), /jit-/);
    await statusBecomes(bot, requested.grantId, "revoked");
  }

  const digestIn = (requested: Requested) =>
    world.slack.messagesIn(APPROVALS).find((m) => m.threadTs === requested.message.ts && /Activity of/.test(messageText(m)));

  async function digestPosted(requested: Requested) {
    try {
      return await world.slack.waitFor(() => digestIn(requested), 20_000, "the activity digest in the approval thread");
    } catch (e) {
      console.log(
        "DEBUG",
        JSON.stringify(bot.logger.lines.filter((l) => l.level !== "debug")),
        JSON.stringify(await bot.bot.deps.activity?.digests.get(requested.grantId)),
        !!bot.bot.deps.activity,
        JSON.stringify(world.aws.calls.slice(-5)),
      );
      throw e;
    }
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
});
