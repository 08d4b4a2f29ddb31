// Time-driven work besides expiry: requests nobody decided expire, grants about to end warn their
// requester. Both are compare-and-set, so two runs never act twice.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { findRule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { refreshApprovalMessage } from "./approval-message.js";

const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;
const DEFAULT_WARNING_MS = 10 * 60_000;

export async function expireStaleRequests(deps: ServiceDeps): Promise<number> {
  const now = deps.clock.now();
  let expired = 0;
  // Only requests old enough to have timed out under some rule are read, not every pending one.
  const shortestTimeout = Math.min(DEFAULT_APPROVAL_TIMEOUT_MS, ...deps.policy.rules.map((rule) => rule.approvalTimeoutMs));
  for (const grant of await deps.store.listPendingCreatedBefore(now - shortestTimeout)) {
    const timeout = findRule(deps.policy, grant.ruleName)?.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    if (grant.createdAt + timeout > now) continue;
    const closed = await deps.store.transition(grant.id, "pending", "expired", { endedAt: now }, {
      action: "request_expired",
      actorId: SYSTEM_ACTOR,
      detail: { approvers: (await deps.store.approversOf(grant.id)).join(" ") || null },
    });
    if (!closed) continue;
    expired += 1;
    await Promise.all([refreshApprovalMessage(deps, closed), deps.notifier.tellRequester(closed)]);
  }
  for (const extension of await deps.extensions.listPending()) {
    const grant = await deps.store.get(extension.grantId);
    const timeout = (grant && findRule(deps.policy, grant.ruleName)?.approvalTimeoutMs) ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    // An extension also lapses when its grant has ended.
    if (extension.createdAt + timeout > now && grant?.status === "active") continue;
    const closed = await deps.extensions.close(extension.id, "expired", null, now, { action: "extension_expired", actorId: SYSTEM_ACTOR });
    if (closed && grant) await deps.notifier.extensionDecided(closed, grant, false);
  }
  return expired;
}

export async function warnExpiring(deps: ServiceDeps): Promise<number> {
  const now = deps.clock.now();
  let warned = 0;
  // Only grants ending within the longest warning lead are read, not every active one.
  const longestLead = Math.max(DEFAULT_WARNING_MS, ...deps.policy.rules.map((rule) => rule.warnBeforeExpiryMs));
  for (const grant of await deps.store.listExpired(now + longestLead)) {
    if (grant.warnedAt !== null || grant.expiresAt === null || grant.expiresAt <= now) continue;
    const lead = findRule(deps.policy, grant.ruleName)?.warnBeforeExpiryMs ?? DEFAULT_WARNING_MS;
    if (grant.expiresAt - now > lead) continue;
    const first = await deps.store.markWarned(grant.id, { action: "expiry_warning", actorId: SYSTEM_ACTOR });
    if (!first) continue;
    warned += 1;
    await deps.notifier.warnRequester(grant);
  }
  return warned;
}
