// Until when role sessions stay valid where the session fence cannot end them: the domain helper,
// and what the approvers and the requester are told.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fenceGap, fenceGapCause, noFence, sessionsValidUntil, type FenceFacts } from "../../src/domain/fence-capability.js";
import type { Grant } from "../../src/domain/grant.js";
import { slackDate } from "../../src/slack/views/escape.js";
import {
  approverSessionLine,
  requesterSessionLine,
  withApproverSessionLine,
  withRequesterSessionLine,
} from "../../src/slack/views/session-end.js";
import { HOUR, newGrant, PROD, storedGrant, T0 } from "../support/store-fixtures.js";

const MANAGEMENT = "999900001111";
const EIGHT_HOURS = new Map([["AdministratorAccess", 8 * HOUR]]);
const FENCED: FenceFacts = { mode: "scp", unavailable: null, managementAccountId: MANAGEMENT, sessionDurationMs: EIGHT_HOURS };

function active(overrides: Partial<Grant> = {}): Grant {
  return {
    ...storedGrant(newGrant("jit-abcdefgh", { durationMs: 2 * HOUR })),
    status: "active",
    activatedAt: T0,
    expiresAt: T0 + 2 * HOUR,
    ...overrides,
  };
}

describe("sessionsValidUntil", () => {
  it("is null where the fence applies: revoking the grant ends the sessions", () => {
    assert.equal(sessionsValidUntil(FENCED, PROD, "AdministratorAccess", T0), null);
  });

  it("adds the permission set's session duration where the fence is off", () => {
    assert.equal(sessionsValidUntil(noFence(EIGHT_HOURS), PROD, "AdministratorAccess", T0), T0 + 8 * HOUR);
  });

  it("adds the session duration on the management account, which SCPs never reach, with the fence on", () => {
    assert.equal(sessionsValidUntil(FENCED, MANAGEMENT, "AdministratorAccess", T0), T0 + 8 * HOUR);
  });

  it("assumes the 12 h maximum when the permission set's duration is unknown", () => {
    const unavailable: FenceFacts = { ...FENCED, unavailable: "the SCP policy type is not enabled" };
    assert.equal(sessionsValidUntil(unavailable, PROD, "ReadOnlyAccess", T0), T0 + 12 * HOUR);
  });
});

describe("fenceGapCause", () => {
  it("says which of the three reasons keeps the fence from a target", () => {
    const cause = (facts: FenceFacts, account: string) => {
      const gap = fenceGap(facts, account, "AdministratorAccess");
      assert.ok(gap);
      return fenceGapCause(facts, gap);
    };
    assert.match(cause(noFence(), PROD), /session fence is off/);
    assert.match(
      cause({ ...FENCED, unavailable: "all features are not enabled" }, PROD),
      /cannot work in this organization: all features are not enabled/,
    );
    assert.match(cause(FENCED, MANAGEMENT), /management account, which service control policies never reach/);
  });
});

describe("the requester's message when access starts", () => {
  it("says until when sessions opened now and just before the end stay valid, and why", () => {
    assert.equal(
      requesterSessionLine(active(), noFence(EIGHT_HOURS)),
      `Role sessions opened now stay valid until ${slackDate(T0 + 8 * HOUR)} (the permission set's 8h session duration); ` +
        `one opened just before the grant ends stays valid until ${slackDate(T0 + 10 * HOUR)}. ` +
        "jit-slack cannot end them early: the session fence is off (sessionFence.mode: off in the policy).",
    );
  });

  it("says the 12 h maximum is assumed when the duration is unknown", () => {
    assert.match(requesterSessionLine(active(), noFence()), /not known, so the longest AWS allows, 12h, is assumed/);
  });

  it("says only that sessions end with the grant where the fence applies", () => {
    assert.equal(requesterSessionLine(active(), FENCED), "Role sessions you open end with the grant.");
  });

  it("is added to the access-granted message only, and not where the user keeps access they had before", () => {
    const message = { text: "granted", blocks: [] };
    assert.match(withRequesterSessionLine(message, active(), noFence()).text, /^granted\nRole sessions opened now/);
    assert.deepEqual(withRequesterSessionLine(message, active({ status: "revoked", endedAt: T0 }), noFence()), message);
    assert.deepEqual(withRequesterSessionLine(message, active({ keepsAssignment: true }), noFence()), message);
  });

  it("escapes what AWS said about why the fence is unavailable", () => {
    const facts: FenceFacts = { ...FENCED, unavailable: "<!channel> denied" };
    assert.match(requesterSessionLine(active(), facts), /&lt;!channel&gt; denied/);
  });
});

describe("the approvers' message", () => {
  it("tells approvers of a pending request how much longer sessions outlive the grant", () => {
    const pending = active({ status: "pending", activatedAt: null, expiresAt: null });
    assert.match(
      approverSessionLine(pending, noFence(EIGHT_HOURS)) ?? "",
      /^:warning: Role sessions outlive this grant: one opened just before it ends stays valid 8h longer \(the permission set's 8h session duration; the session fence is off/,
    );
  });

  it("gives the end of the last session once the grant is active", () => {
    const line = approverSessionLine(active(), { ...FENCED, managementAccountId: PROD });
    assert.ok(line?.includes(`stays valid until ${slackDate(T0 + 10 * HOUR)}`), line);
    assert.match(line ?? "", /management account/);
  });

  it("says when the sessions of an ended grant run out", () => {
    const line = approverSessionLine(active({ status: "revoked", endedAt: T0 + HOUR }), noFence(EIGHT_HOURS));
    assert.ok(line?.includes(`stay valid until ${slackDate(T0 + 9 * HOUR)} at the latest`), line);
  });

  it("says nothing where the fence applies, or of a request that never became access", () => {
    assert.equal(approverSessionLine(active(), FENCED), undefined);
    assert.equal(approverSessionLine(active({ status: "denied", activatedAt: null }), noFence()), undefined);
    const message = { text: "t", blocks: [] };
    assert.deepEqual(withApproverSessionLine(message, active(), FENCED), message);
    assert.equal(withApproverSessionLine(message, active(), noFence()).blocks.length, 1);
  });
});
