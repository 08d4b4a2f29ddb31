// Makes sure one process drives a grant's AWS work once at a time, and one assignment
// (user, account, permission set) is changed by one grant at a time.

export class WorkTracker {
  private readonly inFlight = new Set<string>();
  private readonly tails = new Map<string, Promise<void>>();

  /** Claims the grant; false when this process is already working on it. */
  claim(grantId: string): boolean {
    if (this.inFlight.has(grantId)) return false;
    this.inFlight.add(grantId);
    return true;
  }

  release(grantId: string): void {
    this.inFlight.delete(grantId);
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
