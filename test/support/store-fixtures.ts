// What the store tests (both engines) build their grants from: a settable clock and a pending grant.
import type { AuditNote } from "../../src/domain/audit-event.js";
import type { Grant, NewGrant } from "../../src/domain/grant.js";

export const T0 = 1_700_000_000_000;
export const HOUR = 3_600_000;
export const PROD = "111122223333";

export class FakeClock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** A request by alice for AdministratorAccess on PROD for an hour, made at T0. */
export function newGrant(id: string, overrides: Partial<NewGrant> = {}): NewGrant {
  return {
    id,
    requesterId: "U0ALICE",
    requesterTeamId: "T0TEAM",
    requesterEmail: "alice@example.com",
    accountId: PROD,
    permissionSetName: "AdministratorAccess",
    durationMs: HOUR,
    justification: "incident 42",
    ruleName: "prod-admin",
    createdAt: T0,
    ...overrides,
  };
}

/** A new grant as a store returns it once inserted: pending, nothing decided or given yet. */
export function storedGrant(grant: NewGrant): Grant {
  return {
    ticket: null,
    breakGlass: false,
    ...grant,
    status: "pending",
    updatedAt: grant.createdAt,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    reviewedBy: null,
    reviewedAt: null,
    approvalChannel: null,
    approvalTs: null,
    principalId: null,
    keepsAssignment: false,
    activatedAt: null,
    expiresAt: null,
    warnedAt: null,
    endedAt: null,
    failureReason: null,
  };
}

export const requested: AuditNote = { action: "requested", actorId: "U0ALICE" };
