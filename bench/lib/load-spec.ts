// What one load is and what it measured; shared by the bench and the load generator's process.
import type { BodySource } from "./slack-bodies.js";
import type { Summary } from "./stats.js";

export interface LoadSpec {
  /** Several URLs spread the connections over them (connection i → URL i mod n). */
  readonly url: string | readonly string[];
  readonly secret: string;
  readonly connections: number;
  /** Run for this long… */
  readonly durationSeconds?: number;
  /** …or until this many requests have been answered. */
  readonly amount?: number;
  /**
   * Requests per second, sent at evenly spaced moments (open loop); unset = closed loop, each
   * connection sending its next request as soon as it has the answer.
   */
  readonly rate?: number;
  readonly bodies: BodySource;
  /**
   * A paced load reads this process's CPU time (the bot's) at the first due moment, so the CPU a
   * paced window costs is counted from when its load began, not from when its generator started.
   */
  readonly watchPid?: number;
}

export interface LoadOutcome {
  /** Every answered request's latency in ms. */
  readonly latency: Summary;
  readonly perSecond: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Answers other than 2xx. */
  readonly non2xx: number;
  /** Paced loads only: how late each request left after the moment it was due (the generator's own stalls). */
  readonly sendLag?: Summary;
  /** Paced loads with `watchPid`: that process's CPU time (ms) at the first due moment. */
  readonly watchedCpuMsAtStart?: number;
}
