// Fires the sweep at the exact moment the next grant expires when that comes before the next
// scheduled sweep, so revocation starts on time; the periodic sweep stays the backstop.
import type { Clock } from "../domain/clock.js";
import type { GrantStore } from "../services/ports.js";

export class ExpiryTimer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: GrantStore,
    private readonly clock: Clock,
    /** Expiries further away than this are left to the periodic sweep. */
    private readonly horizonMs: number,
    private readonly fire: () => void,
  ) {}

  async arm(): Promise<void> {
    const next = await this.store.nextExpiry();
    this.clear();
    if (this.stopped || next === undefined) return;
    const wait = next - this.clock.now();
    if (wait > this.horizonMs) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.fire();
      },
      Math.max(0, wait),
    );
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
