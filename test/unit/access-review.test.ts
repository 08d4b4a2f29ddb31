// The access review's figures, from grants built by hand: access clipped to the period, who
// approved (people apart from automatic and break-glass approvals), the weekly series, approver
// concentration and the right-sizing hints.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accessReview, type GrantActivity, type ReviewInput } from "../../src/domain/access-review.js";
import type { Grant } from "../../src/domain/grant.js";
import { grant } from "../support/grant-fixture.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 9, 1);
const TO = Date.UTC(2027, 0, 1);

function held(id: string, start: number, hours: number, overrides: Partial<Grant> = {}): Grant {
  return grant({
    id,
    status: "revoked",
    createdAt: start - 60_000,
    decidedBy: "U0BOB",
    decidedAt: start - 30_000,
    activatedAt: start,
    expiresAt: start + hours * HOUR,
    endedAt: start + hours * HOUR,
    ...overrides,
  });
}

function review(grants: Grant[], overrides: Partial<ReviewInput> = {}) {
  return accessReview({
    period: { from: FROM, to: TO },
    now: TO + DAY,
    grants,
    approvers: new Map(),
    extensions: new Map(),
    accountName: (id) => (id === "111122223333" ? "prod" : undefined),
    ruleMaxMs: () => 8 * HOUR,
    writeCapable: (set) => set !== "ReadOnlyAccess",
    activity: new Map(),
    ...overrides,
  });
}

describe("accessReview", () => {
  it("counts only the hours inside the period, and the longest grant per person", () => {
    const result = review([
      held("jit-a", FROM - 2 * HOUR, 3), // one hour inside
      held("jit-b", FROM + DAY, 2),
      held("jit-c", TO - HOUR, 5), // one hour inside
      held("jit-d", TO + DAY, 1), // after the period
      grant({ id: "jit-e", status: "denied", createdAt: FROM + DAY, decidedBy: "U0BOB" }),
    ]);
    assert.equal(result.totals.granted, 3);
    assert.equal(result.totals.requests, 3, "b, c and the denied e were requested in the period (a before it, d after)");
    assert.equal(result.totals.denied, 1);
    assert.equal(result.totals.hours, 4);
    const [target] = result.targets;
    assert.equal(target?.accountName, "prod");
    assert.equal(target?.grants, 3);
    assert.equal(target?.longestHours, 2);
    assert.deepEqual(
      target?.people.map((p) => [p.email, p.grants, p.hours]),
      [["alice@example.com", 3, 4]],
    );
  });

  it("ends access still running at the report's time, not at its expiry", () => {
    const now = FROM + 10 * HOUR;
    const result = review([held("jit-a", FROM, 24, { status: "active", endedAt: null })], { now, period: { from: FROM, to: FROM + DAY } });
    assert.equal(result.totals.hours, 10);
  });

  it("names the people who approved, apart from automatic and break-glass approvals, with extensions", () => {
    const result = review(
      [
        held("jit-a", FROM + HOUR, 1),
        held("jit-b", FROM + 2 * HOUR, 1, { decidedBy: "U0DAVE" }),
        held("jit-c", FROM + 3 * HOUR, 1, { decidedBy: "system" }),
        held("jit-d", FROM + 4 * HOUR, 1, { decidedBy: "system", breakGlass: true }),
      ],
      { approvers: new Map([["jit-a", ["U0BOB", "U0CAROL"]]]), extensions: new Map([["jit-b", 2]]) },
    );
    const [target] = result.targets;
    assert.deepEqual(target?.approvers, [
      { id: "U0BOB", count: 1 },
      { id: "U0CAROL", count: 1 },
      { id: "U0DAVE", count: 1 },
    ]);
    assert.equal(target?.automatic, 1);
    assert.equal(target?.breakGlass, 1);
    assert.equal(target?.extensions, 2);
    assert.equal(result.totals.breakGlass, 1);
  });

  it("counts grants per week from the period's start", () => {
    const result = review([held("jit-a", FROM + HOUR, 1), held("jit-b", FROM + 2 * HOUR, 1), held("jit-c", FROM + 8 * DAY, 1)]);
    assert.deepEqual(
      result.weekly.slice(0, 3).map((w) => w.grants),
      [2, 1, 0],
    );
    assert.equal(result.weekly.length, 14, "92 days: 14 weeks, the last one short");
  });

  it("flags one approver deciding most of an account's grants", () => {
    const grants = [0, 1, 2, 3, 4].map((i) => held(`jit-${i}`, FROM + i * HOUR, 1, { decidedBy: i < 4 ? "U0BOB" : "U0DAVE" }));
    const [row] = review(grants).concentration;
    assert.deepEqual(row && [row.approver, row.share, row.approved, row.flagged], ["U0BOB", 0.8, 5, true]);
    const few = review(grants.slice(0, 2)).concentration[0];
    assert.equal(few?.flagged, false, "two grants are too few to call it concentration");
  });

  it("hints at rules used for much less than they allow, and at unused and read-only use", () => {
    const short = [0, 1, 2, 3, 4].map((i) =>
      held(`jit-s${i}`, FROM + i * DAY, 1, { ruleName: "long-rule", permissionSetName: "ReadOnlyAccess" }),
    );
    const admin = (id: string, at: number) => held(id, at, 1, { permissionSetName: "AdministratorAccess", ruleName: "admin" });
    const activity = new Map<string, GrantActivity>([
      ["jit-x", { calls: 0, writeCalls: 0, flagged: 0, reviewed: false, partial: false }],
      ["jit-y", { calls: 40, writeCalls: 0, flagged: 0, reviewed: false, partial: false }],
      ["jit-z", { calls: 9, writeCalls: 3, flagged: 1, reviewed: false, partial: false }],
    ]);
    const result = review([...short, admin("jit-x", FROM + HOUR), admin("jit-y", FROM + 2 * HOUR), admin("jit-z", FROM + 3 * HOUR)], {
      activity,
    });
    assert.deepEqual(
      result.hints.map((hint) => hint.kind),
      ["never-used", "read-only-use", "shorter-rule"],
    );
    const target = result.targets.find((t) => t.permissionSet === "AdministratorAccess");
    assert.deepEqual([target?.unused, target?.flagged, target?.flaggedUnreviewed], [1, 1, 1]);
    assert.equal(result.targets.find((t) => t.permissionSet !== "AdministratorAccess")?.unused, null, "no digest, no claim");
  });

  it("makes no claim of unused or read-only use from a partial digest", () => {
    const admin = (id: string, at: number) => held(id, at, 1, { permissionSetName: "AdministratorAccess", ruleName: "admin" });
    const activity = new Map<string, GrantActivity>([
      ["jit-x", { calls: 0, writeCalls: 0, flagged: 0, reviewed: false, partial: true }],
      ["jit-y", { calls: 40, writeCalls: 0, flagged: 0, reviewed: false, partial: true }],
      ["jit-z", { calls: 9, writeCalls: 3, flagged: 2, reviewed: true, partial: false }],
    ]);
    const result = review([admin("jit-x", FROM + HOUR), admin("jit-y", FROM + 2 * HOUR), admin("jit-z", FROM + 3 * HOUR)], { activity });
    assert.deepEqual(result.hints, []);
    const [target] = result.targets;
    assert.deepEqual([target?.unused, target?.partialDigests, target?.flagged, target?.flaggedUnreviewed], [0, 2, 1, 0]);
  });
});
