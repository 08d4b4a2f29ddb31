// The organization reader's pure parts: an account's state from State or the older Status, and OU paths.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { accountState, unitPath } from "../../src/aws/organization-reader.js";

describe("accountState", () => {
  it("takes State when AWS sends it", () => {
    assert.equal(accountState("CLOSED", "SUSPENDED"), "CLOSED");
    assert.equal(accountState("PENDING_ACTIVATION", undefined), "PENDING_ACTIVATION");
    assert.equal(accountState("ACTIVE", "ACTIVE"), "ACTIVE");
  });

  it("falls back to the older Status when State is missing", () => {
    assert.equal(accountState(undefined, "PENDING_CLOSURE"), "PENDING_CLOSURE");
    assert.equal(accountState(undefined, "ACTIVE"), "ACTIVE");
  });

  it("never calls an account it cannot place ACTIVE", () => {
    assert.equal(accountState(undefined, undefined), "SUSPENDED");
    assert.equal(accountState("SOMETHING_NEW", undefined), "SUSPENDED");
    assert.equal(accountState("SOMETHING_NEW", "ACTIVE"), "SUSPENDED");
  });
});

describe("unitPath", () => {
  it("starts at the root's own name and adds each OU's name", () => {
    const root = unitPath(null, "Root");
    assert.equal(root, "/Root");
    assert.equal(unitPath(unitPath(root, "Workloads"), "Prod"), "/Root/Workloads/Prod");
  });
});
