// Deny asks first: an optional reason the requester will read. The grant id rides in private_metadata.
import { plainText } from "../../domain/justification.js";
import type { ModalView } from "@slack/types";
import { escapedExcerpt, plain } from "./parts.js";
import { typedValue } from "./view-state.js";

export const DENY_REASON_CALLBACK_ID = "jit_deny_reason";
const REASON_MAX_LENGTH = 500;

export function denyReasonModal(grantId: string): ModalView {
  return {
    type: "modal",
    callback_id: DENY_REASON_CALLBACK_ID,
    private_metadata: grantId,
    title: plain("Deny request"),
    submit: plain("Deny"),
    close: plain("Cancel"),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `Deny request \`${escapedExcerpt(grantId, 40)}\`? The requester is told, with your reason if you give one.` } },
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
