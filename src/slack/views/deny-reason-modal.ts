// Deny asks first: an optional reason the requester will read. The grant id rides in private_metadata.
import type { ModalView } from "@slack/types";
import type { Grant } from "../../domain/grant.js";
import { plainText } from "../../domain/justification.js";
import type { Account } from "../../domain/policy.js";
import { requesterWords, summary } from "./blocks.js";
import { mention } from "./escape.js";
import { plain } from "./parts.js";
import { typedValue } from "./view-state.js";
import { DENY_REASON_CALLBACK_ID } from "../ids.js";

export const DENY_TITLE = "Deny request";
const REASON_MAX_LENGTH = 500;

/** The form for denying `grant`: what is being denied, the requester's words, and a reason field. */
export function denyReasonModal(grant: Grant, accounts: readonly Account[]): ModalView {
  const request = grant.bundleId
    ? `request \`${grant.bundleId}\`: ${summary(grant, accounts)} and every other target of its part still waiting`
    : `request \`${grant.id}\` for ${summary(grant, accounts)}`;
  const what = `Deny ${mention(grant.requesterId)}'s ${request}? The requester is told, with your reason if you give one.`;
  return {
    type: "modal",
    callback_id: DENY_REASON_CALLBACK_ID,
    private_metadata: grant.id,
    title: plain(DENY_TITLE),
    submit: plain("Deny"),
    close: plain("Cancel"),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: what } },
      { type: "section", text: requesterWords(grant) },
      {
        type: "input",
        block_id: "reason",
        optional: true,
        label: plain("Reason"),
        element: {
          type: "plain_text_input",
          action_id: "reason",
          multiline: true,
          max_length: REASON_MAX_LENGTH,
          placeholder: plain("e.g. use the read-only role for this"),
        },
      },
    ],
  };
}

/** The reason typed into the deny modal, or undefined when none was. */
export function readDenyReason(values: unknown): string | undefined {
  const reason = typedValue(values, "reason");
  return reason === undefined ? undefined : plainText(reason);
}
