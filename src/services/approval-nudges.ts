// Approvals that never stall: a pending request nobody decided within its rule's escalateAfter is
// posted once to the escalation's approvers, and its approvers are reminded in the message's thread
// every remindEvery until it is decided or expires. Each is a compare-and-set on the request
// (ApprovalNudges), made before any message, so two replicas or a restart never repeat one. A part
// of a multi-target request is escalated and reminded once, through its first grant.
import { anyRuleNudges, escalationDue, reminderDue, type NudgeState } from "../domain/approval-nudges.js";
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { formatDuration } from "../domain/duration.js";
import type { Grant } from "../domain/grant.js";
import type { PrincipalRef } from "../domain/people.js";
import { findRule, type Escalation, type Rule } from "../domain/policy.js";
import type { RequestBundle } from "../domain/request-bundle.js";
import { refreshApprovalMessage } from "./approval-message.js";
import type { ServiceDeps } from "./deps.js";
import { requestLapsed } from "./housekeeping.js";
import { loadBundle } from "./request-bundle.js";

/** A request waiting for approvers, as escalation and reminders see it. */
interface Waiting {
  /** The request, or the first grant of a multi-target request's part: what its state is kept by. */
  readonly anchor: Grant;
  /** The pending grants it stands for, the anchor first. */
  readonly grantIds: readonly string[];
  readonly rule: Rule;
  readonly bundle?: RequestBundle;
}

export interface Nudged {
  readonly escalated: number;
  readonly reminded: number;
}

export async function nudgePending(deps: ServiceDeps): Promise<Nudged> {
  const done = { escalated: 0, reminded: 0 };
  if (!anyRuleNudges(deps.policy.rules)) return done;
  const now = deps.clock.now();
  for (const waiting of await waitingRequests(deps)) {
    // One past its approval timeout is the expiry's, in the same sweep.
    if (requestLapsed(deps, waiting.anchor, now)) continue;
    const state = await deps.nudges.of(waiting.anchor.id);
    if (escalationDue(waiting.rule, waiting.anchor.createdAt, state, now)) {
      // The escalation pings people already: a reminder due too waits for the next sweep.
      if (await escalate(deps, waiting, now)) done.escalated += 1;
    } else if (reminderDue(waiting.rule, waiting.anchor.createdAt, state, now)) {
      if (await remind(deps, waiting, state, now)) done.reminded += 1;
    }
  }
  return done;
}

function nudges(rule: Rule | undefined): rule is Rule {
  return rule !== undefined && anyRuleNudges([rule]);
}

/** Pending requests whose message is out and whose rule escalates or reminds; a multi-target request once per part. */
async function waitingRequests(deps: ServiceDeps): Promise<Waiting[]> {
  const waiting: Waiting[] = [];
  const bundles = new Set<string>();
  for (const grant of await deps.store.listByStatus(["pending"])) {
    if (!grant.bundleId) {
      const rule = findRule(deps.policy, grant.ruleName);
      if (nudges(rule) && grant.approvalTs) waiting.push({ anchor: grant, grantIds: [grant.id], rule });
      continue;
    }
    if (bundles.has(grant.bundleId)) continue;
    bundles.add(grant.bundleId);
    const bundle = await loadBundle(deps, grant);
    for (const part of bundle.parts) {
      const [anchor] = part.grants;
      const [rule] = part.rules;
      if (anchor?.status !== "pending" || !anchor.approvalTs || !nudges(rule)) continue;
      const grantIds = part.grants.filter((member) => member.status === "pending").map((member) => member.id);
      waiting.push({ anchor, grantIds, rule, bundle });
    }
  }
  return waiting;
}

/** How the audit record names a reference from the policy. */
function refName(ref: PrincipalRef): string {
  return ref.kind === "email" ? ref.email : ref.kind === "usergroup" ? `usergroup:${ref.id}` : ref.id;
}

function escalationNote(escalation: Escalation) {
  return {
    action: "escalated" as const,
    actorId: SYSTEM_ACTOR,
    detail: {
      escalatedTo: escalation.approvers.map(refName).join(" "),
      channel: escalation.channel,
      after: formatDuration(escalation.afterMs),
    },
  };
}

/** Records the escalation (once), then posts it, marks the approval message and tells the requester. */
async function escalate(deps: ServiceDeps, waiting: Waiting, now: number): Promise<boolean> {
  const { escalation } = waiting.rule;
  if (!escalation) return false;
  if (!(await deps.nudges.escalate(waiting.grantIds, now, escalationNote(escalation)))) return false;
  // Read again: the messages show the escalation, and whatever was decided meanwhile.
  const bundle = waiting.bundle ? await loadBundle(deps, waiting.anchor) : undefined;
  await deps.notifier.postEscalation(waiting.anchor, waiting.rule, bundle);
  await refreshApprovalMessage(deps, (await deps.store.get(waiting.anchor.id)) ?? waiting.anchor);
  await deps.notifier.tellRequesterEscalated(waiting.anchor, waiting.rule);
  deps.logger.info({ grantId: waiting.anchor.id, grants: waiting.grantIds.length }, "request escalated");
  return true;
}

async function remind(deps: ServiceDeps, waiting: Waiting, state: NudgeState, now: number): Promise<boolean> {
  if (!(await deps.nudges.remind(waiting.anchor.id, state.remindedAt, now))) return false;
  await deps.notifier.remindApprovers(waiting.anchor, waiting.rule, state.escalatedAt !== null);
  return true;
}
