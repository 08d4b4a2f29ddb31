// Which signed Slack requests have been seen, so an exact replay inside Slack's five-minute window
// (the same body, timestamp and signature, captured on the way and sent again) is refused. In
// memory for SQLite, where one bot serves the file; in a table for PostgreSQL, shared by replicas.

export interface SeenRequests {
  /**
   * Records the request's signature until `expiresAt` (epoch ms, when its timestamp leaves the
   * window and Slack's signature check refuses it anyway). False if it was already recorded.
   */
  firstSight(signature: string, expiresAt: number): Promise<boolean>;
}

export class MemorySeenRequests implements SeenRequests {
  /** Signature → expiry. Requests arrive in about timestamp order, so the oldest entries lead. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async firstSight(signature: string, expiresAt: number): Promise<boolean> {
    this.forgetExpired();
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, expiresAt);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [signature, expiresAt] of this.seen) {
      if (expiresAt > now) return;
      this.seen.delete(signature);
    }
  }
}
