// Builds the running bot from configuration: AWS provider and store (runtime.ts), Slack app, scheduler.
import type { Server } from "node:http";
import { App, LogLevel, SocketModeReceiver } from "@slack/bolt";
import { AuditFeed } from "./audit/feed.js";
import type { Config } from "./config/env.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Policy } from "./domain/policy.js";
import { everyMinutes, everySeconds, Scheduler } from "./scheduler/scheduler.js";
import { reconcile } from "./services/reconcile.js";
import { ExpiryTimer } from "./scheduler/expiry-timer.js";
import { sweep } from "./scheduler/sweep.js";
import type { ServiceDeps } from "./services/deps.js";
import type { Logger } from "./services/ports.js";
import { connectAws, openStore, serviceDeps, slackClientOptions } from "./runtime.js";
import { auditChannelPoster } from "./slack/audit-poster.js";
import { boltLogger } from "./slack/bolt-logger.js";
import { GuardedHttpReceiver } from "./slack/receiver.js";
import { registerListeners } from "./slack/listeners.js";
import { StartupError } from "./startup-error.js";

export interface RunningBot {
  /** The HTTP port Slack should reach, or undefined in Socket Mode. */
  readonly port: number | undefined;
  readonly deps: ServiceDeps;
  /** One sweep and one audit delivery now (the scheduler also runs them on its own). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBot(config: Config, policy: Policy, logger: Logger, clock: Clock = systemClock): Promise<RunningBot> {
  const aws = await connectAws(config, policy, logger);
  let opened: ReturnType<typeof openStore>;
  try {
    opened = openStore(config, clock);
  } catch (error) {
    aws.close();
    throw error;
  }
  const { store, close: closeStore } = opened;

  const clientOptions = slackClientOptions(config);
  const slackLogger = boltLogger(logger, LogLevel.INFO);
  // Built here rather than by Bolt so stop() can wait for the socket to close.
  const socketReceiver = config.slack.appToken
    ? new SocketModeReceiver({ appToken: config.slack.appToken, logger: slackLogger, installerOptions: { clientOptions } })
    : undefined;
  const socketMode = socketReceiver !== undefined;
  const receiver = socketReceiver ?? new GuardedHttpReceiver({ signingSecret: config.slack.signingSecret, slackLogger, logger });
  const app = new App({
    token: config.slack.botToken,
    receiver,
    clientOptions,
    logger: slackLogger,
    deferInitialization: true,
  });
  try {
    await app.init();
  } catch (error) {
    closeStore();
    aws.close();
    throw new StartupError(`Slack did not accept SLACK_BOT_TOKEN (auth.test): ${(error as Error).message}`);
  }

  const deps = serviceDeps({ config, policy, logger, opened, provider: aws.provider, client: app.client, clock });
  registerListeners(app, deps, policy.accounts);
  app.error(async (error) => {
    logger.error({ err: error.message }, "unhandled Slack listener error");
  });

  const feed = new AuditFeed(store, auditChannelPoster(app.client, config.auditChannel), logger);
  let lastSweep: Promise<void> = Promise.resolve();
  const expiryTimer = new ExpiryTimer(store, clock, config.sweepIntervalSeconds * 1000, () => {
    runSweep().catch((error: unknown) => logger.error({ err: String(error) }, "timed sweep failed"));
  });
  const runSweep = async () => {
    const started = await sweep(deps);
    if (started.revocations > 0 || started.resumed > 0) logger.info({ revocations: started.revocations, resumed: started.resumed }, "sweep");
    lastSweep = started.done;
    await expiryTimer.arm();
  };
  const reportedUnmanaged = new Set<string>();
  const runReconcile = async () => {
    const report = await reconcile(deps, { dryRun: false, reported: reportedUnmanaged });
    if (report.missing.length > 0 || report.orphans.length > 0 || report.unmanaged.length > 0) {
      logger.warn(
        { missing: report.missing.map((g) => g.id), orphans: report.orphans.length, unmanaged: report.unmanaged.length },
        "reconciliation found drift",
      );
    }
  };
  let server: unknown;
  try {
    server = socketMode ? await app.start() : await app.start(config.slack.port);
  } catch (error) {
    closeStore();
    aws.close();
    throw new StartupError(
      socketMode
        ? `Slack did not accept SLACK_APP_TOKEN (apps.connections.open): ${(error as Error).message}`
        : `Cannot listen on PORT=${config.slack.port}: ${(error as Error).message}`,
    );
  }
  const address = !socketMode && server && typeof server === "object" && "address" in server ? (server as Server).address() : null;
  const port = address && typeof address === "object" ? address.port : undefined;
  const scheduler = new Scheduler(logger);
  scheduler.start([
    { name: "expiry-sweep", cron: everySeconds(config.sweepIntervalSeconds), run: runSweep },
    { name: "audit-feed", cron: everySeconds(1), run: () => feed.deliver() },
    ...(config.reconcileIntervalMinutes > 0
      ? [{ name: "reconcile", cron: everyMinutes(config.reconcileIntervalMinutes), run: () => runReconcile() }]
      : []),
  ]);

  logger.info({ port, socketMode }, "jit-slack is running");
  // Catch up at once: revoke whatever expired while the bot was down, resume interrupted AWS work.
  runSweep().catch((error: unknown) => logger.error({ err: String(error) }, "start-up sweep failed"));

  return {
    port,
    deps,
    async tick() {
      await runSweep();
      await lastSweep;
      await feed.deliver();
    },
    async stop() {
      expiryTimer.stop();
      await scheduler.stop();
      await app.stop();
      await socketReceiver?.client.disconnect();
      // AWS work in flight is in the operation log either way; give it a moment to finish cleanly.
      await Promise.race([lastSweep, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await feed.deliver().catch(() => 0);
      aws.close();
      closeStore();
    },
  };
}
