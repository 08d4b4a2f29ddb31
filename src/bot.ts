// Builds the running bot from configuration: AWS provider and store (runtime.ts), Slack app,
// scheduler, and what operators see of it (ops/: health, metrics, graceful shutdown).
import type { Server } from "node:http";
import { App, LogLevel } from "@slack/bolt";
import { Checkpointer, type CheckpointReason } from "./audit/checkpointer.js";
import type { Checkpoint } from "./audit/checkpoint.js";
import { AuditFeed } from "./audit/feed.js";
import type { Config } from "./config/env.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Policy } from "./domain/policy.js";
import { sharedAddresses, sharedAddressWarning } from "./domain/shared-addresses.js";
import { trackListeners } from "./ops/in-flight.js";
import { Operations } from "./ops/operations.js";
import { shutDown } from "./ops/shutdown.js";
import { everyMinutes, everySeconds, Scheduler } from "./scheduler/scheduler.js";
import { QUOTA_RECOUNT_SECONDS, QuotaShare } from "./services/quota-share.js";
import { reconcile } from "./services/reconcile.js";
import { ExpiryTimer } from "./scheduler/expiry-timer.js";
import { Sweeper, sweepSteps } from "./scheduler/sweep.js";
import type { ServiceDeps } from "./services/deps.js";
import type { Logger } from "./services/ports.js";
import { botCheckpointSigner } from "./checkpoint-signer.js";
import { auditSinks, connectAws, type ConnectedAws, guardAuditTrail, leaseHolder, openStore, serviceDeps, slackClientOptions } from "./runtime.js";
import { AUDIT_CLIENT_OPTIONS, SlackAuditChannel } from "./slack/audit-poster.js";
import { boltLogger } from "./slack/bolt-logger.js";
import { GuardedHttpReceiver } from "./slack/receiver.js";
import { GuardedSocketModeReceiver } from "./slack/socket-receiver.js";
import { foreignRefusal, guardHomeWorkspace } from "./slack/team-guard.js";
import { expireStaleRequests, warnExpiring } from "./services/housekeeping.js";
import { Admission, ADMISSION_WAIT_MS } from "./slack/admission.js";
import { registerListeners } from "./slack/listeners.js";
import { StartupError } from "./startup-error.js";
import type { StoreBackend } from "./store/backend.js";

/** How long shutdown keeps posting to the audit channel after work in progress is done. */
const FLUSH_TIMEOUT_MS = 5_000;
const OUTBOX_LEASE = "audit-outbox";
const SWEEP_AHEAD_SECONDS = 3;
const RECONCILE_LEASE = "reconcile";
const CHECKPOINT_LEASE = "audit-checkpoint";

export interface RunningBot {
  /** The HTTP port Slack should reach, or undefined in Socket Mode. */
  readonly port: number | undefined;
  /** The port serving /readyz and /metrics (their own, on JIT_HEALTH_HOST, unless JIT_HEALTH_PORT names PORT). */
  readonly healthPort: number | undefined;
  readonly deps: ServiceDeps;
  /** One sweep and one audit delivery now (the scheduler also runs them on its own). */
  tick(): Promise<void>;
  /** Signs a checkpoint of whatever the last one does not cover, now; undefined when checkpoints are off or nothing is uncovered. */
  checkpoint(): Promise<Checkpoint | undefined>;
  stop(): Promise<void>;
}

export async function startBot(config: Config, policy: Policy, logger: Logger, clock: Clock = systemClock): Promise<RunningBot> {
  for (const shared of sharedAddresses(policy)) logger.warn({ where: shared.where }, sharedAddressWarning(shared));
  const signing = await botCheckpointSigner(config);
  const signer = signing?.signer;
  if (!signer) {
    logger.warn(
      {},
      "audit checkpoints are off (neither JIT_AUDIT_SIGNING_KEY_FILE nor JIT_AUDIT_KMS_KEY_ID is set): whoever can write the database can rewrite the audit trail undetected",
    );
  }
  let connected: ConnectedAws;
  try {
    connected = await connectAws(config, policy, logger);
  } catch (error) {
    signing?.close();
    throw error;
  }
  // AWS clients, the KMS key's among them, are closed together.
  const aws: ConnectedAws = {
    ...connected,
    close() {
      connected.close();
      signing?.close();
    },
  };
  let opened: StoreBackend;
  try {
    opened = await openStore(config.database, clock, logger);
  } catch (error) {
    aws.close();
    throw error;
  }
  try {
    await guardAuditTrail(opened, config, logger);
  } catch (error) {
    await opened.close();
    aws.close();
    throw error;
  }
  const { store } = opened;
  const closeStore = () => opened.close().catch((error: unknown) => logger.error({ err: String(error) }, "closing the database failed"));

  const slackLogger = boltLogger(logger, LogLevel.INFO);
  const ops = new Operations({
    config,
    store: opened,
    aws,
    slackClientOptions: { ...slackClientOptions(config), logger: slackLogger },
    logger,
  });
  const clientOptions = ops.slackClientOptions;
  // Built here rather than by Bolt so stop() can wait for the socket to close.
  const socketReceiver = config.slack.appToken
    ? new GuardedSocketModeReceiver({ appToken: config.slack.appToken, logger: slackLogger, installerOptions: { clientOptions } }, logger)
    : undefined;
  const socketMode = socketReceiver !== undefined;
  const receiver =
    socketReceiver ??
    new GuardedHttpReceiver({ signingSecret: config.slack.signingSecret, slackLogger, logger, routes: ops.slackPortRoutes, seen: opened.seenRequests });
  const app = new App({
    token: config.slack.botToken,
    receiver,
    clientOptions,
    logger: slackLogger,
    deferInitialization: true,
    // Unused, and on by default: it costs every request a store lookup and a thrown "not found".
    convoStore: false,
  });
  let deps: ServiceDeps | undefined;
  try {
    await app.init();
    // The guard must be the first middleware, before the services exist: it reaches them once built.
    await guardHomeWorkspace(app, (payload) => (deps ? deps.refusals.record(foreignRefusal(payload)) : Promise.resolve()));
  } catch (error) {
    closeStore();
    aws.close();
    throw new StartupError(`Slack did not accept SLACK_BOT_TOKEN (auth.test): ${(error as Error).message}`);
  }
  app.use(trackListeners(ops.inFlight));

  const holder = leaseHolder("bot", config.database);
  deps = serviceDeps({ config, policy, logger, opened, provider: aws.provider, client: app.client, clock, holder });
  registerListeners(app, deps, new Admission(config.ops.maxRequestsInProgress, ADMISSION_WAIT_MS));
  const quota = new QuotaShare(opened.leases, holder, clock, (replicas) => {
    aws.provider.shareQuota(replicas);
    logger.info({ replicas, awsCallsPerSecond: aws.provider.callsPerSecond }, "sharing the AWS call quota among replicas");
  });
  app.error(async (error) => {
    logger.error({ err: error.message }, "unhandled Slack listener error");
  });

  const auditChannel = ops.countDeliveries(
    new SlackAuditChannel(ops.slackClient(AUDIT_CLIENT_OPTIONS), config.auditChannel, policy.accounts),
  );
  // One replica at a time delivers the outbox, or two would post the same records.
  const feed = new AuditFeed(opened.outbox, auditChannel, logger, {}, (work) => deps.work.ifFree(OUTBOX_LEASE, work));
  const sinks = auditSinks(config, ops.slackClient(AUDIT_CLIENT_OPTIONS), () => clock.now());
  const checkpointer =
    signer &&
    new Checkpointer(
      opened.audit,
      opened.checkpoints,
      signer,
      sinks.sinks,
      config.audit.checkpoint,
      logger,
      () => clock.now(),
      // One replica at a time signs, so two do not sign the same head.
      (work) => deps.work.ifFree(CHECKPOINT_LEASE, work),
    );
  const checkpoint = (reason: CheckpointReason) => checkpointer?.run(reason) ?? Promise.resolve(undefined);
  let lastSweep: Promise<void> = Promise.resolve();
  const expiryTimer = new ExpiryTimer(store, clock, config.sweepIntervalSeconds * 1000, () => {
    ops.inFlight.track(runSweep()).catch((error: unknown) => logger.error({ err: String(error) }, "timed sweep failed"));
  });
  // A grant is claimed only when the AWS rate limit will let its calls start within a few seconds.
  const sweeper = new Sweeper(deps, () => Math.ceil(aws.provider.callsPerSecond * SWEEP_AHEAD_SECONDS), sweepSteps(deps));
  const runSweep = async () => {
    const started = await sweeper.sweep();
    if (started.revocations > 0 || started.resumed > 0) logger.info({ revocations: started.revocations, resumed: started.resumed }, "sweep");
    lastSweep = ops.inFlight.track(started.done);
    await expireStaleRequests(deps);
    await warnExpiring(deps);
    await expiryTimer.arm();
  };
  const reportedUnmanaged = new Set<string>();
  const runReconcile = async () => {
    const report = await deps.work.ifFree(RECONCILE_LEASE, () => reconcile(deps, { dryRun: false, reported: reportedUnmanaged }));
    if (!report) return;
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
  let healthPort: number | undefined;
  try {
    healthPort = await ops.listen(port);
  } catch (error) {
    await app.stop();
    closeStore();
    aws.close();
    throw new StartupError(
      `Cannot listen on JIT_HEALTH_HOST=${config.ops.healthHost} JIT_HEALTH_PORT=${config.ops.healthPort}: ${(error as Error).message}`,
    );
  }
  await quota.recount().catch((error: unknown) => logger.error({ err: String(error) }, "counting replicas failed"));
  const scheduler = new Scheduler(logger);
  scheduler.start([
    { name: "quota-share", cron: everySeconds(QUOTA_RECOUNT_SECONDS), run: () => quota.recount() },
    { name: "expiry-sweep", cron: everySeconds(config.sweepIntervalSeconds), run: () => ops.inFlight.track(runSweep()) },
    { name: "audit-feed", cron: everySeconds(1), run: () => feed.deliver() },
    ...(checkpointer ? [{ name: "audit-checkpoint", cron: everySeconds(1), run: () => checkpoint("tick") }] : []),
    ...(config.reconcileIntervalMinutes > 0
      ? [{ name: "reconcile", cron: everyMinutes(config.reconcileIntervalMinutes), run: () => ops.inFlight.track(runReconcile()) }]
      : []),
  ]);

  logger.info({ port, socketMode, healthPort }, "jit-slack is running");
  // Catch up at once: revoke whatever expired while the bot was down, resume interrupted AWS work.
  ops.inFlight.track(runSweep()).catch((error: unknown) => logger.error({ err: String(error) }, "start-up sweep failed"));
  // Covers what a previous process appended and did not live to sign.
  ops.inFlight.track(checkpoint("start")).catch((error: unknown) => logger.error({ err: String(error) }, "start-up checkpoint failed"));

  return {
    port,
    healthPort,
    deps,
    async tick() {
      await runSweep();
      await lastSweep;
      await feed.deliver();
    },
    checkpoint: () => checkpoint("asked"),
    stop: () =>
      shutDown({
        logger,
        inFlight: ops.inFlight,
        workTimeoutMs: config.ops.shutdownTimeoutSeconds * 1000,
        flushTimeoutMs: FLUSH_TIMEOUT_MS,
        grantsInProgress: () => deps.work.claimed(),
        async stopIntake() {
          ops.readiness.stop();
          expiryTimer.stop();
          sweeper.stop();
          await scheduler.stop();
          await app.stop();
          await socketReceiver?.client.disconnect();
        },
        checkpoint: async () => {
          await checkpoint("shutdown");
        },
        flushOutbox: (deadline) => feed.flush(deadline),
        async close() {
          await ops.close();
          aws.close();
          sinks.close();
          deps.work.stop();
          await quota.leave().catch((error: unknown) => logger.warn({ err: String(error) }, "leaving the replica count failed"));
          await closeStore();
        },
      }),
  };
}
