// Grants put straight into a world's store, as the bot would have left them after the Slack flows:
// for tests about many grants at once (expiry bursts, replicas, the audit feed) rather than about
// how one is requested.
import { SYSTEM_ACTOR } from "../../src/domain/audit-event.js";
import type { NewGrant } from "../../src/domain/grant.js";
import type { GrantStore } from "../../src/services/ports.js";
import { people, PROD, type World } from "./world.js";

export interface Requester {
  readonly slackId: string;
  readonly email: string;
}

/** A request for an hour of ReadOnlyAccess on PROD under the world's `engineers` rule. */
export function seededRequest(id: string, requester: Requester, justification: string, createdAt: number): NewGrant {
  return {
    id,
    requesterId: requester.slackId,
    requesterTeamId: "T00000001",
    requesterEmail: requester.email,
    accountId: PROD,
    permissionSetName: "ReadOnlyAccess",
    durationMs: 3_600_000,
    justification,
    ruleName: "engineers",
    createdAt,
  };
}

export interface SeededGrant {
  readonly id: string;
  readonly principalId: string;
}

/** Where a seeded grant gives access; ReadOnlyAccess on PROD unless told. */
export interface SeededTarget {
  readonly accountId: string;
  readonly permissionSetName: "AdministratorAccess" | "ReadOnlyAccess";
}

/**
 * Person `i` (U0USER<i>, in Slack and in Identity Center) with an active grant `id`, approved by bob
 * at `now`, whose assignment exists in the fake AWS and expires at `expiresAt`.
 */
export async function seedActiveGrant(
  world: World,
  store: GrantStore,
  i: number,
  grant: {
    readonly id: string;
    readonly justification: string;
    readonly now: number;
    readonly expiresAt: number;
    readonly on?: SeededTarget;
  },
): Promise<SeededGrant> {
  const requester = { slackId: `U0USER${i}`, email: `user${i}@example.com` };
  world.slack.addUser({ id: requester.slackId, email: requester.email, name: `user${i}` });
  const principalId = world.aws.addUser({ email: requester.email });
  const on = grant.on ?? { accountId: PROD, permissionSetName: "ReadOnlyAccess" };
  world.aws.addAssignment({ accountId: on.accountId, permissionSetArn: world.permissionSets[on.permissionSetName], principalId });
  const { id, now, expiresAt } = grant;
  const request = { ...seededRequest(id, requester, grant.justification, now), ...on };
  await store.insert(request, { action: "requested", actorId: requester.slackId });
  const steps = [
    await store.transition(
      id,
      "pending",
      "approved",
      { decidedBy: people.bob.slackId, decidedAt: now },
      { action: "approved", actorId: people.bob.slackId },
    ),
    await store.transition(id, "approved", "provisioning", { principalId, keepsAssignment: false }, null),
    await store.transition(id, "provisioning", "active", { activatedAt: now, expiresAt }, { action: "provisioned", actorId: SYSTEM_ACTOR }),
  ];
  if (steps.some((step) => step === undefined)) throw new Error(`seeding ${id} found it in another state`);
  return { id, principalId };
}
