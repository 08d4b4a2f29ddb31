// Whose sessions a CloudTrail record belongs to, and the event read from it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { activityEventOf, asRecord, isGrantSession, type TrailRecord } from "../../src/aws/trail-records.js";
import { trailRecordOf } from "../../src/simulators/fake-aws-cloudtrail.js";

const ACCOUNT = "111111111111";
const SESSIONS = { accountId: ACCOUNT, permissionSetName: "Admin", userName: "alice@example.com" };
const record = (overrides: { roleName?: string; sessionName?: string; accountId?: string } = {}): TrailRecord =>
  asRecord(
    trailRecordOf({
      accountId: overrides.accountId ?? ACCOUNT,
      roleName: overrides.roleName ?? "AWSReservedSSO_Admin_0123456789abcdef",
      sessionName: overrides.sessionName ?? "alice@example.com",
      eventSource: "s3.amazonaws.com",
      eventName: "PutObject",
      at: Date.parse("2026-03-14T10:00:00.500Z"),
      resources: ["arn:aws:s3:::payments-exports"],
    }),
  ) ?? {};

describe("CloudTrail records of a grant's sessions", () => {
  it("keeps the user's session under the permission set's role in the account", () => {
    assert.equal(isGrantSession(record(), SESSIONS), true);
  });

  it("leaves out other users, other permission sets (even one the name is a prefix of) and other accounts", () => {
    assert.equal(isGrantSession(record({ sessionName: "carol@example.com" }), SESSIONS), false);
    assert.equal(isGrantSession(record({ sessionName: "xalice@example.com" }), SESSIONS), false);
    assert.equal(isGrantSession(record({ roleName: "AWSReservedSSO_ReadOnly_0123456789abcdef" }), SESSIONS), false);
    assert.equal(isGrantSession(record({ roleName: "AWSReservedSSO_Admin_Prod_0123456789abcdef" }), SESSIONS), false);
    assert.equal(isGrantSession(record({ accountId: "222222222222" }), SESSIONS), false);
    assert.equal(isGrantSession({ eventName: "PutObject" }, SESSIONS), false, "a record without userIdentity is nobody's");
  });

  it("reads the event from the record: time to the second, resources' ARNs, readOnly and errorCode", () => {
    const event = activityEventOf(record(), "eu-west-1");
    assert.equal(event.eventTime, Date.parse("2026-03-14T10:00:00Z"));
    assert.equal(event.region, "us-east-1", "the record's own awsRegion");
    assert.deepEqual(event.resources, ["arn:aws:s3:::payments-exports"]);
    assert.equal(event.readOnly, false);
    assert.equal(event.errorCode, null);
  });
});
