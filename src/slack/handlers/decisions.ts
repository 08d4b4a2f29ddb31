// Approve and Deny on requests and extensions, the deny-reason modal, and break-glass review. Each
// decision is on record before Slack is answered (recordBeforeAck), what follows from it after.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { ServiceDeps } from "../../services/deps.js";
import { checkDecidable, recordDecision } from "../../services/decide.js";
import { recordExtensionDecision } from "../../services/extend.js";
import { recordReview } from "../../services/review.js";
import { userMessage } from "../views/error-messages.js";
import { denyReasonModal, DENY_TITLE, readDenyReason } from "../views/deny-reason-modal.js";
import { approvalReceiptText } from "../views/outcome-text.js";
import { noticeModal } from "../views/notice-modal.js";
import { checkedId, handleButton, handleDecisionButton, idFrom, openThenShow, recordBeforeAck, tellDirectly } from "./interaction.js";
import {
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_EXTENSION_APPROVE,
  ACTION_EXTENSION_DENY,
  ACTION_REVIEW,
  DENY_REASON_CALLBACK_ID,
} from "../ids.js";

const button = (actionId: string) => ({ type: "block_actions" as const, action_id: actionId });

export function registerDecisions(app: App, deps: ServiceDeps): void {
  app.action<BlockAction<ButtonAction>>(button(ACTION_APPROVE), async (args) =>
    handleDecisionButton(deps.logger, args, async () => {
      const followUp = await recordDecision(deps, {
        grantId: idFrom(args.action, "grant"),
        deciderId: args.body.user.id,
        decision: "approve",
      });
      return async () => approvalReceiptText(await followUp());
    }),
  );

  // Deny asks for an optional reason first, of someone who may deny (the form would only be refused
  // on submit otherwise); the decision is made, with every check again, when the form is submitted.
  // The form opens at once, as a notice, and the checks (which look the approver up in Slack) run
  // after it: a trigger_id expires 3 s after the click, sooner than a slow lookup may answer.
  app.action<BlockAction<ButtonAction>>(button(ACTION_DENY), async (args) =>
    handleButton(deps.logger, args, async () => {
      const grantId = idFrom(args.action, "grant");
      const deciderId = args.body.user.id;
      await openThenShow(
        args.client,
        args.body.trigger_id,
        noticeModal(DENY_TITLE, `:hourglass_flowing_sand: Checking that you may deny \`${grantId}\`…`),
        async () => {
          try {
            return denyReasonModal(await (await checkDecidable(deps, grantId, deciderId))(), deps.policy.accounts);
          } catch (error) {
            return noticeModal(DENY_TITLE, userMessage(error, deps.logger, { user: deciderId, action: ACTION_DENY }));
          }
        },
      );
    }),
  );

  app.view(DENY_REASON_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const reason = readDenyReason(view.state.values);
    try {
      const followUp = await recordBeforeAck(ack, () =>
        recordDecision(deps, {
          grantId: checkedId(view.private_metadata, "grant"),
          deciderId: body.user.id,
          decision: "deny",
          ...(reason ? { reason } : {}),
        }),
      );
      await followUp();
    } catch (error) {
      await tellDirectly(client, body.user.id, userMessage(error, deps.logger, { user: body.user.id }));
    }
  });

  for (const [actionId, decision] of [
    [ACTION_EXTENSION_APPROVE, "approve"],
    [ACTION_EXTENSION_DENY, "deny"],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(button(actionId), async (args) =>
      handleDecisionButton(deps.logger, args, async () => {
        const followUp = await recordExtensionDecision(deps, {
          extensionId: idFrom(args.action, "extension"),
          deciderId: args.body.user.id,
          decision,
        });
        return async () => approvalReceiptText(await followUp());
      }),
    );
  }

  app.action<BlockAction<ButtonAction>>(button(ACTION_REVIEW), async (args) =>
    handleDecisionButton(deps.logger, args, async () => {
      const followUp = await recordReview(deps, { grantId: idFrom(args.action, "grant"), reviewerId: args.body.user.id });
      return async () => void (await followUp());
    }),
  );
}
