// Bolt listeners: ack first, hand off to a service, and turn the outcome into words.
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { NotFound } from "../domain/errors.js";
import type { Account } from "../domain/policy.js";
import type { ServiceDeps } from "../services/deps.js";
import { decide, type Decision } from "../services/decide.js";
import { requestAccess } from "../services/request-access.js";
import { ACTION_APPROVE, ACTION_DENY, requestConfirmation } from "./blocks.js";
import { parseJitCommand, REQUEST_USAGE, type JitCommand } from "./command-parser.js";
import { userMessage } from "./error-messages.js";

const GRANT_ID = /^jit-[a-z0-9]{8}$/;

export const HELP_TEXT = [
  "*jit-slack* gives you AWS access for a limited time, with approval.",
  `• \`${REQUEST_USAGE}\`: ask for a permission set on an account, e.g. \`/jit request prod ReadOnlyAccess 2h INC-123 checking alarms\``,
  "• `/jit help`: this message",
  "Durations look like `30m`, `2h` or `1h30m`.",
].join("\n");

export function registerListeners(app: App, deps: ServiceDeps, accounts: readonly Account[]): void {
  app.command("/jit", async ({ command, ack, respond }) => {
    let parsed: JitCommand;
    try {
      parsed = parseJitCommand(command.text);
    } catch (error) {
      await ack({ response_type: "ephemeral", text: userMessage(error, deps.logger, { user: command.user_id }) });
      return;
    }
    if (parsed.kind === "help") {
      await ack({ response_type: "ephemeral", text: HELP_TEXT });
      return;
    }
    await ack();
    let reply: string;
    try {
      const grant = await requestAccess(deps, {
        requesterId: command.user_id,
        teamId: command.team_id,
        account: parsed.account,
        permissionSet: parsed.permissionSet,
        duration: parsed.duration,
        justification: parsed.justification,
      });
      deps.logger.info({ grantId: grant.id, user: command.user_id, status: grant.status }, "access requested");
      reply = requestConfirmation(grant, accounts);
    } catch (error) {
      reply = userMessage(error, deps.logger, { user: command.user_id });
    }
    await respond({ response_type: "ephemeral", text: reply });
  });

  const decisionListener =
    (decision: Decision) =>
    async ({ ack, body, action, respond }: { ack: () => Promise<void>; body: BlockAction; action: ButtonAction; respond: (m: { response_type: "ephemeral"; replace_original: false; text: string }) => Promise<unknown> }) => {
      await ack();
      const grantId = action.value ?? "";
      const context = { user: body.user.id, grantId: grantId.slice(0, 40), decision };
      try {
        if (!GRANT_ID.test(grantId)) throw new NotFound("That button does not belong to any request jit-slack knows.");
        const grant = await decide(deps, { grantId, deciderId: body.user.id, decision });
        deps.logger.info({ ...context, status: grant.status }, "request decided");
      } catch (error) {
        await respond({ response_type: "ephemeral", replace_original: false, text: userMessage(error, deps.logger, context) });
      }
    };
  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_APPROVE }, decisionListener("approve"));
  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: ACTION_DENY }, decisionListener("deny"));
}
