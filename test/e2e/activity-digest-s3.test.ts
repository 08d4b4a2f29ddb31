// Activity digests read from an organization trail's log files in S3 (JIT_ACTIVITY_SOURCE=s3)
// instead of CloudTrail event history: the grant's events are written as gzip trail files under
// AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/ in the fake S3, which the bot lists and
// reads through the real SDK; a bucket that refuses the reader makes the digest partial, read
// again, and posted marked partial once its retries are spent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { messageText } from "../../src/simulators/fake-slack.js";
import { trailRecordOf, type FakeTrailEventInput } from "../../src/simulators/fake-aws-cloudtrail.js";
import { startFakeS3, type FakeS3 } from "../../src/simulators/fake-s3.js";
import { writeTrailFile, type FakeTrail } from "../../src/simulators/fake-trail-files.js";
import { ADMIN_ROLE, DELAY_MS, digestSteps, MINUTE, SESSION_MS } from "../support/activity-digests.js";
import { freshBotForEachTest, type TestBot } from "../support/in-process-bot.js";
import { auditRows } from "../support/flows.js";
import { people, PROD, type World } from "../support/world.js";

const TRAIL: FakeTrail = { bucket: "acme-org-cloudtrail", prefix: "org-trail", organizationId: "o-a1b2c3d4e5" };
const LOG_ARCHIVE = "999988887777";
const TRAIL_ROLE = "jit-slack-trail-reader";

describe("activity digest from an organization trail in S3", () => {
  let s3: FakeS3;
  let world: World;
  let bot: TestBot;
  // Filled in once the fake S3 listens, before the first bot starts.
  const env: Record<string, string> = {
    JIT_ACTIVITY_DIGEST: "true",
    JIT_ACTIVITY_REGIONS: "us-east-1,eu-west-1",
    JIT_ACTIVITY_DELAY_MINUTES: "15",
    JIT_ACTIVITY_SOURCE: "s3",
    JIT_ACTIVITY_TRAIL_BUCKET: TRAIL.bucket,
    JIT_ACTIVITY_TRAIL_PREFIX: `${TRAIL.prefix}/`,
    JIT_ACTIVITY_ORGANIZATION_ID: TRAIL.organizationId,
    JIT_ACTIVITY_TRAIL_ROLE_ARN: `arn:aws:iam::${LOG_ARCHIVE}:role/${TRAIL_ROLE}`,
  };

  before(async () => {
    s3 = await startFakeS3();
    env.AWS_ENDPOINT_URL_S3 = s3.url;
  });
  after(async () => {
    await s3?.close();
  });

  freshBotForEachTest((w, b) => {
    world = w;
    bot = b;
    world.aws.allowRole(LOG_ARCHIVE, TRAIL_ROLE);
    s3.createBucket(TRAIL.bucket, { objectLock: false });
    s3.clearFailures();
    s3.calls.length = 0;
  }, env);

  const { activeGrant, end, partialFirstRead, spendRetries, digestPosted } = digestSteps(() => ({ world, bot }));

  /**
   * What alice did under AdministratorAccess, delivered in trail files a few minutes later (one
   * event twice, as CloudTrail may deliver it), with events that are not hers or not this
   * permission set's in the same files.
   */
  function aliceWorks(): void {
    const at = bot.clock.now();
    const alice = { accountId: PROD, sessionName: people.alice.email, roleName: ADMIN_ROLE, at };
    const record = (input: Partial<FakeTrailEventInput> & Pick<FakeTrailEventInput, "eventSource" | "eventName">) =>
      trailRecordOf({ ...alice, ...input });
    const created = record({
      eventSource: "iam.amazonaws.com",
      eventName: "CreateAccessKey",
      resources: ["arn:aws:iam::111122223333:user/deploy-bot"],
    });
    const usEast = [
      record({ eventSource: "ec2.amazonaws.com", eventName: "DescribeInstances", readOnly: true }),
      record({ eventSource: "s3.amazonaws.com", eventName: "PutObject", resources: ["arn:aws:s3:::payments-exports"] }),
      created,
      record({ eventSource: "ec2.amazonaws.com", eventName: "TerminateInstances", errorCode: "Client.UnauthorizedOperation" }),
      record({ eventSource: "s3.amazonaws.com", eventName: "DeleteBucket", roleName: "AWSReservedSSO_ReadOnlyAccess_fedcba9876543210" }),
      record({ eventSource: "kms.amazonaws.com", eventName: "ScheduleKeyDeletion", sessionName: people.carol.email }),
    ];
    writeTrailFile(s3, TRAIL, { accountId: PROD, region: "us-east-1", deliveredAt: at + 5 * MINUTE, records: usEast });
    writeTrailFile(s3, TRAIL, { accountId: PROD, region: "us-east-1", deliveredAt: at + 10 * MINUTE, records: [created] });
    writeTrailFile(s3, TRAIL, {
      accountId: PROD,
      region: "eu-west-1",
      deliveredAt: at + 5 * MINUTE,
      records: [
        record({
          eventSource: "s3.amazonaws.com",
          eventName: "PutObject",
          region: "eu-west-1",
          resources: ["arn:aws:s3:::payments-archive"],
        }),
      ],
    });
    // Before the grant: delivered before its window began, never read.
    writeTrailFile(s3, TRAIL, {
      accountId: PROD,
      region: "us-east-1",
      deliveredAt: at - 30 * MINUTE,
      records: [record({ eventSource: "iam.amazonaws.com", eventName: "DeleteRole", at: at - 35 * MINUTE })],
    });
  }

  it("posts the digest of the trail's events in the approval thread, each event once, flagged actions first", async () => {
    const requested = await activeGrant();
    aliceWorks();
    await end(requested);
    bot.clock.advance(SESSION_MS + DELAY_MS + MINUTE);
    const text = messageText(await digestPosted(requested));
    assert.match(text, /Flagged \(1\)/);
    assert.match(text, /iam:CreateAccessKey/);
    assert.ok(text.indexOf("Flagged") < text.indexOf("Write calls"), "flagged actions come first");
    assert.match(text, /5 calls in us-east-1 \(4\), eu-west-1 \(1\)/, "the event delivered twice counts once");
    assert.match(text, /s3:PutObject` ×2 — arn:aws:s3:::payments-exports, arn:aws:s3:::payments-archive/);
    assert.match(text, /Denied calls[\s\S]*ec2:TerminateInstances/);
    assert.doesNotMatch(
      text,
      /DeleteBucket|ScheduleKeyDeletion|DeleteRole/,
      "other permission sets', other users' and earlier events are left out",
    );
    assert.doesNotMatch(text, /partial/i);

    const record = (await auditRows(world, requested.grantId)).find((row) => row.action === "activity_digest");
    assert.equal(record?.detail.events, 5);
    assert.equal(record?.detail.flagged, 1);
    assert.equal(record?.detail.partial, false);

    // Read under the trail role, listing only the account's folders, and not through CloudTrail event history.
    const assumed = world.aws.callsOf("AssumeRole").filter((call) => call.input.RoleArn === env.JIT_ACTIVITY_TRAIL_ROLE_ARN);
    assert.ok(assumed.length >= 1, "the trail role is assumed");
    assert.ok(
      s3.calls.length > 0 && s3.calls.every((call) => call.accessKeyId?.startsWith("ASIA")),
      "S3 is read with the role's credentials",
    );
    const listed = s3.calls.flatMap((call) => (call.prefix === undefined ? [] : [call.prefix]));
    assert.ok(listed.every((prefix) => prefix.startsWith(`${TRAIL.prefix}/AWSLogs/${TRAIL.organizationId}/${PROD}/CloudTrail/`)));
    assert.equal(s3.calls.filter((call) => call.method === "GET" && call.key !== "").length, 3, "the earlier file is not read");
    assert.equal(world.aws.callsOf("LookupEvents").length, 0);
  });

  it("reads a refused bucket again, and posts the digest marked partial, naming each region, once its retries are spent", async () => {
    const requested = await activeGrant();
    aliceWorks();
    await end(requested);
    s3.failOn({ bucket: TRAIL.bucket, code: "AccessDenied" });
    await partialFirstRead(requested);
    await spendRetries(requested);
    const text = messageText(await digestPosted(requested));
    assert.match(text, /\(partial\)/);
    assert.match(text, /us-east-1: the organization trail's bucket could not be read \(S3 ListObjectsV2 failed: AccessDenied/);
    assert.match(text, /eu-west-1: the organization trail's bucket could not be read/);
    const record = (await auditRows(world, requested.grantId)).find((row) => row.action === "activity_digest");
    assert.equal(record?.detail.partial, true);
    assert.equal(record?.detail.missing, "us-east-1:trail-unreadable,eu-west-1:trail-unreadable");
  });

  it("ends complete when the bucket reads again on a later try", async () => {
    const requested = await activeGrant();
    aliceWorks();
    await end(requested);
    // The first read's listings (one day folder per region, or two past midnight) are refused.
    s3.failOn({ bucket: TRAIL.bucket, code: "AccessDenied", times: 2 });
    await partialFirstRead(requested);
    s3.clearFailures();
    bot.clock.advance(6 * MINUTE);
    const text = messageText(await digestPosted(requested));
    assert.doesNotMatch(text, /partial/i);
    assert.match(text, /5 calls/);
    assert.ok(s3.calls.some((call) => call.error === "AccessDenied"));
  });
});
