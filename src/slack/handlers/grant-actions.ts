// The buttons on the expiry warning: Extend (opens a modal) and End now.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { ServiceDeps } from "../../services/deps.js";
import { endGrant } from "../../services/end-grant.js";
import { checkExtendable, requestExtension } from "../../services/extend.js";
import { userMessage } from "../views/error-messages.js";
import { endResultText, extensionResultText } from "../views/outcome-text.js";
import { extendModal, readExtendDuration } from "../views/extend-modal.js";
import { afterAck, checkedId, handleButton, idFrom, tellDirectly } from "./interaction.js";
import { ACTION_END_NOW, ACTION_EXTEND, EXTEND_CALLBACK_ID } from "../ids.js";

export function registerGrantActions(app: App, deps: ServiceDeps): void {
  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_EXTEND }, async (args) =>
    handleButton(deps.logger, args, async () => {
      const { grant, rule } = await checkExtendable(deps, idFrom(args.action, "grant"), args.body.user.id);
      await args.client.views.open({ trigger_id: args.body.trigger_id, view: extendModal(grant, rule, deps.policy.accounts) });
    }),
  );

  app.view(EXTEND_CALLBACK_ID, async ({ ack, body, view, client }) => {
    await ack();
    await afterAck();
    const duration = readExtendDuration(view.state.values) ?? "";
    try {
      const grantId = checkedId(view.private_metadata, "grant");
      const result = await requestExtension(deps, { grantId, requesterId: body.user.id, duration });
      await tellDirectly(client, body.user.id, extensionResultText(result, deps.policy.accounts));
    } catch (error) {
      await tellDirectly(client, body.user.id, userMessage(error, deps.logger, { user: body.user.id }));
    }
  });

  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_END_NOW }, async (args) =>
    handleButton(deps.logger, args, async () => {
      const grant = await endGrant(deps, { grantId: idFrom(args.action, "grant"), actorId: args.body.user.id });
      return endResultText(grant, deps.policy.accounts);
    }),
  );
}
