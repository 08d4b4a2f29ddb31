// The organization-trail reader against the fake S3 through the real SDK: which files it reads for
// a window, which records it keeps, and every file or listing it cannot read reported as a gap.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import { S3TrailActivity, type TrailReaderSettings } from "../../src/aws/s3-trail-activity.js";
import type { ActivityQuery } from "../../src/services/ports.js";
import { trailRecordOf, type FakeTrailEventInput } from "../../src/simulators/fake-aws-cloudtrail.js";
import { startFakeS3, type FakeS3 } from "../../src/simulators/fake-s3.js";
import { writeTrailFile } from "../../src/simulators/fake-trail-files.js";

const BUCKET = "acme-org-trail";
const TRAIL = { bucket: BUCKET, prefix: "org", organizationId: "o-a1b2c3d4e5" };
const ACCOUNT = "111111111111";
const ALICE = "alice@example.com";
const ADMIN_ROLE = "AWSReservedSSO_Admin_0123456789abcdef";
const MINUTE = 60_000;
const FROM = Date.parse("2026-03-14T23:00:00Z");
const UNTIL = Date.parse("2026-03-14T23:50:00Z");
const QUERY: ActivityQuery = { accountId: ACCOUNT, permissionSetName: "Admin", principalId: "user-alice", from: FROM, until: UNTIL };

const users = { of: async (principalId: string) => (principalId === "user-alice" ? ALICE : Promise.reject(new Error("unknown user"))) };

function event(at: number, eventName: string, more: Partial<FakeTrailEventInput> = {}) {
  return trailRecordOf({
    accountId: ACCOUNT,
    roleName: ADMIN_ROLE,
    sessionName: ALICE,
    eventSource: "ec2.amazonaws.com",
    eventName,
    at,
    ...more,
  });
}

describe("the organization trail reader", () => {
  let s3: FakeS3;
  let client: S3Client;
  const reader = (settings: Partial<TrailReaderSettings> = {}) =>
    new S3TrailActivity(
      { trail: TRAIL, regions: ["us-east-1", "eu-west-1"], retries: 3, backoffMs: { base: 1, cap: 5 }, ...settings },
      client,
      users,
    );
  const file = (region: string, deliveredAt: number, records: ReturnType<typeof event>[]) =>
    writeTrailFile(s3, TRAIL, { accountId: ACCOUNT, region, deliveredAt, records });

  before(async () => {
    s3 = await startFakeS3();
    client = new S3Client({
      endpoint: s3.url,
      region: "us-east-1",
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });
  beforeEach(() => {
    s3.createBucket(BUCKET, { objectLock: false });
    s3.clearFailures();
    s3.calls.length = 0;
  });
  after(async () => {
    client.destroy();
    await s3.close();
  });

  it("keeps the user's events of the window under the permission set, once each, across midnight", async () => {
    const inWindow = event(FROM + 10 * MINUTE, "RunInstances");
    file("us-east-1", FROM - 30 * MINUTE, [event(FROM - 40 * MINUTE, "TerminateInstances")]);
    file("us-east-1", FROM + 15 * MINUTE, [
      event(FROM - MINUTE, "StopInstances"),
      inWindow,
      event(FROM + 12 * MINUTE, "DeleteBucket", { sessionName: "carol@example.com" }),
      event(FROM + 13 * MINUTE, "DeleteBucket", { roleName: "AWSReservedSSO_ReadOnly_fedcba9876543210" }),
      event(FROM + 14 * MINUTE, "DeleteBucket", { roleName: "AWSReservedSSO_Admin_Prod_fedcba9876543210" }),
    ]);
    // Delivered again in a later file, and the window's last events after midnight (the next day's folder).
    file("us-east-1", UNTIL + 20 * MINUTE, [inWindow, event(UNTIL - MINUTE, "CreateAccessKey"), event(UNTIL + MINUTE, "DeleteUser")]);
    file("eu-west-1", FROM + 5 * MINUTE, [event(FROM + 2 * MINUTE, "PutObject", { region: "eu-west-1" })]);

    const found = await reader().lookup(QUERY);
    assert.deepEqual(found.gaps, []);
    assert.deepEqual(found.events.map((e) => e.eventName).sort(), ["CreateAccessKey", "PutObject", "RunInstances"]);
    const gets = s3.calls.filter((call) => call.method === "GET" && call.key !== "");
    assert.equal(gets.length, 3, "the file delivered before the window is not read");
    const listed = s3.calls.filter((call) => call.prefix !== undefined).map((call) => call.prefix);
    assert.ok(listed.includes(`org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/us-east-1/2026/03/15/`), "the next day's folder is listed");
  });

  it("follows the listing's continuation tokens past a page of 1,000 keys", async () => {
    // Files of the morning, delivered before the window: listed, never read.
    const stamp = (i: number) => `${String(Math.floor(i / 60)).padStart(2, "0")}${String(i % 60).padStart(2, "0")}`;
    for (let i = 0; i < 1_050; i += 1) {
      s3.putObject(
        BUCKET,
        `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/us-east-1/2026/03/14/${ACCOUNT}_CloudTrail_us-east-1_20260314T${stamp(i)}Z_${i}.json.gz`,
        Buffer.alloc(0),
      );
    }
    file("us-east-1", FROM + 5 * MINUTE, [event(FROM + MINUTE, "RunInstances")]);
    const found = await reader({ regions: ["us-east-1"] }).lookup(QUERY);
    assert.deepEqual(found.gaps, []);
    assert.deepEqual(
      found.events.map((e) => e.eventName),
      ["RunInstances"],
    );
    const pages = s3.calls.filter((call) => call.prefix?.endsWith("/2026/03/14/"));
    assert.equal(pages.length, 2);
    assert.equal(s3.calls.filter((call) => call.method === "GET" && call.key !== "").length, 1);
  });

  it("reports a corrupt file as a gap of its region and still reads the others", async () => {
    s3.putObject(
      BUCKET,
      `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/us-east-1/2026/03/14/${ACCOUNT}_CloudTrail_us-east-1_20260314T2310Z_bad.json.gz`,
      Buffer.from("not gzip"),
    );
    file("us-east-1", FROM + 20 * MINUTE, [event(FROM + MINUTE, "RunInstances")]);
    const found = await reader().lookup(QUERY);
    assert.deepEqual(
      found.events.map((e) => e.eventName),
      ["RunInstances"],
    );
    assert.equal(found.gaps.length, 1);
    assert.equal(found.gaps[0]?.region, "us-east-1");
    assert.equal(found.gaps[0]?.reason, "corrupt-file");
    assert.match(found.gaps[0]?.message ?? "", /1 of 2 trail log files could not be read; .*bad\.json\.gz is not gzip/);
  });

  it("reports a refused bucket, a missing one and throttling past the retries as gaps naming the region", async () => {
    s3.failOn({ prefix: `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/eu-west-1/`, code: "AccessDenied" });
    s3.failOn({ prefix: `org/AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/CloudTrail/us-east-1/`, code: "SlowDown" });
    const found = await reader().lookup(QUERY);
    assert.deepEqual(found.gaps.map((gap) => [gap.region, gap.reason]).sort(), [
      ["eu-west-1", "trail-unreadable"],
      ["us-east-1", "throttled"],
    ]);
    assert.match(found.gaps.find((gap) => gap.region === "eu-west-1")?.message ?? "", /AccessDenied/);
    assert.equal(s3.calls.filter((call) => call.error === "SlowDown").length, 3, "each attempt of the retry policy");

    s3.clearFailures();
    const missing = await reader({ trail: { ...TRAIL, bucket: "no-such-trail-bucket" } }).lookup(QUERY);
    assert.deepEqual(
      missing.gaps.map((gap) => gap.reason),
      ["trail-unreadable", "trail-unreadable"],
    );
  });

  it("retries a slowed-down read and ends complete", async () => {
    const key = file("us-east-1", FROM + 20 * MINUTE, [event(FROM + MINUTE, "RunInstances")]);
    s3.failOn({ prefix: key, code: "SlowDown", times: 2 });
    const found = await reader({ regions: ["us-east-1"] }).lookup(QUERY);
    assert.deepEqual(found.gaps, []);
    assert.deepEqual(
      found.events.map((e) => e.eventName),
      ["RunInstances"],
    );
  });

  it("reads no more files than its cap and says so", async () => {
    for (let i = 0; i < 5; i += 1) file("us-east-1", FROM + (i + 1) * MINUTE, [event(FROM + i * 1000, `Call${i}`)]);
    const found = await reader({ regions: ["us-east-1"], maxFiles: 3 }).lookup(QUERY);
    assert.equal(found.events.length, 3);
    assert.deepEqual(
      found.gaps.map((gap) => gap.reason),
      ["too-many-files"],
    );
    assert.match(found.gaps[0]?.message ?? "", /more than 3 trail log files in the window, 3 read \(at most 3 per digest\)/);
  });

  it("reports every region when the user's name cannot be had", async () => {
    const found = await reader().lookup({ ...QUERY, principalId: "user-nobody" });
    assert.deepEqual(
      found.gaps.map((gap) => [gap.region, gap.reason]),
      [
        ["us-east-1", "error"],
        ["eu-west-1", "error"],
      ],
    );
  });
});
