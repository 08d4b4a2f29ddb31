// Keeps our Identity Center calls under the account's shared quota; revocations jump the queue.
import { systemClock, type Clock } from "../domain/clock.js";

/**
 * "follow-up": status polls of operations AWS already accepted, so started work finishes first;
 * "revoke": revocations, ahead of everything new; "slotted": a creation that holds one of the
 * instance's few outstanding-creation slots (creation-budget.ts), so the slot is not left idle
 * behind other grants' lookups; "normal": the rest.
 */
export type Priority = "follow-up" | "revoke" | "slotted" | "normal";

interface Waiting {
  start: () => void;
}

/**
 * A token bucket with priority queues (work for revocations is always started before anything new),
 * and a hard cap: no more than the rate's whole number of calls start within any sliding second,
 * however full the bucket. AWS counts calls per second as they arrive, and arrival bunches what
 * was sent evenly (a busy event loop, the network), so a limiter that itself sends up to the limit
 * in some second leaves no room for that; the cap makes the configured rate a ceiling, not an average.
 */
export class RateLimiter {
  private tokens: number;
  private lastRefill: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly queues: Record<Priority, Waiting[]> = { "follow-up": [], revoke: [], slotted: [], normal: [] };
  /** When the calls of the last second started, oldest first. */
  private readonly recentStarts: number[] = [];

  /** The bucket lets a burst start at once after a quiet spell; the default is half the rate. */
  private ratePerSecond: number;
  private burst: number;

  constructor(
    ratePerSecond: number,
    burst?: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.lastRefill = clock.now();
    this.ratePerSecond = ratePerSecond;
    this.burst = burst ?? defaultBurst(ratePerSecond);
    this.tokens = this.burst;
  }

  /** Changes the rate from now on (replicas sharing one quota re-divide it as they come and go). */
  setRate(ratePerSecond: number): void {
    if (ratePerSecond === this.ratePerSecond) return;
    this.refill();
    this.ratePerSecond = ratePerSecond;
    this.burst = defaultBurst(ratePerSecond);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  get rate(): number {
    return this.ratePerSecond;
  }

  run<T>(priority: Priority, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        try {
          task().then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      };
      this.queues[priority].push({ start });
      this.drain();
    });
  }

  /** Calls of the priority waiting to start. */
  waiting(priority: Priority): number {
    return this.queues[priority].length;
  }

  get queued(): number {
    return this.queues["follow-up"].length + this.queues.revoke.length + this.queues.slotted.length + this.queues.normal.length;
  }

  private drain(): void {
    this.refill();
    const now = this.clock.now();
    while (this.recentStarts.length > 0 && (this.recentStarts[0] ?? now) <= now - WINDOW_MS) this.recentStarts.shift();
    while (this.tokens >= 1 && this.recentStarts.length < this.perWindow()) {
      const next =
        this.queues["follow-up"].shift() ?? this.queues.revoke.shift() ?? this.queues.slotted.shift() ?? this.queues.normal.shift();
      if (!next) return;
      this.tokens -= 1;
      this.recentStarts.push(now);
      next.start();
    }
    if (this.queued > 0 && !this.timer) {
      const forToken = Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
      const oldest = this.recentStarts[0];
      const forWindow = this.recentStarts.length >= this.perWindow() && oldest !== undefined ? oldest + WINDOW_MS - now : 0;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.drain();
        },
        Math.max(forToken, forWindow, 1),
      );
    }
  }

  /** Calls allowed to start within one sliding second: the rate rounded down, so shares of a quota never add up past it. */
  private perWindow(): number {
    return Math.max(1, Math.floor(this.ratePerSecond + 1e-9));
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.ratePerSecond);
    this.lastRefill = now;
  }
}

/**
 * The sliding "second" of the cap, a little longer than AWS's: AWS counts calls by arrival, and a
 * call sent a second after another can arrive less than a second after it (the SDK's signing, a busy
 * event loop at either end). Each throttled call costs its slot and a backoff; the margin costs 1 %
 * of the rate. Measured with 1,000 deletions at 20 calls/s (npm run bench -- revocation).
 */
export const WINDOW_MS = 1010;

function defaultBurst(ratePerSecond: number): number {
  return Math.max(1, Math.ceil(ratePerSecond / 2));
}
