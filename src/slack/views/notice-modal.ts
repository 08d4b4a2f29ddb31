// A modal that only says something. A trigger_id is good for 3 seconds, less than one slow or
// rate-limited Slack look-up can take, so a form opens as this at once ("checking…") and is then
// replaced (views.update, which needs no trigger) by the form itself, or by why there is none.
// ("Pass a valid trigger_id within 3 seconds of receiving it": docs.slack.dev/tools/bolt-js/concepts/creating-modals)
import type { ModalView } from "@slack/types";
import { plain } from "./parts.js";
import { NOTICE_CALLBACK_ID } from "../ids.js";

/** `text` is mrkdwn: escape what it quotes. */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: "modal",
    callback_id: NOTICE_CALLBACK_ID,
    title: plain(title),
    close: plain("Close"),
    blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
  };
}
