// The pieces every entry point (the bot, the admin CLI) builds from configuration the same way.
import type { WebClientOptions } from "@slack/web-api";
import { createAwsClients } from "./aws/clients.js";
import { discoverIdentityCenter } from "./aws/discovery.js";
import { IdentityCenterProvider } from "./aws/identity-center.js";
import type { Config } from "./config/env.js";
import type { Clock } from "./domain/clock.js";
import type { Policy } from "./domain/policy.js";
import type { Logger } from "./services/ports.js";
import { StartupError } from "./startup-error.js";
import { openDatabase, type SqliteDatabase } from "./store/database.js";
import { SqliteOperationLog } from "./store/sqlite-operation-log.js";
import { SqliteStore } from "./store/sqlite-store.js";

/** Checks AWS (identity, instance, permission sets) and returns the access provider. */
export async function connectAws(
  config: Config,
  policy: Policy,
  logger: Logger,
): Promise<{ provider: IdentityCenterProvider; close(): void }> {
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
      conflictRetries: 5,
    });
    return { provider, close: () => aws.destroy() };
  } catch (error) {
    aws.destroy();
    throw error;
  }
}

export interface OpenedStore {
  readonly db: SqliteDatabase;
  readonly store: SqliteStore;
  readonly operations: SqliteOperationLog;
  close(): void;
}

export function openStore(config: Pick<Config, "databaseFile">, clock: Clock): OpenedStore {
  let db: SqliteDatabase;
  try {
    db = openDatabase(config.databaseFile);
  } catch (error) {
    throw new StartupError(`Cannot open the database JIT_DATABASE_FILE=${config.databaseFile}: ${(error as Error).message}`);
  }
  return { db, store: new SqliteStore(db, clock), operations: new SqliteOperationLog(db, clock), close: () => db.close() };
}

// Bounded: the Web API client's defaults retry for about 30 minutes with no per-request timeout.
export function slackClientOptions(config: Config): WebClientOptions {
  return {
    timeout: 10_000,
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
  };
}
