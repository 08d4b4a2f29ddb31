// A person asks for access: validate, apply policy, record, and either put it in front of the
// approvers or, when the rule approves by itself (auto-approval, break-glass), grant it at once.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { parseDuration } from "../domain/duration.js";
import { InvalidInput, PolicyDenied, quoted } from "../domain/errors.js";
import { fenceGap, fenceGapCause } from "../domain/fence-capability.js";
import type { AuditNote } from "../domain/audit-event.js";
import type { Grant, NewGrant } from "../domain/grant.js";
import { newBundleId, newGrantId } from "../domain/ids.js";
import { maxTargets, requestedPairs, splitList, type TargetRef } from "../domain/request-bundle.js";
import { eligibleAccounts, eligiblePermissionSets } from "../domain/eligibility-index.js";
import { normalizeJustification } from "../domain/justification.js";
import {
  approvalPath,
  assertDuration,
  checkJustificationLength,
  checkTicket,
  findAccount,
  findPermissionSet,
  findRule,
  ruleFor,
  type Account,
  type Approval,
  type Person,
  type Rule,
} from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import type { GroupAccess, IdentityGroup } from "../domain/group-access.js";
import { validateGroup } from "./group-request.js";
import { refreshBundle } from "./approval-message.js";
import { provisionGrant } from "./provision.js";
import { loadBundle } from "./request-bundle.js";

export interface AccessRequestInput {
  readonly requesterId: string;
  readonly teamId: string;
  /**
   * The accounts and permission sets asked for: every account with every permission set. A name the
   * policy does not know as a whole is read as a comma-separated list ("prod,staging").
   */
  readonly accounts: readonly string[];
  readonly permissionSets: readonly string[];
  readonly duration: string;
  readonly justification: string;
  readonly ticket?: string | null;
  /** Set for a request of group membership (a group's DisplayName or GroupId); accounts and permission sets are then ignored. */
  readonly group?: string;
}

/**
 * Records a request and starts it on its way: one grant per (account, permission set) pair. Throws
 * InvalidInput or PolicyDenied, with nothing stored, when any pair cannot be requested. If the
 * approvers cannot be reached the grants are stored as failed (and audited) and returned so.
 */
export async function requestAccess(deps: ServiceDeps, input: AccessRequestInput): Promise<Grant[]> {
  return submitRequest(deps, await validateRequest(deps, input));
}

/** One pair of a request, resolved against the policy, with the rule it is requested under. */
export interface ValidTarget {
  /** For a group target, an account with empty id and name, and an empty permission set. */
  readonly account: Account;
  readonly permissionSet: string;
  readonly rule: Rule;
  readonly group?: { readonly group: IdentityGroup; readonly access: readonly GroupAccess[] };
}

const NO_ACCOUNT: Account = Object.freeze({ id: "", name: "" });

export interface ValidRequest {
  readonly input: AccessRequestInput;
  readonly requester: Person;
  readonly targets: readonly ValidTarget[];
  readonly durationMs: number;
  readonly justification: string;
  readonly ticket: string | null;
}

/** Everything that can refuse a request, with nothing stored: a form can show the errors at once. */
export async function validateRequest(deps: ServiceDeps, input: AccessRequestInput): Promise<ValidRequest> {
  if (input.group !== undefined) return validateGroupRequest(deps, { ...input, group: input.group });
  const { policy } = deps;
  const pairs = requestedPairs(
    expandNames(input.accounts, (ref) => findAccount(policy, ref)),
    expandNames(input.permissionSets, (ref) => findPermissionSet(policy, ref)),
  );
  if (pairs.length === 0) throw new InvalidInput("Name at least one account and one permission set.", "account");
  const most = maxTargets(policy);
  if (pairs.length > most) {
    throw new InvalidInput(
      `That is ${pairs.length} account and permission set pairs; one request may ask for at most ${most}. Split it into several requests.`,
      "account",
    );
  }
  const named = pairs.length > 1;
  const found: Array<{ pair: TargetRef; account: Account; permissionSet: string }> = [];
  for (const pair of pairs) found.push({ pair, ...(await onTarget(named ? pair : undefined, () => findTarget(deps, input, pair))) });
  const durationMs = parseDuration(input.duration);
  const justification = normalizeJustification(input.justification);
  const requester = await deps.directory.person(input.requesterId);
  const ruled = found.map((target) => ({
    ...target,
    rule: onTargetSync(named ? target.pair : undefined, () => ruleFor(policy, requester, target.account.id, target.permissionSet)),
  }));
  assertConfirmedEmail(requester);
  let ticket: string | null = null;
  for (const { pair, account, permissionSet, rule } of ruled) {
    ticket = await onTarget(named ? pair : undefined, async () => {
      await checkSessionFence(deps, input.requesterId, rule, account, permissionSet);
      assertDuration(rule, durationMs);
      checkJustificationLength(rule, justification);
      return checkTicket(rule, input.ticket);
    });
  }
  const targets = ruled.map(({ account, permissionSet, rule }) => ({ account, permissionSet, rule }));
  return { input, requester, targets, durationMs, justification, ticket };
}

/**
 * The access goes to the Identity Center user with the requester's email: one Slack has not
 * confirmed could be anyone's (a member may type any address into their profile).
 */
function assertConfirmedEmail(requester: Person): void {
  if (requester.email === null) {
    throw new PolicyDenied(
      "Slack has no confirmed email address for you, so jit-slack cannot tell which IAM Identity Center user you are. Confirm your email in Slack, or ask a workspace admin.",
    );
  }
}

/** What every request is checked for first: its duration, its justification, and who asks. */
async function commonParts(
  deps: ServiceDeps,
  input: AccessRequestInput,
): Promise<{ durationMs: number; justification: string; requester: Person }> {
  const durationMs = parseDuration(input.duration);
  const justification = normalizeJustification(input.justification);
  const requester = await deps.directory.person(input.requesterId);
  assertConfirmedEmail(requester);
  return { durationMs, justification, requester };
}

async function validateGroupRequest(deps: ServiceDeps, input: AccessRequestInput & { group: string }): Promise<ValidRequest> {
  const { durationMs, justification, requester } = await commonParts(deps, input);
  const valid = await validateGroup(deps, input, requester, durationMs, justification);
  const target: ValidTarget = { account: NO_ACCOUNT, permissionSet: "", rule: valid.rule, group: valid };
  return { input, requester, targets: [target], durationMs, justification, ticket: valid.ticket };
}

/** A name the policy knows as a whole stays one; otherwise a comma in it separates several. */
function expandNames(refs: readonly string[], known: (ref: string) => unknown): string[] {
  return refs.flatMap((ref) => (ref.includes(",") && !known(ref) ? splitList(ref) : [ref.trim()]));
}

/** Runs a pair's checks; with several pairs, a refusal says which pair it is about. */
async function onTarget<T>(pair: TargetRef | undefined, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw aboutPair(pair, error);
  }
}

function onTargetSync<T>(pair: TargetRef | undefined, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw aboutPair(pair, error);
  }
}

function aboutPair(pair: TargetRef | undefined, error: unknown): unknown {
  if (!pair || !(error instanceof InvalidInput || error instanceof PolicyDenied)) return error;
  const message = `${pair.permissionSet} on ${pair.account}: ${error.message}`;
  return error instanceof InvalidInput ? new InvalidInput(message, error.field) : new PolicyDenied(message, error.field);
}

/** The account and permission set a pair names, or why there is none (suggesting only the requester's own). */
async function findTarget(
  deps: ServiceDeps,
  input: AccessRequestInput,
  pair: TargetRef,
): Promise<{ account: Account; permissionSet: string }> {
  const { policy } = deps;
  const account = findAccount(policy, pair.account);
  if (!account) {
    const yours = eligibleAccounts(policy, await deps.directory.person(input.requesterId));
    const accounts = yours.map((a) => `${a.name} (${a.id})`);
    throw new InvalidInput(
      `There is no account ${quoted(pair.account)} in the policy.${listed(" Accounts you may request", accounts)}`,
      "account",
    );
  }
  const permissionSet = findPermissionSet(policy, pair.permissionSet);
  if (!permissionSet) {
    const sets = eligiblePermissionSets(policy, await deps.directory.person(input.requesterId), account.id);
    throw new InvalidInput(
      `There is no permission set ${quoted(pair.permissionSet)} in the policy.${listed(` Permission sets you may request on ${account.name}`, sets)}`,
      "permission_set",
    );
  }
  return { account, permissionSet };
}

/**
 * A rule with requireSessionFence grants nothing whose role sessions would outlive the grant: where
 * the fence cannot reach the target, the request is refused (and audited as refused).
 */
async function checkSessionFence(
  deps: ServiceDeps,
  requesterId: string,
  rule: Rule,
  account: Account,
  permissionSet: string,
): Promise<void> {
  if (!rule.requireSessionFence) return;
  const gap = fenceGap(deps.fenceFacts, account.id, permissionSet);
  if (gap === null) return;
  const refused = new PolicyDenied(
    `Rule "${rule.name}" only grants access whose role sessions end with it, and on ${account.name} (${account.id}) they cannot be ended: ${fenceGapCause(deps.fenceFacts, gap)}.`,
    "account",
  );
  await deps.refusals.record({
    actorId: requesterId,
    attempt: "request",
    reason: refused.message,
    context: { accountId: account.id, permissionSet, rule: rule.name, fenceGap: gap.reason },
  });
  throw refused;
}

/** Names suggested in a refusal at most; `/jit help` lists everything, page by page. */
const SUGGESTED = 20;

/**
 * ` <label>: a, b.`, or nothing when there is nothing to list. Only what the requester may ask for
 * is suggested: the policy's other accounts and permission sets are none of their business.
 */
function listed(label: string, items: readonly string[]): string {
  if (items.length === 0) return "";
  const more = items.length > SUGGESTED ? `, and ${items.length - SUGGESTED} more (see /jit help)` : "";
  return `${label}: ${items.slice(0, SUGGESTED).join(", ")}${more}.`;
}

/** Stores a validated request and asks the approvers, or approves it at once where the rule says so; one grant per target. */
export async function submitRequest(deps: ServiceDeps, valid: ValidRequest): Promise<Grant[]> {
  const [only, ...others] = valid.targets;
  if (!only) return [];
  if (others.length > 0) return submitBundle(deps, valid);
  const path = approvalPath(only.rule, valid.requester, deps.clock.now());
  const grant = await deps.store.insert(newGrant(deps, valid, only, path, null), requested(valid, path, null));
  return [path === "approvers" ? await askApprovers(deps, grant, only.rule) : await approveAtOnce(deps, grant, only.rule, path)];
}

function newGrant(deps: ServiceDeps, valid: ValidRequest, target: ValidTarget, path: Approval, bundleId: string | null): NewGrant {
  const { input, requester, durationMs, justification, ticket } = valid;
  return {
    id: newGrantId(),
    requesterId: input.requesterId,
    requesterTeamId: input.teamId,
    requesterEmail: requester.email,
    bundleId,
    accountId: target.account.id,
    permissionSetName: target.permissionSet,
    groupId: target.group?.group.groupId ?? null,
    groupName: target.group?.group.displayName ?? null,
    groupAccess: target.group?.access ?? [],
    durationMs,
    justification,
    ticket,
    ruleName: target.rule.name,
    breakGlass: path === "break-glass",
    createdAt: deps.clock.now(),
  };
}

function requested(valid: ValidRequest, path: Approval, bundleId: string | null): AuditNote {
  const detail: Record<string, string | number | null> = { ticket: valid.ticket, approval: path };
  if (bundleId) Object.assign(detail, { request: bundleId, targets: valid.targets.length });
  return { action: "requested", actorId: valid.input.requesterId, detail };
}

/**
 * Several targets: all their grants are stored in one transaction, the ones whose rules need
 * approvers go out in one message per approvers' channel, and each of the others is approved at once
 * as its rule says, exactly as it would be alone.
 */
async function submitBundle(deps: ServiceDeps, valid: ValidRequest): Promise<Grant[]> {
  const bundleId = newBundleId();
  const now = deps.clock.now();
  const planned = valid.targets.map((target) => ({ target, path: approvalPath(target.rule, valid.requester, now) }));
  const stored = await deps.store.insertAll(
    planned.map(({ target, path }) => ({ grant: newGrant(deps, valid, target, path, bundleId), note: requested(valid, path, bundleId) })),
  );
  const outcome = new Map<string, Grant>();
  const waiting = stored.filter((_, index) => planned[index]?.path === "approvers");
  for (const grant of await askApproversOfBundle(deps, waiting)) outcome.set(grant.id, grant);
  for (const [index, grant] of stored.entries()) {
    const plan = planned[index];
    if (!plan || plan.path === "approvers") continue;
    outcome.set(grant.id, await approveAtOnce(deps, grant, plan.target.rule, plan.path));
  }
  return stored.map((grant) => outcome.get(grant.id) ?? grant);
}

/** One message per approvers' channel among the waiting grants' rules; a channel that cannot be posted to fails its grants. */
async function askApproversOfBundle(deps: ServiceDeps, waiting: readonly Grant[]): Promise<Grant[]> {
  const [first] = waiting;
  if (!first) return [];
  const bundle = await loadBundle(deps, first);
  const ids = new Set(waiting.map((grant) => grant.id));
  const byChannel = new Map<string, Grant[]>();
  for (const grant of waiting) {
    const channel = findRule(deps.policy, grant.ruleName)?.approverChannel ?? "";
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), grant]);
  }
  const outcome: Grant[] = [];
  for (const [channel, grants] of byChannel) {
    let posted: { channel: string; ts: string };
    try {
      posted = await deps.notifier.postBundleApproval(bundle, channel);
    } catch (error) {
      for (const grant of grants) outcome.push(await notPosted(deps, grant, error));
      continue;
    }
    for (const grant of grants) {
      outcome.push((await deps.store.amend(grant.id, "pending", { approvalChannel: posted.channel, approvalTs: posted.ts })) ?? grant);
    }
  }
  if (outcome.some((grant) => grant.status !== "pending")) await refreshBundle(deps, first);
  return outcome.filter((grant) => ids.has(grant.id));
}

async function askApprovers(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<Grant> {
  let posted: { channel: string; ts: string };
  try {
    posted = await deps.notifier.postApprovalRequest(grant, rule);
  } catch (error) {
    return notPosted(deps, grant, error);
  }
  return (await deps.store.amend(grant.id, "pending", { approvalChannel: posted.channel, approvalTs: posted.ts })) ?? grant;
}

/** A request the approvers could not be asked about fails (audited) rather than waiting for nobody. */
async function notPosted(deps: ServiceDeps, grant: Grant, error: unknown): Promise<Grant> {
  const reason = `The request could not be posted to the approvers' channel: ${(error as Error).message}`;
  deps.logger.error({ grantId: grant.id, err: (error as Error).message }, "approval request not posted");
  const failed = await deps.store.transition(
    grant.id,
    "pending",
    "failed",
    { failureReason: reason, endedAt: deps.clock.now() },
    { action: "failed", actorId: SYSTEM_ACTOR, detail: { reason } },
  );
  return failed ?? grant;
}

/** Auto-approval and break-glass: approved by the system at once, announced, provisioned. */
async function approveAtOnce(deps: ServiceDeps, grant: Grant, rule: Rule, path: Exclude<Approval, "approvers">): Promise<Grant> {
  const approved = await deps.store.transition(
    grant.id,
    "pending",
    "approved",
    { decidedBy: SYSTEM_ACTOR, decidedAt: deps.clock.now() },
    { action: "approved", actorId: SYSTEM_ACTOR, detail: { approvedBy: path } },
  );
  if (!approved) return (await deps.store.get(grant.id)) ?? grant;
  if (path === "break-glass") {
    await deps.store.note(grant.id, {
      action: "break_glass",
      actorId: grant.requesterId,
      detail: { problem: "access granted without approval; to be reviewed" },
    });
  }
  try {
    const posted = await deps.notifier.postApprovedNotice(approved, rule, path);
    await deps.store.amend(grant.id, "approved", { approvalChannel: posted.channel, approvalTs: posted.ts });
  } catch (error) {
    // The notice is for information; the audit trail already has the approval.
    deps.logger.warn({ grantId: grant.id, err: (error as Error).message }, "approval notice not posted");
  }
  return (await provisionGrant(deps, grant.id)) ?? approved;
}
