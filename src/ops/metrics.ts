// Prometheus metrics in a registry of the bot's own (never prom-client's global one). Request
// outcomes, approval latency and revocation lag are counted from the audit trail itself, which every
// step of every grant passes through, by reading the records appended since the last scrape; API
// calls and errors are counted by decorators on the AWS and Slack clients; gauges are read from
// the database when scraped.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuditAction } from "../domain/audit-event.js";
import { OPEN_STATUSES } from "../domain/grant.js";
import type { AuditFact, MetricsSource } from "../services/ports.js";

/** What the metrics read at scrape time: the database's figures, and the work in progress here. */
export interface MetricsSources extends MetricsSource {
  /** Slack listeners, sweeps and reconciliations in progress. */
  inFlight(): number;
  /** The session fence's entries, and how many of them the policies cannot hold (their sessions are not denied). */
  sessionFence(): Promise<{ readonly entries: number; readonly unfenced: number }>;
}

const AUDIT_READ_BATCH = 5_000;

const OUTCOMES: readonly AuditAction[] = [
  "requested",
  "approved",
  "denied",
  "provisioned",
  "failed",
  "revocation_started",
  "revoked",
  "revocation_retry",
  "revocation_stuck",
  "drift_detected",
  "orphan_removed",
  "unmanaged_assignment",
  "unmanaged_removed",
  "session_fenced",
  "fence_lifted",
  "session_fence_full",
  "session_fence_whole_role",
];

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * One read shared by every gauge of a scrape: prom-client collects all metrics at once, so gauges
 * that show two sides of one reading (the outbox's depth and its oldest record's age) started
 * together get the same answer instead of two moments that may disagree.
 */
function sharedPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    if (!inFlight) {
      inFlight = read();
      const clear = () => {
        inFlight = undefined;
      };
      inFlight.then(clear, clear);
    }
    return inFlight;
  };
}

export class BotMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"outcome">;
  private readonly approvalLatency: Histogram<"decision">;
  private readonly revocationLag: Histogram;
  private readonly awsCalls: Counter<"operation">;
  private readonly awsErrors: Counter<"operation" | "code">;
  private readonly slackCalls: Counter<"method">;
  private readonly slackErrors: Counter<"method" | "error">;
  private readonly auditDelivered: Counter;
  /** Where counting from the audit trail goes on: its end when the bot started, then the last record counted. */
  private lastSeq: Promise<number | undefined>;

  constructor(private readonly sources: MetricsSources) {
    this.lastSeq = sources.lastAuditSeq().catch(() => undefined);
    const outbox = sharedPerScrape(() => sources.outbox());
    const grantsByStatus = sharedPerScrape(() => sources.grantsByStatus());
    const sessionFence = sharedPerScrape(() => sources.sessionFence());
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: "jit_requests_total",
      help: "Steps of access requests by outcome (the audit action: requested, approved, denied, provisioned, revoked, ...)",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of OUTCOMES) this.requests.inc({ outcome }, 0);
    this.approvalLatency = new Histogram({
      name: "jit_approval_latency_seconds",
      help: "Time from a request to its approval or denial",
      labelNames: ["decision"],
      buckets: [10, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 24 * HOUR],
      registers,
    });
    this.revocationLag = new Histogram({
      name: "jit_revocation_lag_seconds",
      help: "Time from a grant's expiry to its access being removed (grant revoked)",
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR],
      registers,
    });
    this.awsCalls = new Counter({
      name: "jit_aws_api_calls_total",
      help: "AWS API calls, by operation",
      labelNames: ["operation"],
      registers,
    });
    this.awsErrors = new Counter({
      name: "jit_aws_api_errors_total",
      help: "AWS API calls that failed, by operation and error code (each attempt, retries included)",
      labelNames: ["operation", "code"],
      registers,
    });
    this.slackCalls = new Counter({
      name: "jit_slack_api_calls_total",
      help: "Slack Web API calls, by method",
      labelNames: ["method"],
      registers,
    });
    this.slackErrors = new Counter({
      name: "jit_slack_api_errors_total",
      help: "Slack Web API calls that failed, by method and error (Slack's error code, ratelimited, http_<status> or request_error)",
      labelNames: ["method", "error"],
      registers,
    });
    this.auditDelivered = new Counter({
      name: "jit_audit_records_delivered_total",
      help: "Audit records posted to the audit channel",
      registers,
    });
    new Gauge({
      name: "jit_session_fence_entries",
      help: "Revoked (user, account, permission set) whose older role sessions the session fence denies now",
      registers,
      async collect() {
        this.set((await sessionFence()).entries);
      },
    });
    new Gauge({
      name: "jit_session_fence_unfenced",
      help: "Fence entries the fence policies cannot hold: their role sessions stay valid (alerted as session_fence_full)",
      registers,
      async collect() {
        this.set((await sessionFence()).unfenced);
      },
    });
    new Gauge({
      name: "jit_active_grants",
      help: "Grants whose access is in place now",
      registers,
      async collect() {
        this.set((await grantsByStatus()).active ?? 0);
      },
    });
    new Gauge({
      name: "jit_grants",
      help: "Grants not yet ended, by status",
      labelNames: ["status"],
      registers,
      async collect() {
        const counts = await grantsByStatus();
        for (const status of OPEN_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: "jit_audit_outbox_depth",
      help: "Audit records waiting to be posted to the audit channel",
      registers,
      async collect() {
        this.set((await outbox()).depth);
      },
    });
    new Gauge({
      name: "jit_audit_outbox_oldest_age_seconds",
      help: "Age of the oldest audit record waiting to be posted (0 when none waits)",
      registers,
      async collect() {
        const { oldestAt } = await outbox();
        this.set(oldestAt === null ? 0 : Math.max(0, (Date.now() - oldestAt) / 1000));
      },
    });
    new Gauge({
      name: "jit_in_flight_work",
      help: "Slack requests, sweeps and reconciliations being worked on",
      registers,
      collect() {
        this.set(sources.inFlight());
      },
    });
  }

  awsCall(operation: string): void {
    this.awsCalls.inc({ operation });
  }

  awsError(operation: string, code: string): void {
    this.awsErrors.inc({ operation, code });
  }

  slackCall(method: string): void {
    this.slackCalls.inc({ method });
  }

  slackError(method: string, error: string): void {
    this.slackErrors.inc({ method, error });
  }

  auditRecordsDelivered(count: number): void {
    this.auditDelivered.inc(count);
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    await this.countNewAuditRecords();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Scrapes that overlap queue on one reading, so no record is counted twice. A failed read counts
   * what it got and leaves the rest to the next scrape.
   */
  private countNewAuditRecords(): Promise<number | undefined> {
    this.lastSeq = this.lastSeq.then(async (from) => {
      let seq = from;
      try {
        seq ??= await this.sources.lastAuditSeq();
        for (;;) {
          const facts = await this.sources.auditSince(seq, AUDIT_READ_BATCH);
          for (const fact of facts) this.count(fact);
          const last = facts.at(-1);
          if (!last) return seq;
          seq = last.seq;
        }
      } catch {
        return seq;
      }
    });
    return this.lastSeq;
  }

  private count(fact: AuditFact): void {
    this.requests.inc({ outcome: fact.action });
    if ((fact.action === "approved" || fact.action === "denied") && fact.grantCreatedAt !== null) {
      this.approvalLatency.observe({ decision: fact.action }, Math.max(0, fact.at - fact.grantCreatedAt) / 1000);
    }
    // Only a revocation at or after expiry has a lag; a grant ended early has none.
    if (fact.action === "revoked" && fact.grantExpiresAt !== null && fact.at >= fact.grantExpiresAt) {
      this.revocationLag.observe((fact.at - fact.grantExpiresAt) / 1000);
    }
  }
}
