// Which signed Slack requests have been seen, so an exact replay inside Slack's five-minute window
// (the same body, timestamp and signature, captured on the way and sent again) is refused. Kept in
// the database, so a restart, or another replica, refuses it too.

import type { SeenRequests } from "../services/ports.js";

/** Expired signatures are deleted at most this often (each process), before the next check. */
const PURGE_EVERY_MS = 60_000;

interface Waiting {
  readonly signature: string;
  resolve(first: boolean): void;
  reject(error: unknown): void;
}

/**
 * The requests that arrive in one turn of the event loop are recorded together, in one statement or
 * one transaction: a burst costs the database one write, not one each.
 */
export abstract class BatchedSeenRequests implements SeenRequests {
  private waiting: Waiting[] = [];
  private expiries = new Map<string, number>();
  private nextPurge = 0;

  constructor(private readonly now: () => number) {}

  firstSight(signature: string, expiresAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.check());
      this.waiting.push({ signature, resolve, reject });
      if (!this.expiries.has(signature)) this.expiries.set(signature, expiresAt);
    });
  }

  /** Records the signatures not recorded yet (signature → expiry) and returns those it recorded. */
  protected abstract record(expiries: ReadonlyMap<string, number>, purgeBefore: number | undefined): Promise<ReadonlySet<string>>;

  private async check(): Promise<void> {
    const { waiting, expiries } = this;
    this.waiting = [];
    this.expiries = new Map();
    const now = this.now();
    const purge = now >= this.nextPurge;
    if (purge) this.nextPurge = now + PURGE_EVERY_MS;
    try {
      const firsts = new Set(await this.record(expiries, purge ? now : undefined));
      // The same signature twice in one batch: only the first of them is a first sight.
      for (const request of waiting) request.resolve(firsts.delete(request.signature));
    } catch (error) {
      for (const request of waiting) request.reject(error);
    }
  }
}
