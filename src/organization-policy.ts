// The policy the bot runs with: the file's own, or (organization.accounts: aws) the file resolved
// against the organization read from AWS Organizations with the bot's credentials, at start and
// again on schedule (services/organization-refresh.ts). Shared by the bot and jit-admin.
import { createOrganizationsClient } from "./aws/clients.js";
import { readOrganization } from "./aws/organization-reader.js";
import type { Config } from "./config/env.js";
import { loadPolicySource, type PolicySource } from "./config/policy-file.js";
import { ConfigError } from "./config/problems.js";
import { systemClock, type Clock } from "./domain/clock.js";
import { errorText, ProviderError } from "./domain/errors.js";
import type { Policy } from "./domain/policy.js";
import type { OrganizationPolicy, PolicyReading } from "./services/organization-refresh.js";
import { PolicyHolder } from "./services/policy-holder.js";
import type { Logger } from "./services/ports.js";
import { StartupError } from "./startup-error.js";

/**
 * Organizations throttles each account's calls (Organizations user guide, "Quotas for AWS
 * Organizations": throttled requests are answered TooManyRequestsException, which the reader
 * retries); a read of 5,000 accounts is about 430 calls (aws/organization-reader.ts), so this
 * steady rate reads them in under a minute and leaves room for the session fence's own calls.
 */
const READ_CALLS_PER_SECOND = 10;
const READ_RETRIES = 5;

export interface RunningPolicy {
  readonly holder: PolicyHolder;
  /** Where a refresh reads the organization again; null when the file lists its accounts itself. */
  readonly organization: OrganizationPolicy | null;
  close(): void;
}

/** Reads the organization (with its tags only when a rule needs them) and resolves the policy against it. */
export function organizationPolicy(source: PolicySource, config: Config, clock: Clock): OrganizationPolicy & { close(): void } {
  const organizations = createOrganizationsClient(config.aws.assumeRoleArn);
  return {
    refreshMs: source.refreshMs,
    async read(): Promise<PolicyReading> {
      let snapshot;
      try {
        snapshot = await readOrganization(organizations.client, {
          callsPerSecond: READ_CALLS_PER_SECOND,
          retries: READ_RETRIES,
          withTags: source.withTags,
          clock,
        });
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        return { kind: "failed", stage: "read", problem: error.message };
      }
      try {
        const { policy, warnings } = source.check(snapshot);
        return { kind: "read", policy, snapshot, warnings };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return { kind: "failed", stage: "resolve", problem: error.message };
      }
    },
    close: () => organizations.destroy(),
  };
}

/**
 * The policy at start. With organization.accounts: aws, the organization is read first and a read
 * or resolve that fails stops the start (StartupError naming the problem): the bot never runs on
 * a policy it could not build. The file's warnings are logged.
 */
export async function startingPolicy(source: PolicySource, config: Config, logger: Logger, clock: Clock): Promise<RunningPolicy> {
  if (!source.needsOrganization) {
    return { holder: new PolicyHolder(source.resolve(null)), organization: null, close: () => undefined };
  }
  const organization = organizationPolicy(source, config, clock);
  try {
    const reading = await organization.read();
    if (reading.kind === "failed") {
      throw new StartupError(
        reading.stage === "read"
          ? `The policy takes its accounts from AWS Organizations (organization.accounts: aws), and they cannot be read: ${reading.problem}`
          : reading.problem,
      );
    }
    for (const warning of reading.warnings) logger.warn({}, warning);
    logger.info(
      { accounts: reading.policy.accounts.length, inOrganization: reading.snapshot.accounts.length, refreshMs: source.refreshMs },
      "read the organization's accounts from AWS Organizations",
    );
    return { holder: new PolicyHolder(reading.policy), organization, close: () => organization.close() };
  } catch (error) {
    organization.close();
    throw error instanceof StartupError ? error : new StartupError(`Reading AWS Organizations failed: ${errorText(error)}`);
  }
}

/** The policy as the bot would run with it now (for jit-admin): the organization is read once when the file needs it. */
export async function policyNow(config: Config, logger: Logger): Promise<Policy> {
  const running = await startingPolicy(loadPolicySource(config.policyFile), config, logger, systemClock);
  running.close();
  return running.holder.current;
}
