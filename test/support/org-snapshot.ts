// A small organization for policy tests: nested OUs, tags, accounts in every state, two accounts named alike.
import type { OrgAccount, OrgSnapshot } from "../../src/domain/organization.js";

export const ROOT = "r-ab12";
export const WORKLOADS = "ou-ab12-workload";
export const PROD_OU = "ou-ab12-prod0001";
export const PROD_EU_OU = "ou-ab12-prodeu01";
export const STAGING_OU = "ou-ab12-stag0001";
export const SANDBOX_OU = "ou-ab12-sandbox1";

export const PAYMENTS_PROD = "111111111111";
export const SEARCH_PROD = "222222222222";
export const OLD_PROD = "333333333333";
export const PAYMENTS_STAGING = "444444444444";
export const SANDBOX_A = "555555555555";
export const SANDBOX_B = "666666666666";
export const CLOSING = "777777777777";
export const MANAGEMENT = "999999999999";

const account = (id: string, name: string, parentId: string, tags: Record<string, string> = {}, state: OrgAccount["state"] = "ACTIVE") => ({
  id,
  name,
  state,
  parentId,
  tags,
});

export const ORG: OrgSnapshot = {
  readAt: Date.UTC(2027, 0, 4, 9, 0, 0),
  rootId: ROOT,
  units: [
    { id: ROOT, name: "Root", path: "/Root", parentId: null },
    { id: WORKLOADS, name: "Workloads", path: "/Root/Workloads", parentId: ROOT },
    { id: PROD_OU, name: "Prod", path: "/Root/Workloads/Prod", parentId: WORKLOADS },
    { id: PROD_EU_OU, name: "EU", path: "/Root/Workloads/Prod/EU", parentId: PROD_OU },
    { id: STAGING_OU, name: "Staging", path: "/Root/Workloads/Staging", parentId: WORKLOADS },
    { id: SANDBOX_OU, name: "Sandbox", path: "/Root/Sandbox", parentId: ROOT },
  ],
  accounts: [
    account(MANAGEMENT, "management", ROOT),
    account(PAYMENTS_PROD, "payments-prod", PROD_OU, { env: "prod", team: "payments" }),
    account(SEARCH_PROD, "search-prod", PROD_EU_OU, { env: "prod" }),
    account(OLD_PROD, "old-prod", PROD_OU, { env: "prod" }, "SUSPENDED"),
    account(CLOSING, "closing", PROD_OU, { env: "prod" }, "PENDING_CLOSURE"),
    account(PAYMENTS_STAGING, "payments-staging", STAGING_OU, { env: "staging", team: "payments" }),
    account(SANDBOX_A, "sandbox", SANDBOX_OU, { env: "Prod", owner: "" }),
    account(SANDBOX_B, "sandbox", SANDBOX_OU),
  ],
};
