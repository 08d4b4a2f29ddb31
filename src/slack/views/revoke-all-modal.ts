// The incident switch in Slack: the confirmation modal (how many active grants end and which, with a
// required reason), and what the admin is told before and after. Only the scope's ids ride in
// private_metadata; the submission resolves them again.
import type { ModalView } from "@slack/types";
import type { Grant } from "../../domain/grant.js";
import { scopeKey, type IncidentScope } from "../../domain/incident-scope.js";
import type { Account } from "../../domain/policy.js";
import { MAX_SWITCH_REASON_LENGTH, type SwitchPreview, type SwitchResult } from "../../services/revoke-all.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { accountLabel, LIMITS, plain } from "./parts.js";
import { targetLabel } from "./group-access-text.js";
import { typedValue } from "./view-state.js";
import { REVOKE_ALL_CALLBACK_ID } from "../ids.js";

export const REVOKE_ALL_TITLE = "End access now";
/** How many of the grants the modal names; the rest are counted. */
const LISTED = 10;

function grants(count: number): string {
  return count === 1 ? "1 active grant" : `${count} active grants`;
}

/** " on prod (111122223333)", " of ReadOnlyAccess", both, or nothing for every grant. */
function where(scope: IncidentScope, accounts: readonly Account[]): string {
  const of = scope.permissionSet !== undefined ? ` of ${escapeMrkdwn(scope.permissionSet)}` : "";
  const on = scope.account ? ` on ${accountLabel(scope.account.id, accounts)}` : "";
  return `${of}${on}`;
}

function grantLine(grant: Grant, accounts: readonly Account[]): string {
  const until = grant.expiresAt === null ? "" : ` · until ${slackDate(grant.expiresAt)}`;
  return `• \`${grant.id}\` ${mention(grant.requesterId)} · ${targetLabel(grant, accounts)}${until}`;
}

/** The first grants, one a line, within a section's limit, and how many more there are. */
function grantLines(active: readonly Grant[], accounts: readonly Account[]): string {
  const lines: string[] = [];
  for (const grant of active.slice(0, LISTED)) {
    const line = grantLine(grant, accounts);
    if (lines.join("\n").length + line.length + 100 > LIMITS.sectionText) break;
    lines.push(line);
  }
  const more = active.length - lines.length;
  return more > 0 ? [...lines, `_…and ${more} more._`].join("\n") : lines.join("\n");
}

function alsoEnding(count: number): string {
  if (count === 0) return "";
  return count === 1 ? " 1 more is already being revoked." : ` ${count} more are already being revoked.`;
}

/** Asks the admin to confirm ending `preview.active` (at least one), with a reason. */
export function revokeAllModal(preview: SwitchPreview, accounts: readonly Account[]): ModalView {
  const count = preview.active.length;
  const what =
    `:rotating_light: This ends *${grants(count)}*${where(preview.scope, accounts)} now: each one's AWS access is removed ` +
    `and its requester told.${alsoEnding(preview.ending.length)} Grants that become active before you submit end too.`;
  return {
    type: "modal",
    callback_id: REVOKE_ALL_CALLBACK_ID,
    private_metadata: scopeKey(preview.scope),
    title: plain(REVOKE_ALL_TITLE),
    submit: plain(count === 1 ? "End 1 grant" : `End ${count} grants`),
    close: plain("Cancel"),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: what } },
      { type: "section", text: { type: "mrkdwn", text: grantLines(preview.active, accounts) } },
      {
        type: "input",
        block_id: "reason",
        label: plain("Reason"),
        hint: plain("Recorded with every grant this ends, and in the audit channel."),
        element: {
          type: "plain_text_input",
          action_id: "reason",
          multiline: true,
          max_length: MAX_SWITCH_REASON_LENGTH,
          placeholder: plain("e.g. INC-1234: credentials leaked"),
        },
      },
    ],
  };
}

/** What was typed into the modal's reason, or undefined when nothing was. */
export function readRevokeAllReason(values: unknown): string | undefined {
  return typedValue(values, "reason");
}

/** Nothing active in scope: no modal, only this. */
export function nothingToEndText(preview: SwitchPreview, accounts: readonly Account[]): string {
  const ending = preview.ending.length;
  const already = ending === 0 ? "" : ending === 1 ? " 1 grant there is already being revoked." : ` ${ending} are already being revoked.`;
  return `:information_source: No active grants${where(preview.scope, accounts)}: nothing to end.${already}`;
}

/** What came of the switch, for the admin who threw it. */
export function revokeAllResultText(result: SwitchResult, accounts: readonly Account[]): string {
  const started = result.started.length;
  const already = result.alreadyEnding.length;
  const total = started + already;
  const head =
    started === 0
      ? `:information_source: Nothing left to end${where(result.scope, accounts)}: no grant there was active.`
      : `:lock: You ended ${grants(started)}${where(result.scope, accounts)}.`;
  const before = already === 0 ? "" : already === 1 ? " 1 was already ending." : ` ${already} were already ending.`;
  if (total === 0) return `${head}${before}`;
  const left = result.stillRevoking.length;
  const progress =
    left === 0
      ? ` ${total === 1 ? "It is" : `All ${total} are`} revoked now.`
      : ` ${result.revoked} of ${total} are revoked now; ${left} still being removed, and the bot retries each until AWS confirms it.`;
  return `${head}${before}${progress}`;
}
