// The loud notice in the approvers' channel when someone breaks glass: who took what and why, and an
// Acknowledge button until an approver has reviewed it. Re-render it with the same grant to update it.
import type { KnownBlock } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import { outcomeLine, requesterWords, summary, type Message } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { accountLabel, escapedExcerpt, plain } from "./parts.js";
import { targetLabel } from "./group-access-text.js";
import { ACTION_REVIEW } from "../ids.js";

function review(grant: Grant): KnownBlock[] {
  if (grant.reviewedBy !== null) {
    const when = grant.reviewedAt !== null ? ` ${slackDate(grant.reviewedAt)}` : "";
    return [{ type: "context", elements: [{ type: "mrkdwn", text: `:eyes: Reviewed by ${mention(grant.reviewedBy)}${when}` }] }];
  }
  return [
    { type: "section", text: { type: "mrkdwn", text: "*Granted without approval.* An approver must review it: was it warranted?" } },
    {
      type: "actions",
      block_id: "jit_review",
      elements: [{ type: "button", action_id: ACTION_REVIEW, style: "primary", value: grant.id, text: plain("Acknowledge") }],
    },
  ];
}

export function breakGlassNotice(grant: Grant, accounts: readonly Account[]): Message {
  return {
    text: `:rotating_light: Break-glass: ${mention(grant.requesterId)} took ${summary(grant, accounts)} without approval (${grant.id})`,
    blocks: [
      { type: "header", text: plain(`🚨 Break-glass access ${grant.id}`.slice(0, 150)) },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Who*\n${mention(grant.requesterId)}` },
          ...(grant.groupId !== null
            ? [{ type: "mrkdwn" as const, text: `*Group*\n${targetLabel(grant, accounts)}` }]
            : [
                { type: "mrkdwn" as const, text: `*Account*\n${accountLabel(grant.accountId, accounts)}` },
                { type: "mrkdwn" as const, text: `*Permission set*\n${escapedExcerpt(grant.permissionSetName, 100)}` },
              ]),
          { type: "mrkdwn", text: `*Duration*\n${formatDuration(grant.durationMs)}` },
        ],
      },
      { type: "section", text: requesterWords(grant) },
      { type: "section", text: { type: "mrkdwn", text: outcomeLine(grant) } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `Rule "${escapeMrkdwn(grant.ruleName)}" · taken ${slackDate(grant.createdAt)}` }],
      },
      ...review(grant),
    ],
  };
}
