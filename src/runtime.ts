// The pieces every entry point (the bot, the admin CLI) builds from configuration the same way.
import { SessionFence } from "./services/session-fence.js";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { LogLevel, WebClient, type WebClientOptions } from "@slack/web-api";
import { assumedRoleCredentials } from "./aws/assumed-role.js";
import { createAwsClients, createS3Client, createStsClient, createTrailS3Client, type AwsClients } from "./aws/clients.js";
import { CloudTrailActivity } from "./aws/cloudtrail-activity.js";
import { IdentityStoreUserNames } from "./aws/identity-store-users.js";
import { S3TrailActivity } from "./aws/s3-trail-activity.js";
import { SlackDigestPoster } from "./slack/adapters/digest-poster.js";
import { S3Sink } from "./aws/s3-anchor.js";
import { FileSink } from "./audit/file-sink.js";
import type { AuditSink } from "./audit/sinks.js";
import { SlackCheckpointSink } from "./slack/adapters/audit-channel-copy.js";
import { discoverIdentityCenter } from "./aws/discovery.js";
import { discoverGroups } from "./aws/group-discovery.js";
import type { IdentityGroup } from "./domain/group-access.js";
import { IdentityCenterProvider } from "./aws/identity-center.js";
import type { Config, DatabaseConfig } from "./config/env.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Policy } from "./domain/policy.js";
import type { ServiceDeps } from "./services/deps.js";
import { PolicyHolder, type CurrentPolicy } from "./services/policy-holder.js";
import type { AccessProvider, ActivitySource, Leases, Logger } from "./services/ports.js";
import { LeasedCreationBudget, OUTSTANDING_CREATIONS_QUOTA } from "./services/creation-budget.js";
import { setUpFence, type FenceSetup } from "./fence-setup.js";
import { grantsAtOnce } from "./services/quota-share.js";
import { RefusalRecorder } from "./services/refusals.js";
import { WorkTracker } from "./services/work-tracker.js";
import { boltLogger } from "./slack/adapters/bolt-logger.js";
import { SlackDirectory } from "./slack/adapters/directory.js";
import { SlackNotifier } from "./slack/adapters/notifier.js";
import { usergroupsIn } from "./config/policy-file.js";
import { StartupError } from "./startup-error.js";
import type { StoreBackend } from "./store/backend.js";
import { openSqliteBackend } from "./store/sqlite/sqlite-backend.js";

export interface ConnectedAws {
  readonly provider: IdentityCenterProvider;
  /** The SDK clients behind the provider, for readiness probes and metrics. */
  readonly clients: AwsClients;
  readonly instanceArn: string;
  /** Where revocation ends role sessions too, and the writer of the fence policies (null when the fence is off or cannot work). */
  readonly fence: FenceSetup;
  /** Where activity digests read CloudTrail (null when JIT_ACTIVITY_DIGEST is off). */
  readonly activity: ActivitySource | null;
  /** The groups the policy's rules offer. */
  readonly groups: readonly IdentityGroup[];
  close(): void;
}

/**
 * Attempts per LookupEvents page, or per S3 call on the organization trail's bucket (SlowDown, 5xx),
 * and their backoff: at most about 8 s of retrying before a region counts as throttled.
 */
const ACTIVITY_RETRIES = { retries: 5, backoffMs: { base: 250, cap: 4_000 } } as const;

/** The reader of JIT_ACTIVITY_SOURCE: CloudTrail event history in each account, or the organization trail's bucket. */
function activityReader(
  config: Config,
  instanceArn: string,
  identityStoreId: string,
  aws: AwsClients,
): { readonly reader: ActivitySource; close(): void } | null {
  if (!config.activity) return null;
  const sts = createStsClient(config.aws.assumeRoleArn);
  const userNames = new IdentityStoreUserNames(aws.identityStore, identityStoreId);
  const source = config.activity.source;
  if (source.kind === "s3") {
    const s3 = createTrailS3Client(
      config.aws.assumeRoleArn,
      source.roleArn ? assumedRoleCredentials(sts.client, source.roleArn, "jit-slack-activity") : undefined,
    );
    const reader = new S3TrailActivity({ trail: source, regions: config.activity.regions, ...ACTIVITY_RETRIES }, s3.client, userNames);
    return {
      reader,
      close: () => {
        s3.destroy();
        sts.destroy();
      },
    };
  }
  const reader = new CloudTrailActivity(
    {
      roleName: config.activity.roleName,
      regions: config.activity.regions,
      partition: /^arn:(aws[a-z-]*):/.exec(instanceArn)?.[1] ?? "aws",
      ...ACTIVITY_RETRIES,
    },
    sts.client,
    userNames,
  );
  return {
    reader,
    close: () => {
      reader.close();
      sts.destroy();
    },
  };
}

/** The database's leases and this process's name in them: what processes sharing one AWS account coordinate through. */
export interface SharedLeases {
  readonly leases: Leases;
  readonly holder: string;
}

/**
 * Checks AWS (identity, instance, permission sets) and returns the access provider. The permission
 * sets come from the policy file, so a policy read again later has the same ones. The quota of
 * creations outstanding is kept in `shared`, so every process on the database stays within it together.
 */
export async function connectAws(
  config: Config,
  policies: CurrentPolicy,
  logger: Logger,
  clock: Clock,
  shared: SharedLeases,
): Promise<ConnectedAws> {
  const aws = createAwsClients(config.aws.assumeRoleArn);
  try {
    const discovered = await discoverIdentityCenter(aws, config.aws, policies.current.permissionSets);
    // Like the permission sets, the groups come from the file's rules and are resolved once.
    const groups = await discoverGroups(aws, discovered.identityStoreId, [
      ...new Set(policies.current.rules.flatMap((rule) => rule.groups)),
    ]);
    logger.info(
      {
        callerArn: discovered.callerArn,
        account: discovered.callerAccount,
        instanceArn: discovered.instanceArn,
        identityStoreId: discovered.identityStoreId,
        assumedRole: config.aws.assumeRoleArn ?? null,
      },
      "connected to AWS IAM Identity Center",
    );
    const provider = new IdentityCenterProvider(
      aws.ssoAdmin,
      aws.identityStore,
      {
        instanceArn: discovered.instanceArn,
        identityStoreId: discovered.identityStoreId,
        permissionSetArns: discovered.permissionSetArns,
        permissionSetNames: discovered.permissionSetNames,
        callsPerSecond: config.aws.callsPerSecond,
        pollIntervalMs: config.aws.pollIntervalMs,
        operationTimeoutMs: 5 * 60_000,
        retries: 5,
      },
      clock,
      new LeasedCreationBudget({ ...shared, clock, slots: OUTSTANDING_CREATIONS_QUOTA }),
    );
    const fence = await setUpFence(config, policies, discovered.sessionDurationMs, clock);
    const activity = activityReader(config, discovered.instanceArn, discovered.identityStoreId, aws);
    const close = () => {
      activity?.close();
      fence.close();
      aws.destroy();
    };
    return { provider, clients: aws, instanceArn: discovered.instanceArn, fence, activity: activity?.reader ?? null, groups, close };
  } catch (error) {
    aws.destroy();
    throw error;
  }
}

/**
 * Opens the configured database (SQLite file or PostgreSQL URL) and brings its schema up to date;
 * `logger` hears of SQLite files found readable by others.
 */
export async function openStore(database: DatabaseConfig, clock: Clock, logger?: Pick<Logger, "warn">): Promise<StoreBackend> {
  if (database.kind === "sqlite") {
    try {
      return openSqliteBackend(database.file, clock, logger);
    } catch (error) {
      throw new StartupError(`Cannot open the database JIT_DATABASE_FILE=${database.file}: ${(error as Error).message}`);
    }
  }
  try {
    // Loaded only when asked for: a SQLite bot never pays for the PostgreSQL driver.
    const { openPostgresBackend } = await import("./store/postgres/postgres-backend.js");
    return await openPostgresBackend(database.url, clock, database.migrationUrl);
  } catch (error) {
    throw new StartupError(`Cannot open the database DATABASE_URL: ${(error as Error).message}`);
  }
}

/**
 * Refuses to run on a database whose credentials could alter the audit trail (a PostgreSQL owner or
 * superuser), unless JIT_ALLOW_PRIVILEGED_DATABASE_ROLE says to; logs what is allowed or merely unwise.
 */
export async function guardAuditTrail(opened: StoreBackend, config: Config, logger: Logger): Promise<void> {
  const safety = await opened.auditSafety();
  for (const warning of safety.warnings) logger.warn({}, warning);
  if (safety.refusals.length === 0) return;
  if (config.audit.allowPrivilegedDatabaseRole) {
    for (const refusal of safety.refusals) logger.warn({}, `${refusal}; allowed by JIT_ALLOW_PRIVILEGED_DATABASE_ROLE=true`);
    return;
  }
  throw new StartupError(
    `The PostgreSQL role in DATABASE_URL could alter the audit trail: ${safety.refusals.join("; ")}. ` +
      "Run the bot as a role with only the grants in the README (Several replicas on PostgreSQL), migrating as the tables' owner " +
      "with DATABASE_MIGRATION_URL or jit-admin migrate; or set JIT_ALLOW_PRIVILEGED_DATABASE_ROLE=true to start anyway.",
  );
}

/**
 * The copies of the audit trail outside the database that the checkpointer feeds: the audit channel
 * (checkpoints; the feed posts the records), and the anchor file and S3 bucket when configured.
 * `slack` is the audit channel's own client (AUDIT_CLIENT_OPTIONS).
 */
export function auditSinks(config: Config, slack: WebClient, now: () => number): { readonly sinks: AuditSink[]; close(): void } {
  const s3 = config.audit.s3 ? createS3Client(config.aws.assumeRoleArn) : undefined;
  const sinks: AuditSink[] = [
    new SlackCheckpointSink(slack, config.auditChannel),
    ...(config.audit.anchorFile ? [new FileSink(config.audit.anchorFile)] : []),
    ...(s3 && config.audit.s3 ? [new S3Sink(s3.client, config.audit.s3, now)] : []),
  ];
  return { sinks, close: () => s3?.destroy() };
}

// Bounded: the Web API client's defaults retry for about 30 minutes with no per-request timeout.
export function slackClientOptions(config: Config): WebClientOptions {
  return {
    timeout: 10_000,
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
  };
}

export interface DepsParts {
  readonly config: Config;
  /** Read at each use: a refresh of the organization replaces the policy it holds. */
  readonly policies: CurrentPolicy;
  readonly logger: Logger;
  readonly opened: StoreBackend;
  readonly provider: AccessProvider;
  /** The AWS calls per second this process may make now (its share of the quota). */
  readonly callsPerSecond: () => number;
  readonly fence: FenceSetup;
  /** Where activity digests read CloudTrail, when they are on. */
  readonly activity: ActivitySource | null;
  readonly groups: readonly IdentityGroup[];
  readonly client: WebClient;
  readonly clock: Clock;
  /** Who this process is in the database's leases (see leaseHolder). */
  readonly holder: string;
}

/**
 * The name this process takes leases under. A SQLite file serves one bot, so every bot on it is
 * "bot" and a restarted bot takes over its dead predecessor's leases at once; PostgreSQL replicas
 * each need a name of their own, and wait out a dead replica's leases.
 */
export function leaseHolder(role: "bot" | "jit-admin", database: DatabaseConfig): string {
  if (role === "bot" && database.kind === "sqlite") return "bot";
  return `${role}:${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** The services' dependencies, built one way for the bot and the admin CLI. */
export function serviceDeps(parts: DepsParts): ServiceDeps {
  const { config, policies, logger, opened, provider, callsPerSecond, fence, client, clock, holder, groups } = parts;
  const activity =
    parts.activity && config.activity
      ? {
          digests: opened.activityDigests,
          source: parts.activity,
          poster: new SlackDigestPoster(client, policies),
          delayMs: config.activity.delayMs,
          flagged: config.activity.flagged,
        }
      : undefined;
  return {
    store: opened.store,
    operations: opened.operations,
    extensions: opened.extensions,
    provider,
    notifier: new SlackNotifier(
      client,
      policies,
      config.accessPortalUrl,
      logger,
      { copies: opened.approverMessages, grants: opened.store, nudges: opened.nudges },
      fence.facts,
    ),
    // The user groups come from the file's rules, which a refresh of the organization does not change.
    directory: new SlackDirectory(client, usergroupsIn(policies.current), () => clock.now()),
    clock,
    get policy() {
      return policies.current;
    },
    logger,
    work: new WorkTracker({ leases: opened.leases, holder, clock }),
    refusals: new RefusalRecorder(opened.store, logger, clock),
    settings: { revocationAlertAfter: config.revocationAlertAfter, revocationsAtOnce: () => grantsAtOnce(callsPerSecond()) },
    fenceFacts: fence.facts,
    sessionFence: new SessionFence(opened.fenceEntries, fence.writer),
    nudges: opened.nudges,
    ...(activity ? { activity } : {}),
    groups,
  };
}

/**
 * For one-off work outside the bot (the admin CLI): connects to AWS, builds the services'
 * dependencies with a plain Web API client, runs `work`, and disconnects.
 */
export async function withServiceDeps<T>(
  config: Config,
  policy: Policy,
  logger: Logger,
  opened: StoreBackend,
  work: (deps: ServiceDeps) => Promise<T>,
): Promise<T> {
  const policies = new PolicyHolder(policy);
  const holder = leaseHolder("jit-admin", config.database);
  const aws = await connectAws(config, policies, logger, systemClock, { leases: opened.leases, holder });
  try {
    const client = new WebClient(config.slack.botToken, { ...slackClientOptions(config), logger: boltLogger(logger, LogLevel.WARN) });
    const callsPerSecond = () => aws.provider.callsPerSecond;
    const deps = serviceDeps({
      config,
      policies,
      logger,
      opened,
      provider: aws.provider,
      callsPerSecond,
      fence: aws.fence,
      activity: aws.activity,
      groups: aws.groups,
      client,
      clock: systemClock,
      holder,
    });
    try {
      return await work(deps);
    } finally {
      deps.work.stop();
    }
  } finally {
    aws.close();
  }
}
