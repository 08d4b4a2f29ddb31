// The incident switch: an admin ends every active grant at once, or those on one account or of one
// permission set. Every grant is first marked revoking, each in a compare-and-set of its own, so all
// are shown ending at once and a crash leaves them to the sweep; then each goes through the one
// revocation path (finishRevocation), as many at once as the sweep runs, never all together.
import type { AuditDetail } from "../domain/audit-event.js";
import { sleep } from "../domain/clock.js";
import { InvalidInput, PolicyDenied } from "../domain/errors.js";
import type { Grant } from "../domain/grant.js";
import { inScope, resolveScope, scopeKey, type IncidentScope, type ScopeAsk } from "../domain/incident-scope.js";
import { plainText, visibleLength } from "../domain/justification.js";
import { isAdmin } from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import type { GrantStore } from "./ports.js";
import { finishRevocation } from "./revoke.js";

export const MAX_SWITCH_REASON_LENGTH = 500;
/** How often to look whether this process's sweep has finished the grants it took before the switch could. */
const CLAIM_POLL_MS = 100;

/** What the switch would end now, for the admin to confirm. */
export interface SwitchPreview {
  readonly scope: IncidentScope;
  /** The active grants it would end. */
  readonly active: readonly Grant[];
  /** Grants in scope already being revoked: they end anyway. */
  readonly ending: readonly Grant[];
}

export interface SwitchInput {
  readonly actorId: string;
  readonly scope: ScopeAsk;
  /** Why, in the admin's words: recorded with the switch and with every grant it ends. */
  readonly reason: string;
  /** Recorded beside each record too (the admin CLI's OS user and host). */
  readonly context?: AuditDetail;
}

export interface SwitchResult {
  readonly scope: IncidentScope;
  /** Moved from active to revoking by this switch. */
  readonly started: readonly Grant[];
  /** In scope and already being revoked, or moved there by another process first. */
  readonly alreadyEnding: readonly Grant[];
  /** How many of all these are revoked now; the rest stay revoking and the sweep retries them. */
  readonly revoked: number;
  readonly stillRevoking: readonly Grant[];
}

/** The switch once every grant is marked: the removals in AWS follow. */
export type SwitchFollowUp = () => Promise<SwitchResult>;

/** What `actorId` would end: refused (and audited) unless they are a policy admin. */
export async function previewRevokeAll(deps: ServiceDeps, actorId: string, ask: ScopeAsk): Promise<SwitchPreview> {
  await assertAdmin(deps, actorId);
  return switchPreview(deps.store, resolveScope(deps.policy, ask));
}

/** What the switch would end now in `scope`, without asking who wants to know (the admin CLI). */
export async function switchPreview(store: Pick<GrantStore, "listByStatus">, scope: IncidentScope): Promise<SwitchPreview> {
  const grants = (await store.listByStatus(["active", "revoking"])).filter((grant) => inScope(scope, grant));
  return {
    scope,
    active: grants.filter((grant) => grant.status === "active"),
    ending: grants.filter((grant) => grant.status === "revoking"),
  };
}

/**
 * From Slack: the person is looked up again and must be a policy admin (a view submission's
 * claims are not trusted), the scope is resolved again, and every grant is marked; the follow-up
 * removes them.
 */
export async function revokeAll(deps: ServiceDeps, input: SwitchInput): Promise<SwitchFollowUp> {
  await assertAdmin(deps, input.actorId);
  return markAll(deps, input);
}

/** The switch without asking who may (the caller has: the admin CLI's operator). */
export async function stopAll(deps: ServiceDeps, input: SwitchInput): Promise<SwitchResult> {
  return (await markAll(deps, input))();
}

async function assertAdmin(deps: ServiceDeps, actorId: string): Promise<void> {
  await deps.refusals.check({ actorId, attempt: "revoke-all" }, async () => {
    if (!isAdmin(deps.policy, await deps.directory.person(actorId))) {
      throw new PolicyDenied("Only a jit-slack admin can end every grant at once.");
    }
  });
}

export function switchReason(text: string): string {
  const reason = plainText(text);
  if (visibleLength(reason) === 0) throw new InvalidInput("Give a reason: it is recorded with every grant this ends.");
  if (reason.length > MAX_SWITCH_REASON_LENGTH) {
    throw new InvalidInput(`The reason is ${reason.length} characters long; keep it under ${MAX_SWITCH_REASON_LENGTH}.`);
  }
  return reason;
}

async function markAll(deps: ServiceDeps, input: SwitchInput): Promise<SwitchFollowUp> {
  const reason = switchReason(input.reason);
  const scope = resolveScope(deps.policy, input.scope);
  const key = scopeKey(scope);
  const { actorId } = input;
  const { active, ending } = await switchPreview(deps.store, scope);
  const detail = { reason: "admin", scope: key, adminReason: reason, ...input.context };
  // Database writes only, one transaction each; SQLite commits those of one turn together.
  const moved = await Promise.all(
    active.map((grant) => deps.store.transition(grant.id, "active", "revoking", {}, { action: "revocation_started", actorId, detail })),
  );
  const started = moved.filter((grant): grant is Grant => grant !== undefined);
  // An active grant another process moved first (its expiry, its requester) is ending all the same.
  const alreadyEnding = [...ending, ...active.filter((_, i) => moved[i] === undefined)];
  if (started.length > 0) {
    await deps.store.noteUnattached(
      { accountId: scope.account?.id ?? "", permissionSet: scope.permissionSet ?? "" },
      {
        action: "revoke_all",
        actorId,
        detail: { scope: key, grants: started.length, alreadyEnding: alreadyEnding.length, reason, ...input.context },
      },
    );
  }
  deps.logger.warn({ actorId, scope: key, started: started.length, alreadyEnding: alreadyEnding.length }, "incident switch: ending grants");
  return async () => {
    const ids = [...started, ...alreadyEnding].map((grant) => grant.id);
    await inTurns(deps, ids);
    const now = await Promise.all(ids.map((id) => deps.store.get(id)));
    const stillRevoking = now.filter((grant): grant is Grant => grant?.status === "revoking");
    return { scope, started, alreadyEnding, revoked: now.filter((grant) => grant?.status === "revoked").length, stillRevoking };
  };
}

/**
 * Finishes each revocation, `revocationsAtOnce` at a time: each waits on AWS calls that the rate
 * limiter starts ahead of all but follow-ups of work AWS already accepted (aws/limiter.ts). A grant
 * this process cannot claim is being finished elsewhere (its sweep, another replica); one that
 * fails is left revoking, audited, for the sweep to retry.
 */
async function inTurns(deps: ServiceDeps, ids: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
      try {
        await finishRevocation(deps, await deps.store.get(id));
      } catch (error) {
        deps.logger.error({ grantId: id, err: String(error) }, "incident switch: revocation left to the sweep");
      }
    }
  };
  const width = Math.min(ids.length, Math.max(1, deps.settings.revocationsAtOnce()));
  await Promise.all(Array.from({ length: width }, worker));
  // The sweep in this process may have taken some first: the admin hears once those are done too.
  while (ids.some((id) => deps.work.isClaimed(id))) await sleep(CLAIM_POLL_MS);
}
