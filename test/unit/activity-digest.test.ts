import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActivityEvent } from "../../src/domain/activity-event.js";
import { isDenied, isWrite } from "../../src/domain/activity-event.js";
import { activityWindow, digestCounts, digestOf, needsReview } from "../../src/domain/activity-digest.js";
import { parseFlaggedActions, riskOf } from "../../src/domain/risky-actions.js";

let next = 0;
function event(eventSource: string, eventName: string, extra: Partial<ActivityEvent> = {}): ActivityEvent {
  next += 1;
  return {
    eventId: `e-${next}`,
    eventSource: `${eventSource}.amazonaws.com`,
    eventName,
    eventTime: 1_000 + next,
    region: "us-east-1",
    readOnly: null,
    errorCode: null,
    resources: [],
    requestParameters: null,
    ...extra,
  };
}

const ingress = (cidr: string, v6 = false) =>
  event("ec2", "AuthorizeSecurityGroupIngress", {
    readOnly: false,
    requestParameters: {
      groupId: "sg-1",
      ipPermissions: {
        items: [
          {
            ipProtocol: "tcp",
            fromPort: 22,
            toPort: 22,
            [v6 ? "ipv6Ranges" : "ipRanges"]: { items: [{ [v6 ? "cidrIpv6" : "cidrIp"]: cidr }] },
          },
        ],
      },
    },
  });

describe("risky actions", () => {
  it("flags IAM, Identity Center and Organizations writes but not their reads", () => {
    assert.equal(riskOf(event("iam", "CreateAccessKey", { readOnly: false })), "IAM change");
    assert.equal(riskOf(event("sso", "CreatePermissionSet", { readOnly: false })), "Identity Center change");
    assert.equal(riskOf(event("organizations", "LeaveOrganization")), "Organizations change");
    assert.equal(riskOf(event("iam", "GetRole", { readOnly: true })), null);
    assert.equal(riskOf(event("iam", "ListRoles")), null, "a List call without readOnly is a read");
  });

  it("flags key policy, bucket exposure, logging and detection changes by name", () => {
    for (const [source, name] of [
      ["kms", "PutKeyPolicy"],
      ["kms", "ScheduleKeyDeletion"],
      ["kms", "DisableKey"],
      ["s3", "PutBucketPolicy"],
      ["s3", "DeleteBucketPolicy"],
      ["s3", "PutBucketAcl"],
      ["s3", "PutPublicAccessBlock"],
      ["s3", "DeletePublicAccessBlock"],
      ["cloudtrail", "StopLogging"],
      ["cloudtrail", "DeleteTrail"],
      ["cloudtrail", "UpdateTrail"],
      ["guardduty", "DeleteDetector"],
      ["securityhub", "DisableSecurityHub"],
    ] as const) {
      assert.ok(riskOf(event(source, name, { readOnly: false })), `${source}:${name}`);
    }
    assert.equal(riskOf(event("kms", "Encrypt", { readOnly: false })), null);
    assert.equal(riskOf(event("s3", "PutObject", { readOnly: false })), null);
  });

  it("flags a GuardDuty detector only when the update disables it", () => {
    assert.equal(
      riskOf(event("guardduty", "UpdateDetector", { requestParameters: { detectorId: "d", enable: false } })),
      "GuardDuty detector disabled",
    );
    assert.equal(riskOf(event("guardduty", "UpdateDetector", { requestParameters: { detectorId: "d", enable: true } })), null);
  });

  it("flags ingress from the whole internet, v4 or v6, and not from a narrower range", () => {
    assert.equal(riskOf(ingress("0.0.0.0/0")), "security group opened to the internet");
    assert.equal(riskOf(ingress("::/0", true)), "security group opened to the internet");
    assert.equal(riskOf(ingress("10.0.0.0/8")), null);
  });

  it("flags the operator's list, with a trailing wildcard", () => {
    const extra = parseFlaggedActions("ec2:TerminateInstances, lambda:Delete*");
    assert.equal(riskOf(event("ec2", "TerminateInstances"), extra), "on the configured list");
    assert.equal(riskOf(event("lambda", "DeleteFunction20150331"), extra), "on the configured list");
    assert.equal(riskOf(event("lambda", "UpdateFunctionCode"), extra), null);
    assert.throws(() => parseFlaggedActions("TerminateInstances"), /service:Action/);
  });
});

describe("the activity digest", () => {
  it("counts calls and regions, groups writes with their resources, and lists denied calls apart", () => {
    const events = [
      event("s3", "PutObject", { readOnly: false, resources: ["bucket-a"] }),
      event("s3", "PutObject", { readOnly: false, resources: ["bucket-b"], region: "eu-west-1" }),
      event("ec2", "DescribeInstances", { readOnly: true }),
      event("ec2", "RunInstances", { readOnly: false, errorCode: "Client.UnauthorizedOperation" }),
      event("iam", "CreateUser", { readOnly: false, errorCode: "AccessDenied" }),
    ];
    const digest = digestOf({ events, gaps: [] }, { from: 0, until: 10_000 });
    assert.equal(digest.total, 5);
    assert.deepEqual(digest.regions, [
      { region: "us-east-1", count: 4 },
      { region: "eu-west-1", count: 1 },
    ]);
    assert.deepEqual(digest.writes, [{ service: "s3", eventName: "PutObject", count: 2, resources: ["bucket-a", "bucket-b"] }]);
    assert.deepEqual(
      digest.denied.map((group) => group.eventName),
      ["RunInstances", "CreateUser"],
    );
    assert.equal(digest.flagged.length, 1, "a denied IAM write is still flagged");
    assert.equal(digest.flagged[0]?.denied, true);
    assert.equal(needsReview(digest, false), true);
    assert.deepEqual(digestCounts(digest).writes, 2);
  });

  it("says a digest with a region not read is partial, and break-glass always needs review", () => {
    const digest = digestOf(
      { events: [], gaps: [{ region: "eu-west-1", reason: "throttled", message: "Rate exceeded" }] },
      { from: 0, until: 1 },
    );
    assert.equal(digestCounts(digest).partial, true);
    assert.equal(digestCounts(digest).missing, "eu-west-1:throttled");
    assert.equal(needsReview(digest, false), false);
    assert.equal(needsReview(digest, true), true);
  });

  it("knows denied and write calls by code and verb", () => {
    assert.equal(isDenied({ errorCode: "AccessDeniedException" }), true);
    assert.equal(isDenied({ errorCode: "ThrottlingException" }), false);
    assert.equal(isWrite({ readOnly: null, eventName: "DeleteBucket" }), true);
    assert.equal(isWrite({ readOnly: false, eventName: "GetObject" }), true, "readOnly wins over the verb");
  });

  it("reaches past the end while unfenced sessions stay valid", () => {
    assert.deepEqual(activityWindow(100, 200, null), { from: 100, until: 200 });
    assert.deepEqual(activityWindow(100, 200, 900), { from: 100, until: 900 });
  });
});
