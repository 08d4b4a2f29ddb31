// Why a target a grant holds is no longer requestable after the organization is read again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicySource } from "../../src/config/policy-file.js";
import { leftPolicyCheck } from "../../src/domain/left-policy.js";
import { CLOSING, OLD_PROD, ORG, PAYMENTS_PROD, PAYMENTS_STAGING, SEARCH_PROD } from "../support/org-snapshot.js";

const POLICY = JSON.stringify({
  organization: { accounts: "aws", exclude: ["search-prod"] },
  permissionSets: ["ReadOnlyAccess", "AdministratorAccess"],
  rules: [
    {
      name: "prod",
      accounts: ["ou:/Root/Workloads/Prod"],
      permissionSets: ["ReadOnlyAccess"],
      requesters: ["U0ALICE"],
      approvers: ["U0BOB"],
      approverChannel: "C0APPROVALS",
      maxDuration: "1h",
    },
  ],
});

describe("leftPolicyCheck", () => {
  const check = leftPolicyCheck(parsePolicySource(POLICY, "test").resolve(ORG), ORG);

  it("finds nothing wrong with a target a rule still covers", () => {
    assert.equal(check(PAYMENTS_PROD, "ReadOnlyAccess"), null);
  });

  it("says no rule covers it, and where the account is now, for an account outside the rule's OU", () => {
    assert.deepEqual(check(PAYMENTS_STAGING, "ReadOnlyAccess"), { reason: "no-rule", state: "ACTIVE", ou: "/Root/Workloads/Staging" });
  });

  it("says no rule covers a permission set the covering rule does not give", () => {
    assert.equal(check(PAYMENTS_PROD, "AdministratorAccess")?.reason, "no-rule");
  });

  it("names the state of an account that is not active", () => {
    assert.deepEqual(check(OLD_PROD, "ReadOnlyAccess"), { reason: "not-active", state: "SUSPENDED", ou: "/Root/Workloads/Prod" });
    assert.equal(check(CLOSING, "ReadOnlyAccess")?.state, "PENDING_CLOSURE");
  });

  it("tells an excluded account from one gone from the organization", () => {
    assert.equal(check(SEARCH_PROD, "ReadOnlyAccess")?.reason, "not-offered");
    assert.deepEqual(check("123412341234", "ReadOnlyAccess"), { reason: "gone", state: null, ou: null });
  });
});
