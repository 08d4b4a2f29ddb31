// Makes sure one process drives a grant's AWS work once at a time, one assignment (user, account,
// permission set) is changed by one grant at a time, and failing work backs off between attempts.

const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;

export class WorkTracker {
  private readonly inFlight = new Set<string>();
  private readonly tails = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  /** Claims the grant; false when this process is already working on it. */
  claim(grantId: string): boolean {
    if (this.inFlight.has(grantId)) return false;
    this.inFlight.add(grantId);
    return true;
  }

  /** True while this process is working on the grant. */
  isClaimed(grantId: string): boolean {
    return this.inFlight.has(grantId);
  }

  release(grantId: string): void {
    this.inFlight.delete(grantId);
  }

  /** Records a failed attempt; returns how many attempts have failed in a row. */
  failed(grantId: string, now: number): number {
    const count = (this.failures.get(grantId)?.count ?? 0) + 1;
    const wait = Math.min(FIRST_RETRY_MS * 2 ** (count - 1), LONGEST_RETRY_MS);
    this.failures.set(grantId, { count, retryAt: now + wait });
    return count;
  }

  succeeded(grantId: string): void {
    this.failures.delete(grantId);
  }

  /** False while a grant whose last attempt failed is still backing off. */
  due(grantId: string, now: number): boolean {
    const failure = this.failures.get(grantId);
    return !failure || failure.retryAt <= now;
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** Runs `work` after every earlier holder of `key` has finished. */
  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const current = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export function assignmentKey(target: { accountId: string; permissionSetName: string; principalId: string }): string {
  return `${target.accountId}|${target.permissionSetName}|${target.principalId}`;
}
