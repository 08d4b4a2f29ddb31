// The Home tab: published when its owner opens it (app_home_opened), and the two buttons only it
// has, Request access (the /jit form) and Request again (a small form for an ended grant's target).
// Its other buttons are those of the approval messages and the expiry warning, heard in their files.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { formatDuration } from "../../domain/duration.js";
import { NotFound } from "../../domain/errors.js";
import type { Grant } from "../../domain/grant.js";
import type { ServiceDeps } from "../../services/deps.js";
import { ruleOf } from "../../services/decision-flow.js";
import type { HomePublisher } from "../adapters/home-publisher.js";
import type { Admission } from "../transport/admission.js";
import { userMessage } from "../views/error-messages.js";
import { viewErrors, type ViewErrors } from "../views/field-errors.js";
import { requestAgainModal } from "../views/request-again-modal.js";
import { readRequestSubmission } from "../views/request-submission.js";
import { checkedId, handleButton, idFrom, tellDirectly } from "./interaction.js";
import { openRequestForm, submitRequestForm } from "./request-form.js";
import { ACTION_HOME_REQUEST, ACTION_REQUEST_AGAIN, REQUEST_AGAIN_CALLBACK_ID } from "../ids.js";

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

export function registerHome(app: App, deps: ServiceDeps, admission: Admission, publisher: HomePublisher): void {
  app.event("app_home_opened", async ({ event }) => {
    // The Messages tab opens this event too; only the Home tab is ours to draw.
    if (event.tab !== "home" || !SLACK_USER.test(event.user)) return;
    publisher.opened(event.user);
  });

  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_HOME_REQUEST }, async (args) =>
    handleButton(deps.logger, args, () => openRequestForm(deps, args.client, args.body.user.id, args.body.trigger_id)),
  );

  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_REQUEST_AGAIN }, async (args) =>
    handleButton(deps.logger, args, async () => {
      const grant = await ownGrant(deps, idFrom(args.action, "grant"), args.body.user.id);
      await args.client.views.open({
        trigger_id: args.body.trigger_id,
        view: requestAgainModal(grant, ruleOf(deps, grant), deps.policy.accounts),
      });
    }),
  );

  app.view(REQUEST_AGAIN_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const submitted = readRequestSubmission(view.state.values);
    if (submitted.justification === undefined) return void (await ack(viewErrors({ justification: "Say why you need this access." })));
    let earlier: Grant;
    try {
      earlier = await ownGrant(deps, checkedId(view.private_metadata, "grant"), body.user.id);
    } catch (error) {
      await ack();
      return void (await tellDirectly(client, body.user.id, userMessage(error, deps.logger, { user: body.user.id })));
    }
    const submitter = {
      ack: (response?: ViewErrors) => ack(response),
      client,
      userId: body.user.id,
      teamId: body.team?.id ?? body.user.team_id ?? "",
    };
    // Target and duration come from the stored grant, never from the form; the checks run as for any request.
    await submitRequestForm(deps, admission, submitter, {
      ...(earlier.groupId !== null ? { group: earlier.groupId } : {}),
      accountIds: [earlier.accountId],
      permissionSets: [earlier.permissionSetName],
      duration: formatDuration(earlier.durationMs),
      justification: submitted.justification,
      ticket: submitted.ticket ?? null,
    });
  });
}

/** The person's own grant; someone else's is as unknown to them as one that does not exist. */
async function ownGrant(deps: ServiceDeps, grantId: string, userId: string): Promise<Grant> {
  const grant = await deps.store.get(grantId);
  if (!grant || grant.requesterId !== userId) throw new NotFound(`You have no grant ${grantId}.`);
  return grant;
}
