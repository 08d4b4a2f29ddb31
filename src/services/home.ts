// What one person's Home tab shows: their own open grants, what waits for their decision, what they
// had recently (to ask for again), and, for admins, break-glass access awaiting review. Read only;
// every button on it goes to the handlers the approval messages and the expiry warning use.
import { OPEN_STATUSES, type Grant, type GrantStatus } from "../domain/grant.js";
import { deciderProblem, findRule, isAdmin, type Person } from "../domain/policy.js";
import { approverGroupKey } from "../domain/request-bundle.js";
import type { ServiceDeps } from "./deps.js";

/** The most of each kind the Home tab reads from the store; it shows fewer and says how many more. */
export const HOME_READ_AT_MOST = 1_000;

/** Ended grants, for "Request again": newest first, one per target. */
const ENDED_STATUSES: readonly GrantStatus[] = ["revoked", "expired", "denied", "cancelled", "failed"];

/**
 * Requests one approver decides with one click: a single grant, or the grants of a multi-target
 * request whose rules name the same approvers (one part of the bundle: the click decides all of
 * them, so the Home tab shows them as one entry).
 */
export interface WaitingDecision {
  /** The grant the buttons carry (the first of the part, as on the approval message). */
  readonly pointer: Grant;
  readonly grants: readonly Grant[];
}

export interface HomeContents {
  readonly viewer: Person;
  readonly admin: boolean;
  readonly now: number;
  /** The viewer's grants that have not ended, newest first. */
  readonly open: readonly Grant[];
  readonly waiting: readonly WaitingDecision[];
  readonly recent: readonly Grant[];
  /** Break-glass grants nobody has acknowledged (admins only; empty for anyone else). */
  readonly reviews: readonly Grant[];
}

export async function homeContents(deps: ServiceDeps, viewerId: string): Promise<HomeContents> {
  const viewer = await deps.directory.person(viewerId);
  const admin = isAdmin(deps.policy, viewer);
  const [open, ended, waiting, reviews] = await Promise.all([
    deps.store.listForRequester(viewerId, OPEN_STATUSES, HOME_READ_AT_MOST),
    deps.store.listForRequester(viewerId, ENDED_STATUSES, HOME_READ_AT_MOST),
    waitingFor(deps, viewer),
    // Checked here rather than through unreviewedBreakGlass, which audits a non-admin's asking as a refusal.
    admin ? deps.store.listUnreviewed(HOME_READ_AT_MOST) : Promise.resolve([]),
  ]);
  return { viewer, admin, now: deps.clock.now(), open, waiting, recent: latestPerTarget(ended), reviews };
}

/** Pending requests `viewer` may decide and has not yet approved, grouped as one click decides them. */
async function waitingFor(deps: ServiceDeps, viewer: Person): Promise<WaitingDecision[]> {
  const pending = await deps.store.listByStatus(["pending"]);
  const groups = new Map<string, Grant[]>();
  for (const grant of pending.sort((a, b) => a.createdAt - b.createdAt)) {
    const rule = findRule(deps.policy, grant.ruleName);
    if (!rule || deciderProblem(rule, viewer, grant.requesterId) !== undefined) continue;
    const key = grant.bundleId ? `${grant.bundleId}\u0000${approverGroupKey(rule)}` : grant.id;
    groups.set(key, [...(groups.get(key) ?? []), grant]);
  }
  const decisions: WaitingDecision[] = [];
  for (const grants of groups.values()) {
    const pointer = grants[0];
    if (!pointer) continue;
    // An approver counted towards a quorum has nothing more to click.
    if ((await deps.store.approversOf(pointer.id)).includes(viewer.slackId)) continue;
    decisions.push({ pointer, grants });
    if (decisions.length >= HOME_READ_AT_MOST) break;
  }
  return decisions;
}

function latestPerTarget(grants: readonly Grant[]): Grant[] {
  const seen = new Set<string>();
  return grants.filter((grant) => {
    const key = `${grant.accountId}\u0000${grant.permissionSetName}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
