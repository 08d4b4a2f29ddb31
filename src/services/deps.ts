import type { Clock } from "../domain/clock.js";
import type { FenceFacts } from "../domain/fence-capability.js";
import type { Policy } from "../domain/policy.js";
import type { IdentityGroup } from "../domain/group-access.js";
import type { AccessProvider, ExtensionStore, GrantStore, Logger, Notifier, OperationLog, UserDirectory } from "./ports.js";
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
  /** The Identity Center groups the policy's rules offer, resolved at start. */
  readonly groups: readonly IdentityGroup[];
}
