// Builds the running bot from configuration: store, AWS provider, Slack app, scheduler.
import { App, LogLevel } from "@slack/bolt";
import { createAwsClients, destroyAwsClients } from "./aws/clients.js";
import { discoverIdentityCenter } from "./aws/discovery.js";
import { IdentityCenterProvider } from "./aws/identity-center.js";
import { AuditFeed } from "./audit/feed.js";
import type { Config } from "./config/env.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Policy } from "./domain/policy.js";
import { Scheduler } from "./scheduler/scheduler.js";
import { sweep } from "./scheduler/sweep.js";
import type { ServiceDeps } from "./services/deps.js";
import type { Logger } from "./services/ports.js";
import { WorkTracker } from "./services/work-tracker.js";
import { auditChannelPoster } from "./slack/audit-poster.js";
import { boltLogger } from "./slack/bolt-logger.js";
import { SlackDirectory } from "./slack/directory.js";
import { registerListeners } from "./slack/listeners.js";
import { SlackNotifier } from "./slack/notifier.js";
import { openDatabase } from "./store/database.js";
import { SqliteStore } from "./store/sqlite-store.js";
import { StartupError } from "./startup-error.js";

export interface RunningBot {
  /** The HTTP port Slack should reach, or undefined in Socket Mode. */
  readonly port: number | undefined;
  readonly deps: ServiceDeps;
  /** One sweep and one audit delivery now (the scheduler also runs them on its own). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

// Bounded: the Web API client's defaults retry for about 30 minutes with no per-request timeout.
const SLACK_CLIENT_OPTIONS = { timeout: 10_000, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 } };

export async function startBot(config: Config, policy: Policy, logger: Logger, clock: Clock = systemClock): Promise<RunningBot> {
  const aws = createAwsClients(undefined);
  const discovered = await discoverIdentityCenter(aws, config.aws, policy.permissionSets);
  logger.info(
    { callerArn: discovered.callerArn, account: discovered.callerAccount, instanceArn: discovered.instanceArn, identityStoreId: discovered.identityStoreId },
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

  const db = openOrExplain(config.databaseFile);
  const store = new SqliteStore(db, clock);

  const clientOptions = { ...SLACK_CLIENT_OPTIONS, ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}) };
  const socketMode = config.slack.appToken !== undefined;
  const app = new App({
    token: config.slack.botToken,
    signingSecret: config.slack.signingSecret,
    ...(socketMode ? { socketMode: true, appToken: config.slack.appToken, installerOptions: { clientOptions } } : {}),
    clientOptions,
    logger: boltLogger(logger, LogLevel.INFO),
    deferInitialization: true,
  });
  try {
    await app.init();
  } catch (error) {
    db.close();
    throw new StartupError(`Slack did not accept SLACK_BOT_TOKEN (auth.test): ${(error as Error).message}`);
  }

  const deps: ServiceDeps = {
    store,
    provider,
    notifier: new SlackNotifier(app.client, policy.accounts, config.accessPortalUrl, logger),
    directory: new SlackDirectory(app.client),
    clock,
    policy,
    logger,
    work: new WorkTracker(),
  };
  registerListeners(app, deps, policy.accounts);
  app.error(async (error) => {
    logger.error({ err: error.message }, "unhandled Slack listener error");
  });

  const feed = new AuditFeed(store, auditChannelPoster(app.client, config.auditChannel), logger);
  const runSweep = async () => {
    const result = await sweep(deps);
    if (result.revoked > 0 || result.resumed > 0) logger.info({ ...result }, "sweep");
  };
  const scheduler = new Scheduler(logger);
  scheduler.start([
    { name: "expiry-sweep", everySeconds: config.sweepIntervalSeconds, run: runSweep },
    { name: "audit-feed", everySeconds: 1, run: () => feed.deliver() },
  ]);

  const server = socketMode ? await app.start() : await app.start(config.slack.port);
  const address = !socketMode && server && typeof server === "object" && "address" in server ? server.address() : null;
  const port = address && typeof address === "object" ? address.port : undefined;
  logger.info({ port, socketMode }, "jit-slack is running");
  // Catch up at once: revoke whatever expired while the bot was down, resume interrupted AWS work.
  runSweep().catch((error: unknown) => logger.error({ err: String(error) }, "start-up sweep failed"));

  return {
    port,
    deps,
    async tick() {
      await runSweep();
      await feed.deliver();
    },
    async stop() {
      await scheduler.stop();
      await app.stop();
      await feed.deliver().catch(() => 0);
      destroyAwsClients(aws);
      db.close();
    },
  };
}

function openOrExplain(file: string) {
  try {
    return openDatabase(file);
  } catch (error) {
    throw new StartupError(`Cannot open the database JIT_DATABASE_FILE=${file}: ${(error as Error).message}`);
  }
}
