// Active grants written straight into the database, for the revocation benchmark.
import { people, PROD } from "../../test/support/world.js";
import { seedGrantId, type HistoryWriter } from "./seed.js";
import type { Requester } from "./world.js";

const HOUR = 3_600_000;

export interface SeededGrant {
  readonly id: string;
  readonly principalId: string;
  readonly expiresAt: number;
}

/** Requested an hour before it expires, approved by Bob, active on the requester's own assignment. */
export function writeActive(writer: HistoryWriter, n: number, requester: Requester, expiresAt: number): SeededGrant {
  const id = seedGrantId(n);
  const activatedAt = expiresAt - HOUR;
  writer.request(activatedAt - 60_000, {
    id,
    requesterId: requester.slackId,
    requesterTeamId: "T00000001",
    requesterEmail: requester.email,
    accountId: PROD,
    permissionSetName: "ReadOnlyAccess",
    durationMs: HOUR,
    justification: "INC-3 revocation lag benchmark",
    ruleName: "engineers",
  });
  const decidedAt = activatedAt - 2_000;
  writer.move(decidedAt, id, "pending", "approved", { decidedBy: people.bob.slackId, decidedAt }, "approved", people.bob.slackId);
  writer.move(activatedAt - 1_000, id, "approved", "provisioning", { principalId: requester.principalId, keepsAssignment: false }, null);
  writer.move(activatedAt, id, "provisioning", "active", { activatedAt, expiresAt }, "provisioned");
  return { id, principalId: requester.principalId, expiresAt };
}
