// What an operator sees of the running bot, built once from its parts: metrics, readiness checks,
// the routes serving them (on a port of their own, the Slack port answering only ok or not ok),
// and the work in progress that shutdown waits for. Named apart from the operation log (an AWS
// change's record, services/ports.ts Operation), which "operations" means everywhere else.
import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { AuditChannel } from "../audit/feed.js";
import type { AwsClients } from "../aws/clients.js";
import { instrumentAwsClients } from "../aws/instrument.js";
import type { Config } from "../config/env.js";
import type { Clock } from "../domain/clock.js";
import type { Logger } from "../services/ports.js";
import { observedFetch } from "../slack/transport/instrument.js";
import type { Route } from "../slack/transport/receiver.js";
import type { StoreBackend } from "../store/backend.js";
import { awsCheck, databaseCheck, sessionFenceCheck, slackCheck } from "./checks.js";
import { InFlight } from "./in-flight.js";
import { BotMetrics } from "./metrics.js";
import { Readiness } from "./readiness.js";
import { serveRoutes, type RouteServer } from "./route-server.js";
import { opsRoutes, statusRoutes } from "./routes.js";

/** Longest a readiness check may take; Kubernetes probes should allow a little more (timeoutSeconds: 3). */
const CHECK_TIMEOUT_MS = 2_000;

export interface OpsSurfaceParts {
  readonly config: Config;
  readonly store: StoreBackend;
  readonly aws: { readonly clients: AwsClients; readonly instanceArn: string };
  /** The options every Slack Web API client of the bot starts from (runtime.ts slackClientOptions). */
  readonly slackClientOptions: WebClientOptions;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The session fence's entries and how many the policies cannot hold (services/session-fence.ts fenceStatus). */
  readonly fenceStatus: () => Promise<{ readonly entries: number; readonly unfenced: number }>;
}

export class OpsSurface {
  readonly inFlight = new InFlight();
  readonly metrics: BotMetrics;
  readonly readiness: Readiness;
  private readonly routes: readonly Route[];
  private server: RouteServer | undefined;
  private readonly fetch;

  constructor(private readonly parts: OpsSurfaceParts) {
    const source = parts.store.metrics;
    this.metrics = new BotMetrics({
      grantsByStatus: () => source.grantsByStatus(),
      outbox: () => source.outbox(),
      lastAuditSeq: () => source.lastAuditSeq(),
      auditSince: (seq, limit) => source.auditSince(seq, limit),
      inFlight: () => this.inFlight.size,
      sessionFence: parts.fenceStatus,
    });
    instrumentAwsClients(parts.aws.clients, this.metrics);
    this.fetch = observedFetch(this.metrics);
    const probe = this.slackClient({ retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: CHECK_TIMEOUT_MS });
    this.readiness = new Readiness(
      [
        databaseCheck(parts.store),
        awsCheck(parts.aws.clients.ssoAdmin, parts.aws.instanceArn),
        slackCheck(probe),
        sessionFenceCheck(async () => (await parts.fenceStatus()).unfenced),
      ],
      CHECK_TIMEOUT_MS,
      parts.logger,
      parts.clock,
    );
    this.routes = opsRoutes(this.readiness, this.metrics);
  }

  /**
   * Options for every Slack Web API client of the bot (Bolt's too): the defaults plus a `fetch` that
   * counts calls and errors. A fresh object each time, since Bolt writes into the one it is given.
   */
  get slackClientOptions(): WebClientOptions {
    return { ...this.parts.slackClientOptions, fetch: this.fetch };
  }

  /** A Web API client with the bot token; `options` override the defaults. */
  slackClient(options: WebClientOptions = {}): WebClient {
    return new WebClient(this.parts.config.slack.botToken, { ...this.slackClientOptions, ...options });
  }

  /** The audit channel, counting the records it carries. */
  countDeliveries(channel: AuditChannel): AuditChannel {
    return {
      maxRecordsPerPost: channel.maxRecordsPerPost,
      post: async (records) => {
        const carried = await channel.post(records);
        this.metrics.auditRecordsDelivered(carried);
        return carried;
      },
      postedThrough: (note) => channel.postedThrough(note),
    };
  }

  /**
   * The routes to serve next to /slack/events: ok or not ok only, unless the operator asked for all
   * of them there (JIT_HEALTH_PORT set to PORT).
   */
  get slackPortRoutes(): readonly Route[] {
    return this.parts.config.ops.healthPort === undefined ? this.routes : statusRoutes(this.readiness);
  }

  /** Serves the routes on their own port, if they have one (JIT_HEALTH_PORT); returns that port. */
  async listen(): Promise<number | undefined> {
    const { healthPort: port, healthHost: host } = this.parts.config.ops;
    if (port === undefined) return undefined;
    this.server = await serveRoutes(this.routes, port, host, this.parts.logger);
    return this.server.port;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
