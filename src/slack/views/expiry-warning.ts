// The direct message a requester gets shortly before their access ends: extend it, or end it now.
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import { summary, type Message } from "./blocks.js";
import { slackDate } from "./escape.js";
import { accountName, LIMITS, plain, truncate } from "./parts.js";
import { targetText } from "./group-access-text.js";
import { ACTION_END_NOW, ACTION_EXTEND } from "../ids.js";

export function expiryWarning(grant: Grant, accounts: readonly Account[]): Message {
  const text = `:hourglass: Your access ${summary(grant, accounts)} (\`${grant.id}\`) ends ${slackDate(grant.expiresAt ?? 0)}.`;
  // The confirm dialog is plain text: nothing in it is parsed, so names go in as they are.
  const target =
    grant.groupId !== null
      ? targetText(grant)
      : `${grant.permissionSetName} on ${accountName(grant.accountId, accounts) ?? grant.accountId}`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `${text}\nNeed more time? *Extend* asks for it within the rule's limits. Done already? *End now* removes the access.`,
        },
      },
      {
        type: "actions",
        block_id: "jit_expiry",
        elements: [
          { type: "button", action_id: ACTION_EXTEND, style: "primary", value: grant.id, text: plain("Extend") },
          {
            type: "button",
            action_id: ACTION_END_NOW,
            style: "danger",
            value: grant.id,
            text: plain("End now"),
            confirm: {
              title: plain("End access now?"),
              text: plain(truncate(`Your access to ${target} is removed at once.`, LIMITS.confirmText)),
              confirm: plain("End now"),
              deny: plain("Keep it"),
              style: "danger",
            },
          },
        ],
      },
    ],
  };
}
