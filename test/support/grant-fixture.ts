// One grant as a view receives it, active for an hour on 111122223333 from T0, for view tests.
import type { Grant } from "../../src/domain/grant.js";

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/** Alice's active hour of AdministratorAccess, approved by U0BOSS at T0; `overrides` change any field. */
export function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: "jit-abcdefgh",
    requesterId: "U0ALICE",
    requesterTeamId: "T0TEAM",
    requesterEmail: "alice@example.com",
    bundleId: null,
    accountId: "111122223333",
    permissionSetName: "AdministratorAccess",
    groupId: null,
    groupName: null,
    groupAccess: [],
    durationMs: HOUR,
    justification: "incident 42",
    ticket: null,
    ruleName: "prod-admin",
    status: "active",
    createdAt: T0,
    updatedAt: T0,
    decidedBy: "U0BOSS",
    decidedAt: T0,
    decisionReason: null,
    breakGlass: false,
    reviewedBy: null,
    reviewedAt: null,
    approvalChannel: null,
    approvalTs: null,
    principalId: null,
    keepsAssignment: false,
    activatedAt: T0,
    expiresAt: T0 + HOUR,
    warnedAt: null,
    endedAt: null,
    failureReason: null,
    ...overrides,
  };
}
