// The policy the bot runs with: the file's own, or (organization.accounts: aws) the file resolved
// against the organization: the snapshot stored in the database while it is younger than
// refreshMinutes, else read from AWS Organizations with the bot's credentials and stored for the
// other processes (services/shared-organization.ts); read again on schedule
// (services/organization-refresher.ts). Shared by the bot and jit-admin.
import { createOrganizationsClient } from "./aws/clients.js";
import { readOrganization } from "./aws/organization-reader.js";
import type { Config } from "./config/env.js";
import { parseOrgSnapshot } from "./config/org-snapshot-file.js";
import { loadPolicySource, type PolicySource } from "./config/policy-file.js";
import { ConfigError } from "./config/problems.js";
import { systemClock, type Clock } from "./domain/clock.js";
import { errorText, ProviderError } from "./domain/errors.js";
import type { OrgSnapshot } from "./domain/organization.js";
import type { Policy } from "./domain/policy.js";
import type { OrganizationPolicy, PolicyReading } from "./services/organization-refresh.js";
import { PolicyHolder } from "./services/policy-holder.js";
import type { Leases, Logger, OrganizationSnapshots } from "./services/ports.js";
import { startingOrganization, type SharedOrganization } from "./services/shared-organization.js";
import { WorkTracker } from "./services/work-tracker.js";
import { StartupError } from "./startup-error.js";

/**
 * Organizations throttles each account's calls (Organizations user guide, "Quotas for AWS
 * Organizations": throttled requests are answered TooManyRequestsException, which the reader
 * retries); a read of 5,000 accounts is about 430 calls (aws/organization-reader.ts), so this
 * steady rate reads them in under a minute and leaves room for the session fence's own calls.
 */
export const READ_CALLS_PER_SECOND = 10;
export const READ_RETRIES = 5;

/** The database's side of the organization: where the snapshot is shared, and the lease that lets one process read AWS at a time. */
export interface OrganizationSharing {
  readonly snapshots: OrganizationSnapshots;
  readonly leases: Leases;
  /** Who this process is in the leases table. */
  readonly holder: string;
}

export interface RunningPolicy {
  readonly holder: PolicyHolder;
  /** Where a refresh reads the organization again, and the snapshot in force; null when the file lists its accounts itself. */
  readonly organization: { readonly shared: SharedOrganization; readonly inForce: OrgSnapshot } | null;
  close(): void;
}

/** Reads the organization (with its tags only when a rule needs them) and resolves the policy against a snapshot. */
export function organizationPolicy(source: PolicySource, config: Config, clock: Clock): OrganizationPolicy & { close(): void } {
  const organizations = createOrganizationsClient(config.aws.assumeRoleArn);
  return {
    refreshMs: source.refreshMs,
    async read() {
      try {
        const snapshot = await readOrganization(organizations.client, {
          callsPerSecond: READ_CALLS_PER_SECOND,
          retries: READ_RETRIES,
          withTags: source.withTags,
          clock,
        });
        return { kind: "read", snapshot };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        return { kind: "failed", problem: error.message };
      }
    },
    resolve(snapshot): PolicyReading {
      try {
        const { policy, warnings } = source.check(snapshot);
        return { kind: "read", policy, snapshot, warnings };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return { kind: "failed", stage: "resolve", problem: error.message };
      }
    },
    parse(text) {
      try {
        return { kind: "valid", snapshot: parseOrgSnapshot(text, "The organization stored in the database") };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return { kind: "invalid", problem: error.message };
      }
    },
    close: () => organizations.destroy(),
  };
}

/**
 * The policy at start. With organization.accounts: aws, the organization comes first (stored or
 * read, services/shared-organization.ts), and one that cannot be had or does not resolve stops the
 * start (StartupError naming the problem): the bot never runs on a policy it could not build.
 * Without `sharing` (jit-admin commands that only need the policy) AWS is read directly.
 */
export async function startingPolicy(
  source: PolicySource,
  config: Config,
  logger: Logger,
  clock: Clock,
  sharing: OrganizationSharing | null,
): Promise<RunningPolicy> {
  if (!source.needsOrganization) {
    return { holder: new PolicyHolder(source.resolve(null)), organization: null, close: () => undefined };
  }
  const organization = organizationPolicy(source, config, clock);
  try {
    const shared = sharing && { source: organization, snapshots: sharing.snapshots, readBy: sharing.holder, clock };
    const { reading, from } =
      sharing && shared
        ? await startingOrganization(
            shared,
            (key, work) => new WorkTracker({ leases: sharing.leases, holder: sharing.holder, clock }).ifFree(key, work),
            logger,
          )
        : { reading: await readDirectly(organization), from: "aws" };
    if (reading.kind === "failed") {
      throw new StartupError(
        reading.stage === "read"
          ? `The policy takes its accounts from AWS Organizations (organization.accounts: aws), and they cannot be read: ${reading.problem}`
          : reading.problem,
      );
    }
    for (const warning of reading.warnings) logger.warn({}, warning);
    logger.info(
      { accounts: reading.policy.accounts.length, inOrganization: reading.snapshot.accounts.length, refreshMs: source.refreshMs, from },
      from === "aws" ? "read the organization's accounts from AWS Organizations" : "took the organization's accounts from the database",
    );
    return {
      holder: new PolicyHolder(reading.policy),
      organization: shared && { shared, inForce: reading.snapshot },
      close: () => organization.close(),
    };
  } catch (error) {
    organization.close();
    throw error instanceof StartupError ? error : new StartupError(`Reading AWS Organizations failed: ${errorText(error)}`);
  }
}

async function readDirectly(organization: OrganizationPolicy): Promise<PolicyReading> {
  const read = await organization.read();
  return read.kind === "read" ? organization.resolve(read.snapshot) : { kind: "failed", stage: "read", problem: read.problem };
}

/** The policy as the bot would run with it now (for jit-admin): the organization is read once when the file needs it. */
export async function policyNow(config: Config, logger: Logger): Promise<Policy> {
  const running = await startingPolicy(loadPolicySource(config.policyFile), config, logger, systemClock, null);
  running.close();
  return running.holder.current;
}
