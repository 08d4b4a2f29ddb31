// Block Kit and message text for grants: pure functions returning plain objects.
import type { KnownBlock, PlainTextElement } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import type { Grant } from "../../domain/grant.js";
import type { Account, Rule } from "../../domain/policy.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { typedLine, typedText } from "./parts.js";
import { ACTION_APPROVE, ACTION_DENY, ACTION_REVIEW } from "../ids.js";
import { bundleConfirmation } from "./bundle-blocks.js";
import { approverRefText, escalationLine } from "./nudge-text.js";
import { groupAccessText, targetLabel } from "./group-access-text.js";

export interface Message {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

function accountLabel(grant: Grant, accounts: readonly Account[]): string {
  const account = accounts.find((a) => a.id === grant.accountId);
  return account ? `${escapeMrkdwn(account.name)} (${grant.accountId})` : grant.accountId;
}

export function summary(grant: Grant, accounts: readonly Account[]): string {
  if (grant.groupId !== null) return `${targetLabel(grant, accounts)} for ${formatDuration(grant.durationMs)}`;
  return `${escapeMrkdwn(grant.permissionSetName)} on ${accountLabel(grant, accounts)} for ${formatDuration(grant.durationMs)}`;
}

/** Account and permission set, or for a group grant the group and what its membership gives. */
function targetFields(
  grant: Grant,
  accounts: readonly Account[],
): { extra: KnownBlock[]; mrkdwnFields: { type: "mrkdwn"; text: string }[] } {
  if (grant.groupId === null) {
    return {
      extra: [],
      mrkdwnFields: [
        { type: "mrkdwn", text: `*Account*\n${accountLabel(grant, accounts)}` },
        { type: "mrkdwn", text: `*Permission set*\n${escapeMrkdwn(grant.permissionSetName)}` },
      ],
    };
  }
  return {
    extra: [{ type: "section", text: { type: "mrkdwn", text: groupAccessText(grant, accounts) } }],
    mrkdwnFields: [{ type: "mrkdwn", text: `*Group*\n${targetLabel(grant, accounts)}` }],
  };
}

function requestBlocks(grant: Grant, accounts: readonly Account[]): KnownBlock[] {
  const target = targetFields(grant, accounts);
  return [
    { type: "header", text: { type: "plain_text", text: `Access request ${grant.id}` } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Requester*\n${mention(grant.requesterId)}` },
        // Who receives the access: the Identity Center user with the requester's Slack-confirmed email.
        {
          type: "mrkdwn",
          text: `*Identity Center user*\n${grant.requesterEmail ? escapeMrkdwn(grant.requesterEmail) : "none (no confirmed email)"}`,
        },
        ...target.mrkdwnFields,
        { type: "mrkdwn", text: `*Duration*\n${formatDuration(grant.durationMs)}` },
      ],
    },
    ...target.extra,
    { type: "section", text: requesterWords(grant) },
  ];
}

/** The requester's justification and ticket, as words they typed (see typedText). */
export function requesterWords(grant: Grant): PlainTextElement {
  // Escaping can quadruple the length (< → &lt;); stay under a section's 3000 characters.
  const lines = [typedLine("Justification", grant.justification, 2500)];
  if (grant.ticket) lines.push(typedLine("Ticket", grant.ticket, 200));
  return typedText(lines);
}

/** The approver's reason for a denial, when they gave one, as words they typed. */
export function denialReason(grant: Grant): KnownBlock[] {
  if (grant.status !== "denied" || !grant.decisionReason) return [];
  return [{ type: "section", text: typedText([typedLine("Reason", grant.decisionReason, 2500)]) }];
}

/** Why these people are asked: the rule, its approvers, the quorum and who has approved so far. */
function approvalReason(grant: Grant, rule: Rule | undefined, approvers: readonly string[], escalatedAt: number | null): string {
  const who = rule ? approverRefText(rule.approvers) : "the rule's approvers";
  const required = rule?.approvalsRequired ?? 1;
  const quorum = required > 1 ? ` · needs ${required} distinct approvals` : "";
  const progress =
    approvers.length > 0 ? ` · approved so far by ${approvers.map(mention).join(", ")} (${approvers.length} of ${required})` : "";
  const escalated = escalationLine(rule, escalatedAt);
  return `Requested ${slackDate(grant.createdAt)} under rule "${escapeMrkdwn(grant.ruleName)}": approvers ${who}${quorum}${progress}${escalated ? `\n${escalated}` : ""}`;
}

export function approvalRequestMessage(
  grant: Grant,
  accounts: readonly Account[],
  rule?: Rule,
  approvers: readonly string[] = [],
  /** When the request was escalated (escalateTo), or null. */
  escalatedAt: number | null = null,
): Message {
  return {
    text: `${mention(grant.requesterId)} requests ${summary(grant, accounts)}`,
    blocks: [
      ...requestBlocks(grant, accounts),
      {
        type: "actions",
        block_id: "jit_decision",
        elements: [
          { type: "button", action_id: ACTION_APPROVE, style: "primary", value: grant.id, text: { type: "plain_text", text: "Approve" } },
          { type: "button", action_id: ACTION_DENY, style: "danger", value: grant.id, text: { type: "plain_text", text: "Deny" } },
        ],
      },
      { type: "context", elements: [{ type: "mrkdwn", text: approvalReason(grant, rule, approvers, escalatedAt) }] },
    ],
  };
}

/** "Approved by <@U…> <date>", or how it was approved when no approver decided. */
function approvedLine(grant: Grant, decided: string): string {
  if (grant.decidedBy === "system") return grant.breakGlass ? "Break-glass: granted at once" : "Approved automatically by the rule";
  return `Approved${decided}`;
}

/** One line saying where the grant stands now, for the approvers' message. */
export function outcomeLine(grant: Grant): string {
  const decided = grant.decidedBy && grant.decidedAt ? ` by ${mention(grant.decidedBy)} ${slackDate(grant.decidedAt)}` : "";
  switch (grant.status) {
    case "pending":
      return ":hourglass: Waiting for approval";
    case "denied":
      return `:no_entry: Denied${decided}`;
    case "expired":
      return `:hourglass: Expired: nobody decided before ${slackDate(grant.endedAt ?? 0)}`;
    case "cancelled":
      return `:leftwards_arrow_with_hook: Withdrawn by the requester ${slackDate(grant.endedAt ?? 0)}`;
    case "approved":
    case "provisioning":
      return `:white_check_mark: ${approvedLine(grant, decided)} · :gear: granting access in AWS…`;
    case "active":
      return `:white_check_mark: ${approvedLine(grant, decided)} · :unlock: active until ${slackDate(grant.expiresAt ?? 0)}`;
    case "failed":
      return `:x: Failed: ${escapeMrkdwn(grant.failureReason ?? "unknown reason")}${decided ? ` (approved${decided})` : ""}`;
    case "revoking":
      return `${stoppedEarly(grant, decided)} · :lock: removing access…`;
    case "revoked":
      return `${stoppedEarly(grant, decided)} · :lock: ended ${slackDate(grant.endedAt ?? 0)}`;
  }
}

/** A grant being (or having been) removed: approved, and when it never became active, why it stopped. */
function stoppedEarly(grant: Grant, decided: string): string {
  if (grant.activatedAt !== null) return `:white_check_mark: ${approvedLine(grant, decided)}`;
  if (grant.failureReason) return `:x: Failed: ${escapeMrkdwn(grant.failureReason)} (approved${decided})`;
  return `:leftwards_arrow_with_hook: ${approvedLine(grant, decided)}, then stopped before it became active`;
}

export function decidedRequestMessage(grant: Grant, accounts: readonly Account[], approvers: readonly string[] = []): Message {
  const outcome = outcomeLine(grant);
  const approvedBy = approvers.length > 1 ? `\nApprovals: ${approvers.map(mention).join(", ")}` : "";
  return {
    text: `${grant.id}: ${summary(grant, accounts)} — ${outcome}`,
    blocks: [
      ...requestBlocks(grant, accounts),
      { type: "section", text: { type: "mrkdwn", text: outcome + approvedBy } },
      ...denialReason(grant),
      ...reviewBlocks(grant),
    ],
  };
}

/** Break-glass access: an Acknowledge button until someone has reviewed it, then who did. */
function reviewBlocks(grant: Grant): KnownBlock[] {
  if (!grant.breakGlass) return [];
  if (grant.reviewedBy && grant.reviewedAt) {
    return [
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `:eyes: Break-glass access reviewed by ${mention(grant.reviewedBy)} ${slackDate(grant.reviewedAt)}` },
        ],
      },
    ];
  }
  return [
    {
      type: "section",
      text: { type: "mrkdwn", text: ":rotating_light: *Break-glass access, granted without approval.* An approver must review it." },
    },
    {
      type: "actions",
      block_id: "jit_review",
      elements: [{ type: "button", action_id: ACTION_REVIEW, value: grant.id, text: { type: "plain_text", text: "Acknowledge" } }],
    },
  ];
}

/** The direct message a requester gets about their grant, or undefined when there is nothing to say. */
export function requesterUpdate(grant: Grant, accounts: readonly Account[], portalUrl: string): Message | undefined {
  const text = requesterLine(grant, accounts, portalUrl);
  if (text === undefined) return undefined;
  const reason = denialReason(grant);
  return { text, blocks: reason.length > 0 ? [{ type: "section", text: { type: "mrkdwn", text } }, ...reason] : [] };
}

function requesterLine(grant: Grant, accounts: readonly Account[], portalUrl: string): string | undefined {
  const what = `${summary(grant, accounts)} (${grant.id})`;
  switch (grant.status) {
    case "denied":
      return `:no_entry: Your request for ${what} was denied by ${mention(grant.decidedBy ?? "an approver")}.`;
    case "expired":
      return `:hourglass: Your request for ${what} expired: nobody decided in time. Ask again if you still need it.`;
    case "cancelled":
      return `:leftwards_arrow_with_hook: Your request for ${what} was withdrawn by a jit-slack admin.`;
    case "active": {
      const kept = grant.keepsAssignment ? "\nYou already had this access outside jit-slack; it stays after this grant ends." : "";
      return `:unlock: Access granted: ${what}, until ${slackDate(grant.expiresAt ?? 0)}.\nSign in through the AWS access portal: ${portalUrl}${kept}`;
    }
    case "failed":
      return `:x: Your request for ${what} could not be granted: ${escapeMrkdwn(grant.failureReason ?? "unknown reason")}`;
    case "revoking":
      // Stopped for being too late: said now, as it fails, not once AWS has confirmed the removal.
      return grant.activatedAt === null && grant.failureReason
        ? `:x: Your request for ${what} could not be granted: ${escapeMrkdwn(grant.failureReason)}`
        : undefined;
    case "revoked":
      if (grant.activatedAt !== null) return `:lock: Your access ${what} has ended.`;
      return grant.failureReason
        ? undefined
        : `:lock: Your request for ${what} was stopped before it became active; nothing of it is left in AWS.`;
    default:
      return undefined;
  }
}

/** What the requester is told at once about their request: one grant, or every target of several. */
export function requestConfirmation(grants: readonly Grant[], accounts: readonly Account[]): string {
  const [grant, ...others] = grants;
  if (!grant) return ":x: Nothing was requested.";
  if (others.length > 0) return bundleConfirmation(grants, accounts);
  switch (grant.status) {
    case "failed":
      return `:x: Request ${grant.id} was recorded but failed: ${escapeMrkdwn(grant.failureReason ?? "unknown reason")}`;
    case "pending":
      return `:inbox_tray: Request ${grant.id} for ${summary(grant, accounts)} was sent to the approvers. You will get a message when it is decided.`;
    default:
      return grant.breakGlass
        ? `:rotating_light: Request ${grant.id} for ${summary(grant, accounts)} was granted at once as break-glass access; it is posted to the approvers for review.`
        : `:white_check_mark: Request ${grant.id} for ${summary(grant, accounts)} was approved automatically by its rule (status: ${grant.status}).`;
  }
}
