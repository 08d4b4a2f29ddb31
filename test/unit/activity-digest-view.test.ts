import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActivityDigest } from "../../src/domain/activity-digest.js";
import type { DigestJob } from "../../src/services/ports.js";
import { activityDigestMessage } from "../../src/slack/views/activity-digest.js";
import { messageProblems } from "../support/block-kit-limits.js";
import { grant } from "../support/grant-fixture.js";

const job: DigestJob = {
  grantId: "jit-abcdefgh",
  state: "collected",
  attempts: 1,
  retryAt: null,
  digest: null,
  needsReview: true,
  reviewedBy: null,
  reviewedAt: null,
  channel: null,
  ts: null,
  createdAt: 0,
};

function digest(overrides: Partial<ActivityDigest> = {}): ActivityDigest {
  return { window: { from: 0, until: 1 }, total: 0, regions: [], writes: [], denied: [], flagged: [], gaps: [], ...overrides };
}

describe("the activity digest message", () => {
  it("escapes what CloudTrail reports, so a resource name cannot mention a channel or format the message", () => {
    const text = JSON.stringify(
      activityDigestMessage(
        grant(),
        job,
        digest({ total: 1, writes: [{ service: "s3", eventName: "CreateBucket", count: 1, resources: ["<!channel> *pwned*"] }] }),
        [],
      ).blocks,
    );
    assert.doesNotMatch(text, /<!channel>/);
    assert.match(text, /&lt;!channel&gt;/);
  });

  it("stays within Block Kit's limits with hundreds of write calls and flagged actions", () => {
    const many = Array.from({ length: 300 }, (_, index) => ({
      service: "ec2",
      eventName: `Action${index}`,
      count: index + 1,
      resources: Array.from({ length: 5 }, (__, r) => `arn:aws:ec2:us-east-1:111122223333:instance/i-${"0".repeat(60)}${r}`),
    }));
    const flagged = many.map((group) => ({ ...group, why: "IAM change", at: 0, region: "us-east-1", denied: false }));
    const message = activityDigestMessage(grant(), job, digest({ total: 9000, writes: many, denied: many, flagged }), []);
    assert.deepEqual(messageProblems(message), []);
    const text = JSON.stringify(message.blocks);
    assert.match(text, /Flagged \(300\)[^"]*…and 29\d more/, "what does not fit is counted");
    assert.doesNotMatch(text, /…"/, "no line is cut short");
  });

  it("says a partial digest is partial and why, and shows who reviewed it", () => {
    const partial = digest({ gaps: [{ region: "eu-west-1", reason: "throttled", message: "Rate exceeded" }] });
    const reviewed = activityDigestMessage(grant(), { ...job, reviewedBy: "U0BOB", reviewedAt: 5 }, partial, []);
    assert.match(reviewed.text, /\(partial\)/);
    assert.match(JSON.stringify(reviewed.blocks), /eu-west-1: AWS kept throttling the reads/);
    assert.match(JSON.stringify(reviewed.blocks), /Reviewed by <@U0BOB>/);
    assert.doesNotMatch(JSON.stringify(reviewed.blocks), /jit_activity_reviewed/);
  });
});
