// A person asks for access: validate, apply policy, record, and either put it in front of the
// approvers or, when the rule approves by itself (auto-approval, break-glass), grant it at once.
import { SYSTEM_ACTOR } from "../domain/audit-event.js";
import { parseDuration } from "../domain/duration.js";
import { InvalidInput, PolicyDenied, quoted } from "../domain/errors.js";
import { fenceGap, fenceGapCause } from "../domain/fence-capability.js";
import type { Grant } from "../domain/grant.js";
import { newGrantId } from "../domain/ids.js";
import { normalizeJustification } from "../domain/justification.js";
import {
  approvalPath,
  assertDuration,
  checkJustificationLength,
  checkTicket,
  eligibleTargets,
  findAccount,
  findPermissionSet,
  ruleFor,
  type Account,
  type Approval,
  type Eligibility,
  type Person,
  type Rule,
} from "../domain/policy.js";
import type { ServiceDeps } from "./deps.js";
import { provisionGrant } from "./provision.js";

export interface AccessRequestInput {
  readonly requesterId: string;
  readonly teamId: string;
  readonly account: string;
  readonly permissionSet: string;
  readonly duration: string;
  readonly justification: string;
  readonly ticket?: string | null;
}

/**
 * Records a request and starts it on its way. Throws InvalidInput or PolicyDenied, with nothing
 * stored, when the request cannot be made. If the approvers cannot be reached the request is
 * stored as failed (and audited) and returned in that state.
 */
export async function requestAccess(deps: ServiceDeps, input: AccessRequestInput): Promise<Grant> {
  return submitRequest(deps, await validateRequest(deps, input));
}

export interface ValidRequest {
  readonly input: AccessRequestInput;
  readonly requester: Person;
  readonly account: Account;
  readonly permissionSet: string;
  readonly durationMs: number;
  readonly justification: string;
  readonly ticket: string | null;
  readonly rule: Rule;
}

/** Everything that can refuse a request, with nothing stored: a form can show the errors at once. */
export async function validateRequest(deps: ServiceDeps, input: AccessRequestInput): Promise<ValidRequest> {
  const { policy } = deps;
  const account = findAccount(policy, input.account);
  if (!account) {
    const yours = await requestable(deps, input.requesterId);
    const accounts = unique(yours.map(({ account: a }) => `${a.name} (${a.id})`));
    throw new InvalidInput(
      `There is no account ${quoted(input.account)} in the policy.${listed(" Accounts you may request", accounts)}`,
      "account",
    );
  }
  const permissionSet = findPermissionSet(policy, input.permissionSet);
  if (!permissionSet) {
    const yours = (await requestable(deps, input.requesterId)).filter((target) => target.account.id === account.id);
    const sets = unique(yours.map((target) => target.permissionSet));
    throw new InvalidInput(
      `There is no permission set ${quoted(input.permissionSet)} in the policy.${listed(` Permission sets you may request on ${account.name}`, sets)}`,
      "permission_set",
    );
  }
  const durationMs = parseDuration(input.duration);
  const justification = normalizeJustification(input.justification);
  const requester = await deps.directory.person(input.requesterId);
  const rule = ruleFor(policy, requester, account.id, permissionSet);
  // The access goes to the Identity Center user with this email: one Slack has not confirmed could
  // be anyone's (a member may type any address into their profile).
  if (requester.email === null) {
    throw new PolicyDenied(
      "Slack has no confirmed email address for you, so jit-slack cannot tell which IAM Identity Center user you are. Confirm your email in Slack, or ask a workspace admin.",
    );
  }
  await checkSessionFence(deps, input.requesterId, rule, account, permissionSet);
  assertDuration(rule, durationMs);
  checkJustificationLength(rule, justification);
  const ticket = checkTicket(rule, input.ticket);
  return { input, requester, account, permissionSet, durationMs, justification, ticket, rule };
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

/**
 * What the requester may ask for, to suggest instead of a name that does not exist: only that, since
 * the policy's other accounts and permission sets are none of their business.
 */
async function requestable(deps: ServiceDeps, requesterId: string): Promise<Eligibility[]> {
  return eligibleTargets(deps.policy, await deps.directory.person(requesterId));
}

/** ` <label>: a, b.`, or nothing when there is nothing to list. */
function listed(label: string, items: readonly string[]): string {
  return items.length > 0 ? `${label}: ${items.join(", ")}.` : "";
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Stores a validated request and asks the approvers, or approves it at once when the rule says so. */
export async function submitRequest(deps: ServiceDeps, valid: ValidRequest): Promise<Grant> {
  const { input, requester, account, permissionSet, durationMs, justification, ticket, rule } = valid;
  const path = approvalPath(rule, requester, deps.clock.now());

  const grant = await deps.store.insert(
    {
      id: newGrantId(),
      requesterId: input.requesterId,
      requesterTeamId: input.teamId,
      requesterEmail: requester.email,
      accountId: account.id,
      permissionSetName: permissionSet,
      durationMs,
      justification,
      ticket,
      ruleName: rule.name,
      breakGlass: path === "break-glass",
      createdAt: deps.clock.now(),
    },
    { action: "requested", actorId: input.requesterId, detail: { ticket, approval: path } },
  );
  return path === "approvers" ? askApprovers(deps, grant, rule) : approveAtOnce(deps, grant, rule, path);
}

async function askApprovers(deps: ServiceDeps, grant: Grant, rule: Rule): Promise<Grant> {
  let posted: { channel: string; ts: string };
  try {
    posted = await deps.notifier.postApprovalRequest(grant, rule);
  } catch (error) {
    const reason = `The request could not be posted to the approvers' channel: ${(error as Error).message}`;
    deps.logger.error({ grantId: grant.id, err: (error as Error).message }, "approval request not posted");
    const failed = await deps.store.transition(
      grant.id,
      "pending",
      "failed",
      { failureReason: reason, endedAt: deps.clock.now() },
      {
        action: "failed",
        actorId: SYSTEM_ACTOR,
        detail: { reason },
      },
    );
    return failed ?? grant;
  }
  return (await deps.store.amend(grant.id, "pending", { approvalChannel: posted.channel, approvalTs: posted.ts })) ?? grant;
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
