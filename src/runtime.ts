// The pieces every entry point (the bot, the admin CLI) builds from configuration the same way.
import { LogLevel, WebClient, type WebClientOptions } from "@slack/web-api";
import { createAwsClients, type AwsClients } from "./aws/clients.js";
import { discoverIdentityCenter } from "./aws/discovery.js";
import { IdentityCenterProvider } from "./aws/identity-center.js";
import type { Config } from "./config/env.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Policy } from "./domain/policy.js";
import type { ServiceDeps } from "./services/deps.js";
import type { AccessProvider, Logger } from "./services/ports.js";
import { WorkTracker } from "./services/work-tracker.js";
import { boltLogger } from "./slack/bolt-logger.js";
import { SlackDirectory } from "./slack/directory.js";
import { SlackNotifier } from "./slack/notifier.js";
import { usergroupsIn } from "./config/policy-file.js";
import { StartupError } from "./startup-error.js";
import { openDatabase, type SqliteDatabase } from "./store/database.js";
import { SqliteExtensions } from "./store/sqlite-extensions.js";
import { SqliteOperationLog } from "./store/sqlite-operation-log.js";
import { SqliteStore } from "./store/sqlite-store.js";

export interface ConnectedAws {
  readonly provider: IdentityCenterProvider;
  /** The SDK clients behind the provider, for readiness probes and metrics. */
  readonly clients: AwsClients;
  readonly instanceArn: string;
  close(): void;
}

/** Checks AWS (identity, instance, permission sets) and returns the access provider. */
export async function connectAws(config: Config, policy: Policy, logger: Logger): Promise<ConnectedAws> {
  const aws = createAwsClients(config.aws.assumeRoleArn);
  try {
    const discovered = await discoverIdentityCenter(aws, config.aws, policy.permissionSets);
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
    const provider = new IdentityCenterProvider(aws.ssoAdmin, aws.identityStore, {
      instanceArn: discovered.instanceArn,
      identityStoreId: discovered.identityStoreId,
      permissionSetArns: discovered.permissionSetArns,
      callsPerSecond: config.aws.callsPerSecond,
      maxConcurrentCreations: 10,
      pollIntervalMs: config.aws.pollIntervalMs,
      operationTimeoutMs: 5 * 60_000,
      retries: 5,
    });
    return { provider, clients: aws, instanceArn: discovered.instanceArn, close: () => aws.destroy() };
  } catch (error) {
    aws.destroy();
    throw error;
  }
}

export interface OpenedStore {
  readonly db: SqliteDatabase;
  readonly store: SqliteStore;
  readonly operations: SqliteOperationLog;
  readonly extensions: SqliteExtensions;
  close(): void;
}

export function openStore(config: Pick<Config, "databaseFile">, clock: Clock): OpenedStore {
  let db: SqliteDatabase;
  try {
    db = openDatabase(config.databaseFile);
  } catch (error) {
    throw new StartupError(`Cannot open the database JIT_DATABASE_FILE=${config.databaseFile}: ${(error as Error).message}`);
  }
  const store = new SqliteStore(db, clock);
  return {
    db,
    store,
    operations: new SqliteOperationLog(db, clock),
    extensions: new SqliteExtensions(db, store),
    close: () => db.close(),
  };
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
  readonly policy: Policy;
  readonly logger: Logger;
  readonly opened: OpenedStore;
  readonly provider: AccessProvider;
  readonly client: WebClient;
  readonly clock: Clock;
}

/** The services' dependencies, built one way for the bot and the admin CLI. */
export function serviceDeps(parts: DepsParts): ServiceDeps {
  const { config, policy, logger, opened, provider, client, clock } = parts;
  return {
    store: opened.store,
    operations: opened.operations,
    extensions: opened.extensions,
    provider,
    notifier: new SlackNotifier(client, policy, config.accessPortalUrl, logger),
    directory: new SlackDirectory(client, usergroupsIn(policy)),
    clock,
    policy,
    logger,
    work: new WorkTracker(),
    settings: { revocationAlertAfter: config.revocationAlertAfter },
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
  opened: OpenedStore,
  work: (deps: ServiceDeps) => Promise<T>,
): Promise<T> {
  const aws = await connectAws(config, policy, logger);
  try {
    const client = new WebClient(config.slack.botToken, { ...slackClientOptions(config), logger: boltLogger(logger, LogLevel.WARN) });
    return await work(serviceDeps({ config, policy, logger, opened, provider: aws.provider, client, clock: systemClock }));
  } finally {
    aws.close();
  }
}
