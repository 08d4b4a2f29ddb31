// Bolt listeners: ack first, hand off to a service, and turn the outcome into words.
import type { App } from "@slack/bolt";
import type { ServiceDeps } from "../../services/deps.js";
import type { HomePublisher } from "../adapters/home-publisher.js";
import type { Admission } from "../transport/admission.js";
import { registerActivityReview } from "./activity-review.js";
import { registerCommand } from "./command.js";
import { registerDecisions } from "./decisions.js";
import { registerGrantActions } from "./grant-actions.js";
import { registerHome } from "./home.js";
import { registerRequestForm } from "./request-form.js";
import { registerRevokeAll } from "./revoke-all.js";
import { registerTargetOptions } from "./target-options.js";

/**
 * `admission` bounds the new requests and extensions acknowledged but not yet stored and posted;
 * `home` publishes the Home tabs (none: the Home tab is not served).
 */
export function registerListeners(app: App, deps: ServiceDeps, admission: Admission, home?: HomePublisher): void {
  registerCommand(app, deps, admission);
  registerDecisions(app, deps);
  registerRequestForm(app, deps, admission);
  registerTargetOptions(app, deps);
  registerGrantActions(app, deps);
  registerRevokeAll(app, deps);
  if (home) registerHome(app, deps, admission, home);
  registerActivityReview(app, deps);
}
