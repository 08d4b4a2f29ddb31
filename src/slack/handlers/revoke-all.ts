// `/jit revoke --all [scope]`, the incident switch: an admin sees what would end in a modal and
// confirms with a reason. The submission is checked again from scratch (admin, scope, reason): a
// view_submission with this callback_id can be sent by anyone who can post to the app.
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { ServiceDeps } from "../../services/deps.js";
import { previewRevokeAll, revokeAll, switchReason } from "../../services/revoke-all.js";
import { userMessage } from "../views/error-messages.js";
import { fieldErrors } from "../views/field-errors.js";
import { nothingToEndText, readRevokeAllReason, revokeAllModal, revokeAllResultText } from "../views/revoke-all-modal.js";
import { REVOKE_ALL_CALLBACK_ID } from "../ids.js";
import { recordBeforeAck, tellDirectly } from "./interaction.js";

/**
 * Checked before the modal opens, so a refusal or an empty scope is said at once, ephemerally, with
 * no modal. Both answers come well inside the trigger_id's 3 s; if Slack will not open the modal
 * anyway, the admin is asked to run the command again.
 */
export async function openRevokeAll(
  deps: ServiceDeps,
  client: WebClient,
  caller: { readonly userId: string; readonly triggerId: string },
  scope: string,
  say: (text: string) => Promise<void>,
): Promise<void> {
  const preview = await previewRevokeAll(deps, caller.userId, { kind: "typed", text: scope });
  if (preview.active.length === 0) return say(nothingToEndText(preview, deps.policy.accounts));
  try {
    await client.views.open({ trigger_id: caller.triggerId, view: revokeAllModal(preview, deps.policy.accounts) });
  } catch (error) {
    deps.logger.warn({ user: caller.userId, err: (error as Error).message }, "could not open the incident switch's confirmation");
    await say(":x: Slack would not open the confirmation in time. Nothing has ended; run the command again.");
  }
}

export function registerRevokeAll(app: App, deps: ServiceDeps): void {
  app.view(REVOKE_ALL_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const actorId = body.user.id;
    let reason: string;
    try {
      reason = switchReason(readRevokeAllReason(view.state.values) ?? "");
    } catch (error) {
      // Shown under the field, so the modal stays open with what was typed.
      return void (await ack(fieldErrors(error, "reason")));
    }
    try {
      // Every grant is marked ending before Slack hears the modal closed; AWS follows.
      const followUp = await recordBeforeAck(ack, () =>
        revokeAll(deps, { actorId, scope: { kind: "key", key: view.private_metadata }, reason }),
      );
      await tellDirectly(client, actorId, revokeAllResultText(await followUp(), deps.policy.accounts));
    } catch (error) {
      await tellDirectly(client, actorId, userMessage(error, deps.logger, { user: actorId, view: REVOKE_ALL_CALLBACK_ID }));
    }
  });
}
