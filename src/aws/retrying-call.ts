// One AWS call through a rate limiter, retried while retrying can help. The SDK clients make a single
// attempt each, so throttling, concurrent modification and outages are retried here, every attempt
// through the limiter, with jittered exponential backoff.
import { sleep } from "../domain/clock.js";
import type { ProviderError } from "../domain/errors.js";
import { toProviderError } from "./errors.js";
import type { Priority, RateLimiter } from "./limiter.js";

export interface RetryPolicy {
  readonly limiter: RateLimiter;
  readonly priority: Priority;
  /** Attempts per call, the first included. */
  readonly retries: number;
  /** The first backoff (doubled per attempt) and its cap, in ms; 100 and 5,000 unless given. */
  readonly backoffMs?: { readonly base: number; readonly cap: number };
}

/**
 * `send` until it succeeds, fails for good, or has had `retries` attempts; throws a ProviderError
 * named after `action`. `explain` may reword a definite (not retryable) failure for the operator.
 */
export async function retryingCall<T>(
  policy: RetryPolicy,
  action: string,
  send: () => Promise<T>,
  explain?: (failure: ProviderError, error: unknown) => ProviderError,
): Promise<T> {
  const { base, cap } = policy.backoffMs ?? { base: 100, cap: 5_000 };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await policy.limiter.run(policy.priority, send);
    } catch (error) {
      const failure = toProviderError(error, action);
      if (failure.retryable && attempt < policy.retries) {
        await sleep(Math.min(base * 2 ** attempt, cap) * (0.5 + Math.random() / 2));
        continue;
      }
      throw failure.retryable || !explain ? failure : explain(failure, error);
    }
  }
}
