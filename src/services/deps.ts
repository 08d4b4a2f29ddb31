import type { Clock } from "../domain/clock.js";
import type { FenceFacts } from "../domain/fence-capability.js";
import type { Policy } from "../domain/policy.js";
import type { AccessProvider, ApprovalNudges, ExtensionStore, GrantStore, Logger, Notifier, OperationLog, UserDirectory } from "./ports.js";
import type { ActivityDeps } from "./activity-digest.js";
import type { IdentityGroup } from "../domain/group-access.js";
import type { RefusalRecorder } from "./refusals.js";
import type { SessionFence } from "./session-fence.js";
import type { WorkTracker } from "./work-tracker.js";

export interface ServiceSettings {
  /** Failed attempts at one revocation after which the audit channel is alerted (and every so many after). */
  readonly revocationAlertAfter: number;
  /** How many revocations this process runs at once beside the sweep (grantsAtOnce of its share of the AWS rate limit). */
  readonly revocationsAtOnce: () => number;
}

/** Everything the use cases need, wired once in main.ts (or a test). */
export interface ServiceDeps {
  readonly store: GrantStore;
  readonly operations: OperationLog;
  readonly extensions: ExtensionStore;
  readonly provider: AccessProvider;
  readonly notifier: Notifier;
  readonly directory: UserDirectory;
  readonly clock: Clock;
  readonly policy: Policy;
  readonly logger: Logger;
  readonly work: WorkTracker;
  readonly refusals: RefusalRecorder;
  readonly settings: ServiceSettings;
  /** Where revocation also ends role sessions (the session fence), and each permission set's session duration. */
  readonly fenceFacts: FenceFacts;
  readonly sessionFence: SessionFence;
  /** Escalations and reminders of pending requests, recorded once each. */
  readonly nudges: ApprovalNudges;
  /** Activity digests after each grant (JIT_ACTIVITY_DIGEST); absent when they are off. */
  readonly activity?: ActivityDeps;
  /** The Identity Center groups the policy's rules offer, resolved at start. */
  readonly groups: readonly IdentityGroup[];
}
