// The /jit form: it opens at once and then shows what the caller may request; choosing an account
// narrows the permission sets, choosing both (or a group) sets the durations on offer; on submit, problems are
// shown on their fields and nothing is stored.
import type { App, BlockAction, StaticSelectAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { indexedChoices } from "../../domain/form-choices.js";
import { maxTargets } from "../../domain/request-bundle.js";
import type { ServiceDeps } from "../../services/deps.js";
import { submitRequest, validateRequest, type ValidRequest } from "../../services/request-access.js";
import { BUSY_MESSAGE, REFUSED_AS_BUSY, type Admission } from "../transport/admission.js";
import { requestConfirmation } from "../views/blocks.js";
import { userMessage } from "../views/error-messages.js";
import { fieldErrors, viewErrors, type ViewErrors } from "../views/field-errors.js";
import { noticeModal } from "../views/notice-modal.js";
import { REQUEST_TITLE, requestModal } from "../views/request-modal.js";
import { readRequestSubmission, requireRequestFields, type CompleteRequest } from "../views/request-submission.js";
import { afterAck, openThenShow, tellDirectly } from "./interaction.js";
import { REQUEST_CALLBACK_ID } from "../ids.js";

/**
 * `/jit` alone: the form opens at once, as a notice, and becomes the form (or says there is nothing
 * to request) once Slack has said who the caller is: a trigger_id expires 3 s after the command, and
 * a slow or rate-limited users.info can take longer than that.
 */
export async function openRequestForm(deps: ServiceDeps, client: WebClient, userId: string, triggerId: string): Promise<void> {
  await openThenShow(client, triggerId, noticeModal(REQUEST_TITLE, ":hourglass_flowing_sand: Finding what you may request…"), async () => {
    try {
      const requester = await deps.directory.person(userId);
      return requestModal({ choices: indexedChoices(deps.policy, requester, deps.groups), requester, maxTargets: maxTargets(deps.policy) });
    } catch (error) {
      return noticeModal(REQUEST_TITLE, userMessage(error, deps.logger, { user: userId, command: "form" }));
    }
  });
}

export function registerRequestForm(app: App, deps: ServiceDeps, admission: Admission): void {
  app.action<BlockAction<StaticSelectAction>>(
    { type: "block_actions", block_id: /^(kind|account|permission_set|group)$/ },
    async ({ ack, body, client }) => {
      await ack();
      await afterAck();
      const view = body.view;
      if (!view || view.callback_id !== REQUEST_CALLBACK_ID) return;
      const requester = await deps.directory.person(body.user.id);
      await client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: requestModal({
          choices: indexedChoices(deps.policy, requester, deps.groups),
          requester,
          selection: readRequestSubmission(view.state.values),
          maxTargets: maxTargets(deps.policy),
        }),
      });
    },
  );

  app.view(REQUEST_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const form = requireRequestFields(readRequestSubmission(view.state.values));
    if ("response_action" in form) {
      await ack(form);
      return;
    }
    const submitter = {
      ack: (response?: ViewErrors) => ack(response),
      client,
      userId: body.user.id,
      teamId: body.team?.id ?? body.user.team_id ?? "",
    };
    await submitRequestForm(deps, admission, submitter, form);
  });
}

/** Who submitted a request form, and how to answer them. */
export interface FormSubmitter {
  readonly ack: (response?: ViewErrors) => Promise<void>;
  readonly client: WebClient;
  readonly userId: string;
  readonly teamId: string;
}

/**
 * The submit of every request form (the /jit form, Request again on the Home tab): every check
 * before anything is stored, a refusal shown on its field, then an admission slot, the ack, and the
 * request stored and posted, the requester told by direct message.
 */
export async function submitRequestForm(deps: ServiceDeps, admission: Admission, by: FormSubmitter, form: CompleteRequest): Promise<void> {
  const { ack, client, userId } = by;
  let valid: ValidRequest;
  try {
    valid = await validateRequest(deps, {
      requesterId: userId,
      teamId: by.teamId,
      accounts: form.accountIds,
      permissionSets: form.permissionSets,
      duration: form.duration,
      justification: form.justification,
      ticket: form.ticket,
      ...(form.group !== undefined ? { group: form.group } : {}),
    });
  } catch (error) {
    const errors = fieldErrors(error, "justification");
    if (errors) return void (await ack(errors));
    await ack();
    return void (await tellDirectly(client, userId, userMessage(error, deps.logger, { user: userId })));
  }
  const release = await admission.enter();
  if (!release) {
    deps.logger.warn({ user: userId, form: true, inProgress: admission.inProgress }, REFUSED_AS_BUSY);
    // On a field, so the form stays open with what they entered.
    return void (await ack(viewErrors({ justification: BUSY_MESSAGE })));
  }
  try {
    await ack();
    await afterAck();
    const grants = await submitRequest(deps, valid);
    await tellDirectly(client, userId, requestConfirmation(grants, deps.policy.accounts));
  } catch (error) {
    await tellDirectly(client, userId, userMessage(error, deps.logger, { user: userId }));
  } finally {
    release();
  }
}
