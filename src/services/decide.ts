// An approver approves or denies a pending request; approval goes straight on to provisioning.
import { Conflict, NotFound, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { assertMayDecide, findRule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { provisionGrant } from "./provision.js";

export type Decision = "approve" | "deny";

export interface DecisionInput {
  readonly grantId: string;
  readonly deciderId: string;
  readonly decision: Decision;
}

/**
 * Records exactly one decision per request: the compare-and-set on "pending" makes double clicks,
 * retries and simultaneous Approve/Deny lose with a Conflict instead of deciding twice.
 */
export async function decide(deps: ServiceDeps, input: DecisionInput): Promise<Grant> {
  const grant = await deps.store.get(input.grantId);
  if (!grant) throw new NotFound(`There is no request ${input.grantId}.`);
  if (grant.status !== "pending") throw alreadyDecided(grant);

  const rule = findRule(deps.policy, grant.ruleName);
  if (!rule) {
    throw new PolicyDenied(`The rule "${grant.ruleName}" this request was made under is no longer in the policy.`);
  }
  const email = await deps.directory.emailOf(input.deciderId);
  assertMayDecide(rule, { slackId: input.deciderId, email }, grant.requesterId);

  const approved = input.decision === "approve";
  const decided = await deps.store.transition(
    grant.id,
    "pending",
    approved ? "approved" : "denied",
    { decidedBy: input.deciderId, decidedAt: deps.clock.now(), ...(approved ? {} : { endedAt: deps.clock.now() }) },
    { action: approved ? "approved" : "denied", actorId: input.deciderId, actorEmail: email, detail: { deciderEmail: email } },
  );
  if (!decided) {
    const current = await deps.store.get(grant.id);
    throw current ? alreadyDecided(current) : new NotFound(`There is no request ${input.grantId}.`);
  }

  await deps.notifier.updateApprovalRequest(decided);
  if (!approved) {
    await deps.notifier.tellRequester(decided);
    return decided;
  }
  return (await provisionGrant(deps, decided.id)) ?? decided;
}

function alreadyDecided(grant: Grant): Conflict {
  const outcome = grant.status === "denied" ? "denied" : grant.decidedBy ? "approved" : grant.status;
  return new Conflict(`Request ${grant.id} has already been ${outcome}; nothing was changed.`);
}
