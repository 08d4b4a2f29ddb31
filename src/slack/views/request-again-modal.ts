// "Request again" on the Home tab: the same target and duration as an earlier grant, with a new
// justification (and ticket, where the rule asks for one). A small form rather than the whole /jit
// form prefilled: nothing but the words can change, so nothing else is offered, and the type-ahead
// pickers of a large organization (external_select) would have to be primed with the old choice.
// Only the earlier grant's id rides in private_metadata; on submit every check runs again.
import type { ModalView } from "@slack/types";
import type { Grant } from "../../domain/grant.js";
import type { Account, Rule } from "../../domain/policy.js";
import { summary } from "./blocks.js";
import { plain } from "./parts.js";
import { justificationInput, ticketInput } from "./request-modal.js";
import { REQUEST_AGAIN_CALLBACK_ID } from "../ids.js";

export const REQUEST_AGAIN_TITLE = "Request again";

export function requestAgainModal(grant: Grant, rule: Rule, accounts: readonly Account[]): ModalView {
  return {
    type: "modal",
    callback_id: REQUEST_AGAIN_CALLBACK_ID,
    private_metadata: grant.id,
    title: plain(REQUEST_AGAIN_TITLE),
    submit: plain("Request"),
    close: plain("Cancel"),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `Ask again for ${summary(grant, accounts)}, as in \`${grant.id}\`.` } },
      justificationInput(rule.justificationMinLength, undefined),
      ticketInput(rule.ticket, grant.ticket ?? undefined),
    ],
  };
}
