// A request for membership of an Identity Center group: the group, the rule offering it, and what
// the group is assigned (shown to the approvers, and kept with the grant).
import { InvalidInput, PolicyDenied, quoted } from "../domain/errors.js";
import { fenceGap, fenceGapCause } from "../domain/fence-capability.js";
import { findGroup, type GroupAccess, type IdentityGroup } from "../domain/group-access.js";
import {
  assertDuration,
  checkJustificationLength,
  checkTicket,
  eligibleGroups,
  groupRuleFor,
  type Person,
  type Rule,
} from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";

export interface ValidGroup {
  readonly group: IdentityGroup;
  readonly access: readonly GroupAccess[];
  readonly rule: Rule;
  readonly ticket: string | null;
}

export interface GroupAsk {
  readonly requesterId: string;
  readonly group: string;
  readonly ticket?: string | null | undefined;
}

export async function validateGroup(
  deps: ServiceDeps,
  ask: GroupAsk,
  requester: Person,
  durationMs: number,
  justification: string,
): Promise<ValidGroup> {
  const group = findGroup(deps.groups, ask.group);
  if (!group) {
    const names = eligibleGroups(deps.policy, requester, deps.groups)
      .map((yours) => yours.group.displayName)
      .slice(0, 20);
    const suggestion = names.length > 0 ? ` Groups you may request: ${names.join(", ")}.` : "";
    throw new InvalidInput(`There is no group ${quoted(ask.group)} in the policy.${suggestion}`, "group");
  }
  const rule = groupRuleFor(deps.policy, requester, group);
  assertDuration(rule, durationMs);
  checkJustificationLength(rule, justification);
  const ticket = checkTicket(rule, ask.ticket);
  const access = await deps.provider.groupAccess(group.groupId);
  if (rule.requireSessionFence) await checkFence(deps, ask.requesterId, rule, group, access);
  return { group, access, rule, ticket };
}

/** A rule with requireSessionFence grants no group through which some role session would outlive the grant. */
async function checkFence(deps: ServiceDeps, requesterId: string, rule: Rule, group: IdentityGroup, access: readonly GroupAccess[]) {
  const gap = access.map((pair) => fenceGap(deps.fenceFacts, pair.accountId, pair.permissionSetName)).find((found) => found !== null);
  if (!gap) return;
  const refused = new PolicyDenied(
    `Rule "${rule.name}" only grants access whose role sessions end with it, and the group ${group.displayName} gives ${gap.permissionSet} on ${gap.accountId}, where they cannot be ended: ${fenceGapCause(deps.fenceFacts, gap)}.`,
    "group",
  );
  await deps.refusals.record({
    actorId: requesterId,
    attempt: "request",
    reason: refused.message,
    context: { group: group.displayName, rule: rule.name, fenceGap: gap.reason },
  });
  throw refused;
}
