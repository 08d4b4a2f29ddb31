// Time-driven work besides expiry: requests nobody decided expire, grants about to end warn their
// requester. Both are compare-and-set, so two runs never act twice. A click on a request past its
// timeout expires it the same way (decide.ts, extend.ts), so the timeout holds between sweeps too.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import type { Extension } from "../domain/extension.js";
import { approvalLapsed, type Grant } from "../domain/grant.js";
import { approvalTimeoutOf, DEFAULT_APPROVAL_TIMEOUT_MS, findRule } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { refreshApprovalMessage, refreshBundle } from "./approval-message.js";
import { loadBundle } from "./request-bundle.js";

const DEFAULT_WARNING_MS = 10 * 60_000;

export async function expireStaleRequests(deps: ServiceDeps): Promise<number> {
  const now = deps.clock.now();
  let expired = 0;
  // Only requests old enough to have timed out under some rule are read, not every pending one.
  const shortestTimeout = Math.min(DEFAULT_APPROVAL_TIMEOUT_MS, ...deps.policy.rules.map((rule) => rule.approvalTimeoutMs));
  const lapsed = (await deps.store.listPendingCreatedBefore(now - shortestTimeout)).filter((grant) => requestLapsed(deps, grant, now));
  const closed = await expireRequests(deps, lapsed, now);
  expired += closed.value.length;
  await closed.announce();
  for (const extension of await deps.extensions.listPending()) {
    const grant = await deps.store.get(extension.grantId);
    if (!extensionLapsed(deps, extension, grant, now)) continue;
    await (await expireExtension(deps, extension, grant, now))?.announce();
  }
  return expired;
}

/** A state change made, and the messages that report it, to be sent once the change is on record. */
export interface Expired<T> {
  readonly value: T;
  announce(): Promise<void>;
}

export function requestLapsed(deps: ServiceDeps, grant: Grant, now: number): boolean {
  return grant.status === "pending" && approvalLapsed(grant.createdAt, approvalTimeoutOf(deps.policy, grant.ruleName), now);
}

/**
 * pending → expired for each request (compare-and-set), audited with who had approved so far; the
 * value holds those that were still pending. The announcement tells each requester once per request:
 * the grants of one multi-target request that expire together make one message listing its targets.
 */
export async function expireRequests(deps: ServiceDeps, grants: readonly Grant[], now: number): Promise<Expired<Grant[]>> {
  const closed: Grant[] = [];
  for (const grant of grants) {
    const expired = await expireOne(deps, grant, now);
    if (expired) closed.push(expired);
  }
  return { value: closed, announce: () => announceClosed(deps, closed) };
}

async function announceClosed(deps: ServiceDeps, closed: readonly Grant[]): Promise<void> {
  const bundles = new Map<string, Grant>();
  for (const grant of closed) {
    if (grant.bundleId === null) await Promise.all([refreshApprovalMessage(deps, grant), deps.notifier.tellRequester(grant)]);
    else if (!bundles.has(grant.bundleId)) bundles.set(grant.bundleId, grant);
  }
  for (const member of bundles.values()) {
    await Promise.all([
      refreshBundle(deps, member),
      loadBundle(deps, member).then((bundle) => deps.notifier.tellRequesterAboutBundle(bundle)),
    ]);
  }
}

async function expireOne(deps: ServiceDeps, grant: Grant, now: number): Promise<Grant | undefined> {
  return deps.store.transition(
    grant.id,
    "pending",
    "expired",
    { endedAt: now },
    {
      action: "request_expired",
      actorId: SYSTEM_ACTOR,
      detail: { approvers: (await deps.store.approversOf(grant.id)).join(" ") || null },
    },
  );
}

/** An extension lapses after its rule's approval timeout, and at once when its grant is no longer active. */
export function extensionLapsed(deps: ServiceDeps, extension: Extension, grant: Grant | undefined, now: number): boolean {
  if (extension.status !== "pending") return false;
  if (grant?.status !== "active") return true;
  return approvalLapsed(extension.createdAt, approvalTimeoutOf(deps.policy, grant.ruleName), now);
}

/** pending → expired for an extension (compare-and-set), audited on its grant; undefined when it was no longer pending. */
export async function expireExtension(
  deps: ServiceDeps,
  extension: Extension,
  grant: Grant | undefined,
  now: number,
): Promise<Expired<Extension> | undefined> {
  const closed = await deps.extensions.close(extension.id, "expired", null, now, { action: "extension_expired", actorId: SYSTEM_ACTOR });
  if (!closed) return undefined;
  return {
    value: closed,
    announce: async () => {
      if (grant) await deps.notifier.extensionDecided(closed, grant, false);
    },
  };
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
