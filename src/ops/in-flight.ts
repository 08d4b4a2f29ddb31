// Work in progress that shutdown waits for: what Slack listeners started (through a global Bolt
// middleware, whose `next()` settles when the listeners have finished), sweeps and their AWS work,
// and reconciliations.
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";

export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves true once everything tracked has settled, including work started while waiting, or
   * false when `timeoutMs` runs out first.
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), left)));
      const finished = Promise.allSettled([...this.pending]).then(() => false as const);
      const late = await Promise.race([finished, timedOut]);
      clearTimeout(timer);
      if (late) return this.pending.size === 0;
    }
    return true;
  }
}

/** A global Bolt middleware that tracks each incoming request until its listeners have finished. */
export function trackListeners(inFlight: InFlight): Middleware<AnyMiddlewareArgs> {
  return async ({ next }) => {
    await inFlight.track(next());
  };
}
