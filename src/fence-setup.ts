// The session fence as configured: what the organization allows (checked at start), the writer of
// the bot's service control policies, and what start-up says about where role sessions outlive
// grants. Shared by the bot and jit-admin.
import { createOrganizationsClient } from "./aws/clients.js";
import { discoverFenceFacts } from "./aws/fence-facts.js";
import { OrganizationsFenceWriter } from "./aws/organizations-fence.js";
import type { Config } from "./config/env.js";
import type { Clock } from "./domain/clock.js";
import { formatDuration } from "./domain/duration.js";
import { LONGEST_SESSION_MS, noFence, type FenceFacts } from "./domain/fence-capability.js";
import type { Policy } from "./domain/policy.js";
import type { CurrentPolicy } from "./services/policy-holder.js";
import { sessionProblems, sessionReport } from "./domain/session-gaps.js";
import type { Logger, SessionFenceWriter } from "./services/ports.js";
import { StartupError } from "./startup-error.js";

export interface FenceSetup {
  readonly facts: FenceFacts;
  readonly writer: SessionFenceWriter | null;
  close(): void;
}

/**
 * Checks the organization when the policy asks for the fence (sessionFence.mode: scp) and builds
 * its writer. A fence that was asked for and cannot work stops the start: nobody should rely on
 * a fence that is not there.
 */
export async function setUpFence(
  config: Config,
  policies: CurrentPolicy,
  sessionDurationMs: ReadonlyMap<string, number>,
  clock: Clock,
): Promise<FenceSetup> {
  // The file's sessionFence section: the same in every policy the holder will hold.
  const settings = policies.current.sessionFence;
  if (settings.mode === "off") return { facts: noFence(sessionDurationMs), writer: null, close: () => undefined };
  const organizations = createOrganizationsClient(config.aws.assumeRoleArn);
  try {
    const facts = await discoverFenceFacts(organizations.client, settings, sessionDurationMs);
    if (facts.unavailable !== null) {
      throw new StartupError(
        `The policy file asks for the session fence (sessionFence.mode: scp), but it cannot work: ${facts.unavailable} Fix that, or set sessionFence.mode: off to run without it (role sessions then outlive grants).`,
      );
    }
    const writer = new OrganizationsFenceWriter(
      organizations.client,
      {
        policyNames: settings.policyNames,
        attachTo: settings.attachTo,
        accountIds: () => policies.current.accounts.map((account) => account.id),
        managementAccountId: facts.managementAccountId,
        callsPerSecond: ORGANIZATIONS_CALLS_PER_SECOND,
        retries: 5,
      },
      clock,
    );
    return { facts, writer, close: () => organizations.destroy() };
  } catch (error) {
    organizations.destroy();
    throw error;
  }
}

/**
 * Organizations throttles each account's calls (AWS Organizations user guide, "Quotas": requests are
 * throttled per account and answered TooManyRequestsException); the fence needs a few calls per
 * write, and writes are coalesced, so a low steady rate is enough.
 */
const ORGANIZATIONS_CALLS_PER_SECOND = 5;

/**
 * What start-up says: with the fence off, one warning that sessions outlive grants; with it on,
 * each target it cannot reach (the management account) and each rule whose requests will be refused.
 */
export function announceFence(policy: Policy, facts: FenceFacts, logger: Pick<Logger, "warn" | "info">): void {
  if (facts.mode === "off") {
    const longest = Math.max(0, ...policy.permissionSets.map((name) => facts.sessionDurationMs.get(name) ?? LONGEST_SESSION_MS));
    logger.warn(
      { sessionFence: "off" },
      `the session fence is off (sessionFence.mode: off): role sessions opened before a grant ends stay valid after it, for up to the permission set's session duration (${formatDuration(longest)} here)`,
    );
    return;
  }
  const { warnings, errors } = sessionProblems(sessionReport(policy, facts, true));
  for (const line of [...warnings, ...errors]) logger.warn({ sessionFence: "scp" }, line);
  logger.info(
    { sessionFence: "scp", policies: policy.sessionFence.policyNames, attachTo: policy.sessionFence.attachTo },
    "the session fence is on",
  );
}
