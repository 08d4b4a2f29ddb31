// Bolt listeners: ack first, hand off to a service, and turn the outcome into words.
import type { App } from "@slack/bolt";
import type { ServiceDeps } from "../services/deps.js";
import { registerCommand } from "./handlers/command.js";
import { registerDecisions } from "./handlers/decisions.js";
import { registerGrantActions } from "./handlers/grant-actions.js";
import { registerRequestForm } from "./handlers/request-form.js";

export function registerListeners(app: App, deps: ServiceDeps): void {
  registerCommand(app, deps);
  registerDecisions(app, deps);
  registerRequestForm(app, deps);
  registerGrantActions(app, deps);
}
