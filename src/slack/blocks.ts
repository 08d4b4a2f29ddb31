// Block Kit and message text for grants: pure functions returning plain objects.
import type { KnownBlock } from "@slack/types";
import { formatDuration } from "../domain/duration.js";
import type { Grant } from "../domain/grant.js";
import type { Account } from "../domain/policy.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";

export const ACTION_APPROVE = "jit_approve";
export const ACTION_DENY = "jit_deny";

export interface Message {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

function accountLabel(grant: Grant, accounts: readonly Account[]): string {
  const account = accounts.find((a) => a.id === grant.accountId);
  return account ? `${escapeMrkdwn(account.name)} (${grant.accountId})` : grant.accountId;
}

function summary(grant: Grant, accounts: readonly Account[]): string {
  return `${escapeMrkdwn(grant.permissionSetName)} on ${accountLabel(grant, accounts)} for ${formatDuration(grant.durationMs)}`;
}

function requestBlocks(grant: Grant, accounts: readonly Account[]): KnownBlock[] {
  return [
    { type: "header", text: { type: "plain_text", text: `Access request ${grant.id}` } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Requester*\n${mention(grant.requesterId)}` },
        { type: "mrkdwn", text: `*Account*\n${accountLabel(grant, accounts)}` },
        { type: "mrkdwn", text: `*Permission set*\n${escapeMrkdwn(grant.permissionSetName)}` },
        { type: "mrkdwn", text: `*Duration*\n${formatDuration(grant.durationMs)}` },
      ],
    },
    { type: "section", text: { type: "mrkdwn", text: `*Justification*\n${escapeMrkdwn(grant.justification)}` } },
  ];
}

export function approvalRequestMessage(grant: Grant, accounts: readonly Account[]): Message {
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
      { type: "context", elements: [{ type: "mrkdwn", text: `Requested ${slackDate(grant.createdAt)} under rule "${escapeMrkdwn(grant.ruleName)}"` }] },
    ],
  };
}

/** One line saying where the grant stands now, for the approvers' message. */
export function outcomeLine(grant: Grant): string {
  const decided = grant.decidedBy && grant.decidedAt ? ` by ${mention(grant.decidedBy)} ${slackDate(grant.decidedAt)}` : "";
  switch (grant.status) {
    case "pending":
      return ":hourglass: Waiting for approval";
    case "denied":
      return `:no_entry: Denied${decided}${grant.decisionReason ? `: ${escapeMrkdwn(grant.decisionReason)}` : ""}`;
    case "expired":
      return `:hourglass: Expired: nobody decided before ${slackDate(grant.endedAt ?? 0)}`;
    case "cancelled":
      return `:leftwards_arrow_with_hook: Withdrawn by the requester ${slackDate(grant.endedAt ?? 0)}`;
    case "approved":
    case "provisioning":
      return `:white_check_mark: Approved${decided} · :gear: granting access in AWS…`;
    case "active":
      return `:white_check_mark: Approved${decided} · :unlock: active until ${slackDate(grant.expiresAt ?? 0)}`;
    case "failed":
      return `:x: Failed: ${escapeMrkdwn(grant.failureReason ?? "unknown reason")}${decided ? ` (approved${decided})` : ""}`;
    case "revoking":
      return `:white_check_mark: Approved${decided} · :lock: removing access…`;
    case "revoked":
      return `:white_check_mark: Approved${decided} · :lock: ended ${slackDate(grant.endedAt ?? 0)}`;
  }
}

export function decidedRequestMessage(grant: Grant, accounts: readonly Account[]): Message {
  const outcome = outcomeLine(grant);
  return {
    text: `${grant.id}: ${summary(grant, accounts)} — ${outcome}`,
    blocks: [...requestBlocks(grant, accounts), { type: "section", text: { type: "mrkdwn", text: outcome } }],
  };
}

/** The direct message a requester gets about their grant, or undefined when there is nothing to say. */
export function requesterUpdate(grant: Grant, accounts: readonly Account[], portalUrl: string): string | undefined {
  const what = `${summary(grant, accounts)} (${grant.id})`;
  switch (grant.status) {
    case "denied":
      return `:no_entry: Your request for ${what} was denied by ${mention(grant.decidedBy ?? "an approver")}.`;
    case "active": {
      const kept = grant.keepsAssignment
        ? "\nYou already had this access outside jit-slack; it stays after this grant ends."
        : "";
      return `:unlock: Access granted: ${what}, until ${slackDate(grant.expiresAt ?? 0)}.\nSign in through the AWS access portal: ${portalUrl}${kept}`;
    }
    case "failed":
      return `:x: Your request for ${what} could not be granted: ${escapeMrkdwn(grant.failureReason ?? "unknown reason")}`;
    case "revoked":
      return `:lock: Your access ${what} has ended.`;
    default:
      return undefined;
  }
}

export function requestConfirmation(grant: Grant, accounts: readonly Account[]): string {
  if (grant.status === "failed") {
    return `:x: Request ${grant.id} was recorded but failed: ${escapeMrkdwn(grant.failureReason ?? "unknown reason")}`;
  }
  return `:inbox_tray: Request ${grant.id} for ${summary(grant, accounts)} was sent to the approvers. You will get a message when it is decided.`;
}
