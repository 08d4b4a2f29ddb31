// The Reviewed button on an activity digest: recorded before the ack like other decisions; only the
// clicker hears of a refusal (audited as refused) or of a review already made.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { reviewActivity } from "../../services/activity-review.js";
import type { ServiceDeps } from "../../services/deps.js";
import { ACTION_REVIEW_ACTIVITY } from "../ids.js";
import { handleDecisionButton, idFrom } from "./interaction.js";

export function registerActivityReview(app: App, deps: ServiceDeps): void {
  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_REVIEW_ACTIVITY }, async (args) =>
    handleDecisionButton(deps.logger, args, async () => {
      await reviewActivity(deps, { grantId: idFrom(args.action, "grant"), reviewerId: args.body.user.id });
      return async () => undefined;
    }),
  );
}
