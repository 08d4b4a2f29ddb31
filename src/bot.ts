// Builds the running bot from configuration: AWS provider and store (runtime.ts), Slack app,
// scheduled jobs (scheduler/), and what operators see of it (ops/: health, metrics, graceful
// shutdown). Each thing that must be closed again joins the cleanup list as it is made.
import type { Server } from "node:http";
import { App, LogLevel } from "@slack/bolt";
import { Checkpointer, type CheckpointReason } from "./audit/checkpointer.js";
import type { Checkpoint } from "./audit/checkpoint.js";
import { AuditFeed } from "./audit/feed.js";
import type { Config } from "./config/env.js";
import type { PolicySource } from "./config/policy-file.js";
import { systemClock, type Clock } from "./domain/clock.js";
import { errorText } from "./domain/errors.js";
import type { Policy } from "./domain/policy.js";
import { sharedAddresses, sharedAddressWarning } from "./domain/shared-addresses.js";
import { CleanupList } from "./ops/cleanup.js";
import { trackListeners } from "./ops/in-flight.js";
import { OpsSurface } from "./ops/ops-surface.js";
import { shutDown } from "./ops/shutdown.js";
import { BotJobs } from "./scheduler/bot-jobs.js";
import { Scheduler } from "./scheduler/scheduler.js";
import { QuotaShare } from "./services/quota-share.js";
import { fenceStatus } from "./services/session-fence.js";
import { announceFence } from "./fence-setup.js";
import { startingPolicy, type RunningPolicy } from "./organization-policy.js";
import type { RefreshOutcome } from "./services/organization-refresh.js";
import { PolicyHolder } from "./services/policy-holder.js";
import { OrganizationRefresher } from "./services/organization-refresher.js";
import type { StoreBackend } from "./store/backend.js";
import type { ServiceDeps } from "./services/deps.js";
import type { Logger } from "./services/ports.js";
import { botCheckpointSigner } from "./checkpoint-signer.js";
import { auditSinks, connectAws, guardAuditTrail, leaseHolder, openStore, serviceDeps, slackClientOptions } from "./runtime.js";
import { AUDIT_CLIENT_OPTIONS, SlackAuditChannel } from "./slack/adapters/audit-poster.js";
import { boltLogger } from "./slack/adapters/bolt-logger.js";
import { startHomeTabs } from "./slack/adapters/home-tabs.js";
import { GuardedHttpReceiver } from "./slack/transport/receiver.js";
import { GuardedSocketModeReceiver } from "./slack/transport/socket-receiver.js";
import { foreignRefusal, guardHomeWorkspace } from "./slack/transport/team-guard.js";
import { Admission, ADMISSION_WAIT_MS } from "./slack/transport/admission.js";
import { registerListeners } from "./slack/handlers/listeners.js";
import { StartupError } from "./startup-error.js";

/** How long shutdown keeps posting to the audit channel after work in progress is done. */
const FLUSH_TIMEOUT_MS = 5_000;
const OUTBOX_LEASE = "audit-outbox";
const CHECKPOINT_LEASE = "audit-checkpoint";

export interface RunningBot {
  /** The HTTP port Slack should reach, or undefined in Socket Mode. */
  readonly port: number | undefined;
  /** The port serving /readyz and /metrics (their own, on JIT_HEALTH_HOST, unless JIT_HEALTH_PORT names PORT). */
  readonly healthPort: number | undefined;
  readonly deps: ServiceDeps;
  /** One sweep and one audit delivery now (the scheduler also runs them on its own). */
  tick(): Promise<void>;
  /**
   * Resolves true once the work in progress that shutdown would wait for (listeners, sweeps,
   * reconciliations) has finished, or false after `timeoutMs`: what has been asked of the bot so far is done.
   */
  settled(timeoutMs: number): Promise<boolean>;
  /** Signs a checkpoint of whatever the last one does not cover, now; undefined when checkpoints are off or nothing is uncovered. */
  checkpoint(): Promise<Checkpoint | undefined>;
  /**
   * The organization refresh job, now (organization.accounts: aws): applies a snapshot another
   * process stored since the one in force, or reads AWS Organizations again once the one in force is
   * refreshMinutes old on the bot's clock; undefined when nothing is new or due, when another
   * replica is reading, or when the file lists its accounts itself.
   */
  refreshOrganization(): Promise<RefreshOutcome | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts the bot with a policy, or with the policy file as loaded (a source taking its accounts from
 * AWS Organizations is read first); on any failure, whatever it had made is closed, in reverse,
 * before the error is passed on.
 */
export async function startBot(
  config: Config,
  policy: Policy | PolicySource,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<RunningBot> {
  const cleanup = new CleanupList(logger);
  return cleanup.unlessFails(async () => {
    // Before the policy: the organization it may take its accounts from is shared through the database.
    const opened = await openStore(config.database, clock, logger);
    cleanup.add("the database", () => opened.close());
    const holder = leaseHolder("bot", config.database);
    const running: RunningPolicy =
      "resolve" in policy
        ? await startingPolicy(policy, config, logger, clock, { snapshots: opened.organizationSnapshots, leases: opened.leases, holder })
        : { holder: new PolicyHolder(policy), organization: null, close: () => undefined };
    cleanup.add("the Organizations client", () => running.close());
    for (const shared of sharedAddresses(running.holder.current)) logger.warn({ where: shared.where }, sharedAddressWarning(shared));
    return build({ config, running, logger, clock, cleanup, opened, holder });
  });
}

interface BuildParts {
  readonly config: Config;
  readonly running: RunningPolicy;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly cleanup: CleanupList;
  readonly opened: StoreBackend;
  /** Who this process is in the leases table. */
  readonly holder: string;
}

async function build({ config, running, logger, clock, cleanup, opened, holder }: BuildParts): Promise<RunningBot> {
  const policies = running.holder;
  const signing = await botCheckpointSigner(config);
  if (signing) cleanup.add("the checkpoint signer", () => signing.close());
  const signer = signing?.signer;
  if (!signer) {
    logger.warn(
      {},
      "audit checkpoints are off (neither JIT_AUDIT_SIGNING_KEY_FILE nor JIT_AUDIT_KMS_KEY_ID is set): whoever can write the database can rewrite the audit trail undetected",
    );
  }
  const aws = await connectAws(config, policies, logger, clock, { leases: opened.leases, holder });
  cleanup.add("the AWS clients", () => aws.close());
  announceFence(policies.current, aws.fence.facts, logger);
  await guardAuditTrail(opened, config, logger);

  const slackLogger = boltLogger(logger, LogLevel.INFO);
  // Set once the services are built; the ops surface and the workspace guard ask it when called.
  let deps: ServiceDeps | undefined;
  const ops = new OpsSurface({
    config,
    store: opened,
    aws,
    slackClientOptions: { ...slackClientOptions(config), logger: slackLogger },
    logger,
    clock,
    fenceStatus: () =>
      fenceStatus({
        entries: opened.fenceEntries,
        store: opened.store,
        policy: policies.current,
        clock,
        fencedBefore: () => deps?.sessionFence.fencedKeys() ?? new Set(),
        roleWideBefore: () => deps?.sessionFence.roleWideBefore() ?? new Map(),
      }),
  });
  // Before Slack's port, so it stays up (reporting "stopping") while shutdown waits for work in progress.
  const ownHealthPort = await refuseUnless(
    ops.listen(),
    (message) => `Cannot listen on JIT_HEALTH_HOST=${config.ops.healthHost} JIT_HEALTH_PORT=${config.ops.healthPort}: ${message}`,
  );
  cleanup.add("the health server", () => ops.close());

  const clientOptions = ops.slackClientOptions;
  // Built here rather than by Bolt so stop() can wait for the socket to close.
  const socketReceiver = config.slack.appToken
    ? new GuardedSocketModeReceiver({ appToken: config.slack.appToken, logger: slackLogger, installerOptions: { clientOptions } }, logger)
    : undefined;
  const socketMode = socketReceiver !== undefined;
  const receiver =
    socketReceiver ??
    new GuardedHttpReceiver({
      signingSecret: config.slack.signingSecret,
      slackLogger,
      logger,
      routes: ops.slackPortRoutes,
      seen: opened.seenRequests,
    });
  const app = new App({
    token: config.slack.botToken,
    receiver,
    clientOptions,
    logger: slackLogger,
    deferInitialization: true,
    // Unused, and on by default: it costs every request a store lookup and a thrown "not found".
    convoStore: false,
  });
  await refuseUnless(
    (async () => {
      await app.init();
      // The guard must be the first middleware, before the services exist: it reaches them once built.
      await guardHomeWorkspace(app, (payload) => (deps ? deps.refusals.record(foreignRefusal(payload)) : Promise.resolve()));
    })(),
    (message) => `Slack did not accept SLACK_BOT_TOKEN (auth.test): ${message}`,
  );
  app.use(trackListeners(ops.inFlight));

  const callsPerSecond = () => aws.provider.callsPerSecond;
  const services = serviceDeps({
    config,
    policies,
    logger,
    opened,
    provider: aws.provider,
    callsPerSecond,
    fence: aws.fence,
    activity: aws.activity,
    groups: aws.groups,
    client: app.client,
    clock,
    holder,
  });
  deps = services;
  cleanup.add("the work leases", () => services.work.stop());
  // Its own client, handing rate limits back (AUDIT_CLIENT_OPTIONS) for the publisher to wait out.
  const homeTabs = startHomeTabs(services, ops.slackClient(AUDIT_CLIENT_OPTIONS), opened.audit);
  cleanup.add("the Home tabs", () => homeTabs.stop());
  registerListeners(app, services, new Admission(config.ops.maxRequestsInProgress, ADMISSION_WAIT_MS), homeTabs.publisher);
  app.error(async (error) => {
    logger.error({ err: error.message }, "unhandled Slack listener error");
  });
  const quota = new QuotaShare(opened.leases, holder, clock, (replicas) => {
    aws.provider.shareQuota(replicas);
    logger.info({ replicas, awsCallsPerSecond: aws.provider.callsPerSecond }, "sharing the AWS call quota among replicas");
  });
  cleanup.add("the replica count", () =>
    quota.leave().catch((error: unknown) => logger.warn({ err: String(error) }, "leaving the replica count failed")),
  );

  const auditChannel = ops.countDeliveries(
    new SlackAuditChannel(ops.slackClient(AUDIT_CLIENT_OPTIONS), config.auditChannel, () => policies.current.accounts),
  );
  // One replica at a time delivers the outbox, or two would post the same records.
  const feed = new AuditFeed(opened.outbox, auditChannel, logger, {}, (work) => services.work.ifFree(OUTBOX_LEASE, work));
  const sinks = auditSinks(config, ops.slackClient(AUDIT_CLIENT_OPTIONS), () => clock.now());
  cleanup.add("the audit sinks", () => sinks.close());
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
      (work) => services.work.ifFree(CHECKPOINT_LEASE, work),
    );
  const checkpoint = (reason: CheckpointReason) => checkpointer?.run(reason) ?? Promise.resolve(undefined);
  const jobs = new BotJobs({
    deps: services,
    config,
    inFlight: ops.inFlight,
    callsPerSecond,
    quota,
    feed,
    checkpoint: checkpointer ? checkpoint : undefined,
    organization:
      running.organization && new OrganizationRefresher(services, running.organization.shared, policies, running.organization.inForce),
  });

  // What follows takes in new work: shutdown closes it first, then waits for work in progress.
  const intake = cleanup.mark();
  const server: unknown = await refuseUnless(
    socketMode ? app.start() : app.start({ port: config.slack.port, host: config.slack.host }),
    (message) =>
      socketMode
        ? `Slack did not accept SLACK_APP_TOKEN (apps.connections.open): ${message}`
        : `Cannot listen on PORT=${config.slack.port}${config.slack.host ? ` at JIT_HTTP_HOST=${config.slack.host}` : ""}: ${message}`,
  );
  cleanup.add("the Slack receiver", async () => {
    await app.stop();
    await socketReceiver?.client.disconnect();
  });
  const address = !socketMode && server && typeof server === "object" && "address" in server ? (server as Server).address() : null;
  const port = address && typeof address === "object" ? address.port : undefined;
  const healthPort = config.ops.healthPort === undefined ? port : ownHealthPort;
  await quota.recount().catch((error: unknown) => logger.error({ err: String(error) }, "counting replicas failed"));
  cleanup.add("the sweeps", () => jobs.stop());
  const scheduler = new Scheduler(logger);
  scheduler.start(jobs.jobs());
  cleanup.add("the scheduler", () => scheduler.stop());

  logger.info({ port, socketMode, healthPort }, "jit-slack is running");
  jobs.catchUp();

  return {
    port,
    healthPort,
    deps: services,
    tick: () => jobs.tick(),
    settled: (timeoutMs) => ops.inFlight.settled(timeoutMs),
    checkpoint: () => checkpoint("asked"),
    refreshOrganization: () => jobs.refreshOrganization(),
    stop: () =>
      shutDown({
        logger,
        inFlight: ops.inFlight,
        workTimeoutMs: config.ops.shutdownTimeoutSeconds * 1000,
        flushTimeoutMs: FLUSH_TIMEOUT_MS,
        grantsInProgress: () => services.work.claimed(),
        async stopIntake() {
          ops.readiness.stop();
          await cleanup.closeDownTo(intake);
        },
        checkpoint: async () => {
          await checkpoint("shutdown");
        },
        flushOutbox: (deadline) => feed.flush(deadline),
        close: () => cleanup.closeAll(),
      }),
  };
}

/** Waits for a step of start; its failure becomes a StartupError worded by `explain`. */
async function refuseUnless<T>(step: Promise<T>, explain: (message: string) => string): Promise<T> {
  try {
    return await step;
  } catch (error) {
    throw new StartupError(explain(errorText(error)));
  }
}
