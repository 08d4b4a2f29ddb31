// The grant state machine: the transition table is the specification, written out here by hand.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Conflict } from "../../src/domain/errors.js";
import {
  activationDeadline,
  approvalLapsed,
  assertTransition,
  canTransition,
  expiryWhenActivated,
  HOLDING_STATUSES,
  isExpired,
  isTerminal,
  TRANSITIONS,
  type Grant,
  type GrantStatus,
} from "../../src/domain/grant.js";

const ALL_STATUSES: readonly GrantStatus[] = [
  "pending",
  "approved",
  "denied",
  "expired",
  "cancelled",
  "provisioning",
  "active",
  "failed",
  "revoking",
  "revoked",
];

/** Every status change a grant may make, and no other. */
const ALLOWED: ReadonlyArray<readonly [GrantStatus, GrantStatus]> = [
  ["pending", "approved"],
  ["pending", "denied"],
  ["pending", "expired"],
  ["pending", "cancelled"],
  ["pending", "failed"],
  ["approved", "provisioning"],
  ["approved", "cancelled"],
  ["approved", "failed"],
  ["provisioning", "active"],
  ["provisioning", "failed"],
  ["provisioning", "revoking"],
  ["active", "revoking"],
  ["revoking", "revoked"],
];

const isAllowed = (from: GrantStatus, to: GrantStatus) => ALLOWED.some(([f, t]) => f === from && t === to);

describe("grant transitions", () => {
  it("knows every status and no other", () => {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...ALL_STATUSES].sort());
  });

  for (const [from, to] of ALLOWED) {
    it(`allows ${from} → ${to}`, () => {
      assert.equal(canTransition(from, to), true);
      assert.doesNotThrow(() => assertTransition(from, to));
    });
  }

  const refused = ALL_STATUSES.flatMap((from) => ALL_STATUSES.filter((to) => !isAllowed(from, to)).map((to) => [from, to] as const));

  it("refuses every other pair of statuses (all 100 pairs are checked)", () => {
    assert.equal(refused.length + ALLOWED.length, ALL_STATUSES.length ** 2);
    for (const [from, to] of refused) {
      assert.equal(canTransition(from, to), false, `${from} → ${to} must be refused`);
      assert.throws(
        () => assertTransition(from, to),
        (error: unknown) => error instanceof Conflict && error.message === `A grant cannot go from ${from} to ${to}.`,
        `${from} → ${to} must throw Conflict`,
      );
    }
  });

  it("never allows a status to move to itself", () => {
    for (const status of ALL_STATUSES) assert.equal(canTransition(status, status), false, status);
  });

  it("never leads back to pending", () => {
    for (const status of ALL_STATUSES) assert.equal(canTransition(status, "pending"), false, status);
  });
});

describe("terminal statuses", () => {
  it("are denied, expired, cancelled, failed and revoked", () => {
    assert.deepEqual(
      ALL_STATUSES.filter((status) => isTerminal(status)),
      ["denied", "expired", "cancelled", "failed", "revoked"],
    );
  });

  it("have no way out", () => {
    for (const status of ["denied", "failed", "revoked"] as const) {
      for (const to of ALL_STATUSES) assert.equal(canTransition(status, to), false, `${status} → ${to}`);
    }
  });

  it("are reachable from pending by allowed steps, and every non-terminal status can reach one", () => {
    const reachable = (from: GrantStatus): Set<GrantStatus> => {
      const seen = new Set<GrantStatus>([from]);
      const queue = [from];
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        for (const to of TRANSITIONS[next]) {
          if (!seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      return seen;
    };
    assert.deepEqual([...reachable("pending")].sort(), [...ALL_STATUSES].sort());
    for (const status of ALL_STATUSES) {
      assert.ok([...reachable(status)].some(isTerminal), `${status} must be able to end`);
    }
  });
});

describe("holding statuses", () => {
  it("are provisioning and active", () => {
    assert.deepEqual([...HOLDING_STATUSES].sort(), ["active", "provisioning"]);
  });
});

describe("isExpired", () => {
  const NOW = 1_700_000_000_000;
  const grant = (status: GrantStatus, expiresAt: number | null): Grant => ({
    id: "jit-test",
    requesterId: "U0REQUESTER",
    requesterTeamId: "T0TEAM",
    bundleId: null,
    requesterEmail: "alice@example.com",
    accountId: "111122223333",
    permissionSetName: "AdministratorAccess",
    groupId: null,
    groupName: null,
    groupAccess: [],
    durationMs: 3_600_000,
    justification: "incident 42",
    ticket: null,
    ruleName: "prod-admin",
    status,
    createdAt: NOW - 7_200_000,
    updatedAt: NOW - 7_200_000,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    breakGlass: false,
    reviewedBy: null,
    reviewedAt: null,
    approvalChannel: null,
    approvalTs: null,
    principalId: "p-1",
    keepsAssignment: false,
    activatedAt: null,
    expiresAt,
    warnedAt: null,
    endedAt: null,
    failureReason: null,
  });

  it("is true for an active grant whose expiry has passed", () => {
    assert.equal(isExpired(grant("active", NOW - 1), NOW), true);
  });

  it("is true at the exact moment of expiry", () => {
    assert.equal(isExpired(grant("active", NOW), NOW), true);
  });

  it("is false for an active grant that has time left", () => {
    assert.equal(isExpired(grant("active", NOW + 1), NOW), false);
  });

  it("is false for an active grant without an expiry", () => {
    assert.equal(isExpired(grant("active", null), NOW), false);
  });

  it("is false in every status other than active, even past the expiry", () => {
    for (const status of ALL_STATUSES.filter((s) => s !== "active")) {
      assert.equal(isExpired(grant(status, NOW - 1), NOW), false, status);
    }
  });
});

describe("activation deadline", () => {
  const HOUR = 3_600_000;
  const approved = { createdAt: 1_000, decidedAt: 10 * HOUR, durationMs: 2 * HOUR };

  it("is the approval plus the activation timeout", () => {
    assert.equal(activationDeadline(approved, HOUR), 11 * HOUR);
  });

  it("counts from the request when no approval time was recorded", () => {
    assert.equal(activationDeadline({ ...approved, decidedAt: null }, HOUR), 1_000 + HOUR);
  });

  it("gives a grant activated in time its whole duration from activation", () => {
    assert.equal(expiryWhenActivated(approved, HOUR, 10 * HOUR + 5 * 60_000), 12 * HOUR + 5 * 60_000);
    assert.equal(expiryWhenActivated(approved, HOUR, 11 * HOUR), 13 * HOUR);
  });

  it("never ends later than approval + activation timeout + duration, however late it starts", () => {
    assert.equal(expiryWhenActivated(approved, HOUR, 30 * HOUR), 13 * HOUR);
  });
});

describe("approvalLapsed", () => {
  it("is false before the timeout and true from the moment it is reached", () => {
    assert.equal(approvalLapsed(1_000, 500, 1_499), false);
    assert.equal(approvalLapsed(1_000, 500, 1_500), true);
    assert.equal(approvalLapsed(1_000, 500, 9_999), true);
  });
});
