// The buttons on the expiry warning: Extend (opens a modal) and End now.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { Conflict, NotFound, PolicyDenied } from "../../domain/errors.js";
import type { ServiceDeps } from "../../services/deps.js";
import { ruleOf } from "../../services/decide.js";
import { endGrant } from "../../services/end-grant.js";
import { requestExtension } from "../../services/extend.js";
import { summary } from "../blocks.js";
import { userMessage } from "../error-messages.js";
import { slackDate } from "../escape.js";
import { extendModal, readExtendDuration } from "../views/extend-modal.js";
import { afterAck, checkedId, handleButton, idFrom, tellDirectly } from "./interaction.js";
import { ACTION_END_NOW, ACTION_EXTEND, EXTEND_CALLBACK_ID } from "../ids.js";

export function registerGrantActions(app: App, deps: ServiceDeps): void {
  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_EXTEND }, async (args) =>
    handleButton(deps.logger, args, async () => {
      const grant = await deps.store.get(idFrom(args.action, "grant"));
      if (!grant) throw new NotFound("That grant no longer exists.");
      if (grant.requesterId !== args.body.user.id) throw new PolicyDenied(`Only the requester of ${grant.id} can ask to extend it.`);
      if (grant.status !== "active") throw new Conflict(`${grant.id} is ${grant.status}; only an active grant can be extended.`);
      await args.client.views.open({ trigger_id: args.body.trigger_id, view: extendModal(grant, ruleOf(deps, grant), deps.policy.accounts) });
    }),
  );

  app.view(EXTEND_CALLBACK_ID, async ({ ack, body, view, client }) => {
    await ack();
    await afterAck();
    const duration = readExtendDuration(view.state.values) ?? "";
    try {
      const grantId = checkedId(view.private_metadata, "grant");
      const result = await requestExtension(deps, { grantId, requesterId: body.user.id, duration });
      const text =
        result.kind === "extended"
          ? `:heavy_plus_sign: ${summary(result.grant, deps.policy.accounts)} (${result.grant.id}) now ends ${slackDate(result.grant.expiresAt ?? 0)}.`
          : `:inbox_tray: Extension ${result.extension.id} for ${result.grant.id} was sent to the approvers.`;
      await tellDirectly(client, body.user.id, text);
    } catch (error) {
      await tellDirectly(client, body.user.id, userMessage(error, deps.logger, { user: body.user.id }));
    }
  });

  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_END_NOW }, async (args) =>
    handleButton(deps.logger, args, async () => {
      const grant = await endGrant(deps, { grantId: idFrom(args.action, "grant"), actorId: args.body.user.id });
      return grant.status === "revoked" ? `:lock: ${grant.id} has ended; the access is removed.` : `:hourglass_flowing_sand: Ending ${grant.id}…`;
    }),
  );
}
