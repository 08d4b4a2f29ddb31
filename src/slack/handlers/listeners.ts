// Bolt listeners: ack first, hand off to a service, and turn the outcome into words.
import type { App } from "@slack/bolt";
import type { ServiceDeps } from "../../services/deps.js";
import type { Admission } from "../transport/admission.js";
import { registerActivityReview } from "./activity-review.js";
import { registerCommand } from "./command.js";
import { registerDecisions } from "./decisions.js";
import { registerGrantActions } from "./grant-actions.js";
import { registerRequestForm } from "./request-form.js";
import { registerRevokeAll } from "./revoke-all.js";
import { registerTargetOptions } from "./target-options.js";

/** `admission` bounds the new requests and extensions acknowledged but not yet stored and posted. */
export function registerListeners(app: App, deps: ServiceDeps, admission: Admission): void {
  registerCommand(app, deps, admission);
  registerDecisions(app, deps);
  registerRequestForm(app, deps, admission);
  registerTargetOptions(app, deps);
  registerGrantActions(app, deps);
  registerRevokeAll(app, deps);
  registerActivityReview(app, deps);
}
