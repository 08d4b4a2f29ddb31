// Load with autocannon: every request signed as Slack signs it at the moment it is sent.
import autocannon from "autocannon";
import { signedHeaders } from "./slack-bodies.js";
import { summarize, type Summary } from "./stats.js";

export interface LoadSpec {
  readonly url: string;
  readonly secret: string;
  readonly connections: number;
  /** Run for this long… */
  readonly durationSeconds?: number;
  /** …or until this many requests have been answered. */
  readonly amount?: number;
  /** Requests per second across all connections; unset = as fast as answers come back (closed loop). */
  readonly rate?: number;
  /** The raw body of the next request. */
  readonly nextBody: () => string;
}

export interface LoadOutcome {
  /** Every answered request's latency in ms (autocannon's own histogram rounds to whole ms). */
  readonly latency: Summary;
  readonly perSecond: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Answers other than 2xx. */
  readonly non2xx: number;
}

export function hammer(spec: LoadSpec): Promise<LoadOutcome> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: "POST",
        connections: spec.connections,
        ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSeconds ?? 10 }),
        timeout: 10,
        ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
        requests: [
          {
            setupRequest: (request) => {
              const body = spec.nextBody();
              return { ...request, method: "POST", headers: signedHeaders(spec.secret, body), body };
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        resolve({
          latency: summarize(latencies),
          perSecond: latencies.length / result.duration,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}
