// "Extend" on an expiry warning: how much more time, offering only what keeps the grant within
// its rule's maximum total. The grant id rides in private_metadata.
import type { KnownBlock, ModalView } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import type { Grant } from "../../domain/grant.js";
import type { Account, Rule } from "../../domain/policy.js";
import { summary } from "./blocks.js";
import { slackDate } from "./escape.js";
import { durationOptions } from "./duration-options.js";
import { plain } from "./parts.js";
import { selectedValue } from "./view-state.js";
import { EXTEND_CALLBACK_ID } from "../ids.js";

/** How much longer the grant may run under the rule, or 0 when it is not active or has no time left. */
export function extensionRoom(grant: Grant, rule: Rule): number {
  if (grant.status !== "active" || grant.activatedAt === null || grant.expiresAt === null) return 0;
  return Math.max(0, rule.maxTotalDurationMs - (grant.expiresAt - grant.activatedAt));
}

function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text } };
}

export function extendModal(grant: Grant, rule: Rule, accounts: readonly Account[]): ModalView {
  const base = { type: "modal", callback_id: EXTEND_CALLBACK_ID, private_metadata: grant.id, title: plain("Extend access") } as const;
  const what = `${summary(grant, accounts)} (\`${grant.id}\`)`;
  if (grant.status !== "active" || grant.expiresAt === null) {
    return { ...base, close: plain("Close"), blocks: [section(`${what} is ${grant.status}: only active access can be extended.`)] };
  }
  const choices = durationOptions(extensionRoom(grant, rule));
  const ends = `${what} ends ${slackDate(grant.expiresAt)}.`;
  if (choices.length === 0) {
    return {
      ...base,
      close: plain("Close"),
      blocks: [
        section(
          `${ends}\nIt has reached the ${formatDuration(rule.maxTotalDurationMs)} its rule allows in all, so it cannot be extended. Request access again if you need more.`,
        ),
      ],
    };
  }
  const approval = rule.autoApprove.kind === "always" ? "" : " Depending on the rule, an approver may have to agree first.";
  const most = choices[choices.length - 1]?.value ?? "";
  return {
    ...base,
    submit: plain("Extend"),
    close: plain("Cancel"),
    blocks: [
      section(`${ends}${approval}`),
      {
        type: "input",
        block_id: "duration",
        label: plain("More time"),
        element: { type: "static_select", action_id: "duration", placeholder: plain("How much longer"), options: choices },
        hint: plain(`At most ${most} more: the rule allows ${formatDuration(rule.maxTotalDurationMs)} in all.`),
      },
    ],
  };
}

/** The extra time chosen in the extend modal ("30m", "2h"), or undefined. */
export function readExtendDuration(values: unknown): string | undefined {
  return selectedValue(values, "duration");
}
