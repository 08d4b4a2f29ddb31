// How the bot words what came of an extension, an ending or an approval, for the person who asked:
// the same words whether they used the slash command, a button or a form.
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import type { DecisionResult } from "../../services/decision-flow.js";
import type { ExtensionResult } from "../../services/extend.js";
import { summary } from "./blocks.js";
import { slackDate } from "./escape.js";

function named(grant: Grant, accounts: readonly Account[]): string {
  return `${summary(grant, accounts)} (${grant.id})`;
}

export function extensionResultText(result: ExtensionResult, accounts: readonly Account[]): string {
  return result.kind === "extended"
    ? `:heavy_plus_sign: ${named(result.grant, accounts)} now ends ${slackDate(result.grant.expiresAt ?? 0)}.`
    : `:inbox_tray: Extension ${result.extension.id} for ${result.grant.id} was sent to the approvers.`;
}

/** A grant after it was ended early: withdrawn before AWS was touched, or its access removed or being removed. */
export function endResultText(grant: Grant, accounts: readonly Account[]): string {
  switch (grant.status) {
    case "cancelled":
      return `:leftwards_arrow_with_hook: Request ${named(grant, accounts)} withdrawn.`;
    case "revoked":
      return `:lock: ${named(grant, accounts)} has ended; the access is removed.`;
    default:
      return `:lock: ${named(grant, accounts)} has ended; the access is being removed and you will get a message when it is gone.`;
  }
}

/** The approver's own receipt for an approval that did not yet reach the quorum; none once it is decided. */
export function approvalReceiptText(
  result: DecisionResult<{ readonly id: string; readonly bundleId?: string | null }>,
): string | undefined {
  if (!result.pending) return undefined;
  const { subject, targets = 1 } = result;
  const what = subject.bundleId && targets > 1 ? `${targets} targets of ${subject.bundleId}` : subject.id;
  return `:ballot_box_with_check: Your approval of ${what} is recorded: ${result.approvals} of ${result.required}.`;
}
