// Active grants written straight into the database, for the revocation benchmark.
import { people, PROD } from "../../test/support/world.js";
import { seedDatabase, seedGrantId, type HistoryWriter } from "./seed.js";
import type { BenchWorld, Requester } from "./world.js";

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

/**
 * Gives each requester of `bench` their own ReadOnlyAccess assignment on PROD and an active grant on
 * it in the database, the grants expiring over one second from `leadMs` from now.
 */
export async function seedExpiringBurst(bench: BenchWorld, leadMs: number): Promise<SeededGrant[]> {
  const { aws, permissionSets, databaseFile } = bench.world;
  for (const r of bench.requesters)
    aws.addAssignment({ accountId: PROD, permissionSetArn: permissionSets.ReadOnlyAccess, principalId: r.principalId });
  const firstExpiry = Date.now() + leadMs;
  const count = bench.requesters.length;
  const seeded: SeededGrant[] = [];
  await seedDatabase(databaseFile, (writer) => {
    bench.requesters.forEach((r, i) => seeded.push(writeActive(writer, i, r, firstExpiry + Math.floor((i * 1000) / count))));
  });
  return seeded;
}
