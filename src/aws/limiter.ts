// Keeps our Identity Center calls under the account's shared quota; revocations jump the queue.
import { systemClock, type Clock } from "../domain/clock.js";

/**
 * "follow-up": status polls of operations AWS already accepted, so started work finishes first;
 * "revoke": revocations, ahead of everything new; "normal": the rest.
 */
export type Priority = "follow-up" | "revoke" | "normal";

interface Waiting {
  start: () => void;
}

/** A token bucket with two queues: work for revocations is always started before anything else. */
export class RateLimiter {
  private tokens: number;
  private lastRefill: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly queues: Record<Priority, Waiting[]> = { "follow-up": [], revoke: [], normal: [] };

  /**
   * A full bucket plus a second's refill can start `burst + rate` calls within one second; AWS counts
   * calls per second, so the default burst is half the rate, keeping any second under 1.5 × rate.
   */
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

  get queued(): number {
    return this.queues["follow-up"].length + this.queues.revoke.length + this.queues.normal.length;
  }

  private drain(): void {
    this.refill();
    while (this.tokens >= 1) {
      const next = this.queues["follow-up"].shift() ?? this.queues.revoke.shift() ?? this.queues.normal.shift();
      if (!next) return;
      this.tokens -= 1;
      next.start();
    }
    if (this.queued > 0 && !this.timer) {
      const wait = Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, wait);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.ratePerSecond);
    this.lastRefill = now;
  }
}

function defaultBurst(ratePerSecond: number): number {
  return Math.max(1, Math.ceil(ratePerSecond / 2));
}

/** At most `limit` holders at once; the rest wait in arrival order. */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.held += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held -= 1;
    };
  }
}
