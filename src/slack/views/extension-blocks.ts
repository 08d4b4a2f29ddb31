// Block Kit and text for extension requests: pure functions returning plain objects.
import { formatDuration } from "../../domain/duration.js";
import type { Extension } from "../../domain/extension.js";
import type { Grant } from "../../domain/grant.js";
import type { Account, Rule } from "../../domain/policy.js";
import { summary, type Message } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { typedLine, typedText } from "./parts.js";
import { ACTION_EXTENSION_APPROVE, ACTION_EXTENSION_DENY } from "../ids.js";

function headline(extension: Extension, grant: Grant, accounts: readonly Account[]): string {
  return `${mention(extension.requesterId)} asks for ${formatDuration(extension.extraMs)} more on ${summary(grant, accounts)} (${grant.id}), now ending ${slackDate(grant.expiresAt ?? 0)}`;
}

export function extensionRequestMessage(extension: Extension, grant: Grant, accounts: readonly Account[], rule: Rule): Message {
  const quorum = rule.approvalsRequired > 1 ? ` · needs ${rule.approvalsRequired} distinct approvals` : "";
  return {
    text: headline(extension, grant, accounts),
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `:hourglass_flowing_sand: *Extension ${extension.id}*\n${headline(extension, grant, accounts)}` },
      },
      { type: "section", text: typedText([typedLine("Original justification", grant.justification, 2500)]) },
      {
        type: "actions",
        block_id: "jit_extension_decision",
        elements: [
          {
            type: "button",
            action_id: ACTION_EXTENSION_APPROVE,
            style: "primary",
            value: extension.id,
            text: { type: "plain_text", text: "Approve" },
          },
          {
            type: "button",
            action_id: ACTION_EXTENSION_DENY,
            style: "danger",
            value: extension.id,
            text: { type: "plain_text", text: "Deny" },
          },
        ],
      },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `Rule "${escapeMrkdwn(rule.name)}" allows ${formatDuration(rule.maxTotalDurationMs)} in all${quorum}` },
        ],
      },
    ],
  };
}

function outcome(extension: Extension, grant: Grant, applied: boolean): string {
  if (extension.status === "approved") {
    return applied
      ? `:white_check_mark: Approved by ${mention(extension.decidedBy ?? "an approver")}: access now ends ${slackDate(grant.expiresAt ?? 0)}`
      : `:warning: Approved, but the grant had already ended or reached its maximum; nothing was extended`;
  }
  if (extension.status === "denied") return `:no_entry: Denied by ${mention(extension.decidedBy ?? "an approver")}`;
  return ":hourglass: Expired: nobody decided in time";
}

export function extensionOutcomeMessage(extension: Extension, grant: Grant, accounts: readonly Account[], applied: boolean): Message {
  const line = outcome(extension, grant, applied);
  return {
    text: `Extension ${extension.id}: ${line}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*Extension ${extension.id}*\n${headline(extension, grant, accounts)}` } },
      { type: "section", text: { type: "mrkdwn", text: line } },
    ],
  };
}

export function extensionRequesterText(extension: Extension, grant: Grant, accounts: readonly Account[], applied: boolean): string {
  return `Your extension of ${summary(grant, accounts)} (${grant.id}) by ${formatDuration(extension.extraMs)}: ${outcome(extension, grant, applied)}.`;
}
