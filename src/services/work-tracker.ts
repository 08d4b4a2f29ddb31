// Makes sure one process drives a grant's AWS work once at a time, one assignment (user, account,
// permission set) is changed by one grant at a time, and failing work backs off between attempts.
// Within this process that is a set and a queue per key; across processes (replicas on one
// database, or the admin CLI next to the bot) it is a lease in the database, renewed while held,
// so the work of a process that dies passes to another once its leases lapse.
import { sleep, type Clock } from "../domain/clock.js";
import { isMembership, type Leases, type OperationTarget } from "./ports.js";

const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;
/** A dead holder's work waits this long at most before another process takes it over. */
export const LEASE_TTL_MS = 30_000;
const RENEW_EVERY_MS = LEASE_TTL_MS / 3;
/** How often a process waiting for an assignment another process is changing asks again. */
const WAIT_POLL_MS = 100;

export interface WorkTrackerOptions {
  readonly leases: Leases;
  /** Who this process is in the leases table. */
  readonly holder: string;
  readonly clock: Clock;
}

export class WorkTracker {
  private readonly inFlight = new Set<string>();
  private readonly tails = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { count: number; retryAt: number }>();
  private readonly held = new Set<string>();
  private renewal: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkTrackerOptions) {}

  /** Claims the grant; false when this process, or another, is already working on it. */
  async claim(grantId: string): Promise<boolean> {
    if (this.inFlight.has(grantId)) return false;
    this.inFlight.add(grantId);
    try {
      if (await this.take(grantKey(grantId))) return true;
    } catch (error) {
      this.inFlight.delete(grantId);
      throw error;
    }
    this.inFlight.delete(grantId);
    return false;
  }

  /** True while this process is working on the grant. */
  isClaimed(grantId: string): boolean {
    return this.inFlight.has(grantId);
  }

  /** The grants this process is working on now. */
  claimed(): string[] {
    return [...this.inFlight];
  }

  async release(grantId: string): Promise<void> {
    try {
      await this.give(grantKey(grantId));
    } finally {
      this.inFlight.delete(grantId);
    }
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

  /**
   * Runs `work` after every earlier holder of `key` has finished, in this process and in any other
   * (waiting for their lease on the key to be given up or to lapse).
   */
  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const current = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      const leaseKey = `assignment:${key}`;
      while (!(await this.take(leaseKey))) await sleep(WAIT_POLL_MS);
      try {
        return await work();
      } finally {
        await this.give(leaseKey);
      }
    } finally {
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /**
   * Runs `work` unless another process holds `key` (a job only one replica should run at a time,
   * such as delivering the audit outbox); undefined when it was skipped.
   */
  async ifFree<T>(key: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.held.has(key) || !(await this.take(key))) return undefined;
    try {
      return await work();
    } finally {
      await this.give(key);
    }
  }

  /** Stops renewing: leases still held lapse on their own (shutdown parks work this way). */
  stop(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }

  private async take(key: string): Promise<boolean> {
    const { leases, holder, clock } = this.options;
    if (!(await leases.acquire(key, holder, clock.now(), LEASE_TTL_MS))) return false;
    this.held.add(key);
    this.renewal ??= setInterval(() => void this.renew(), RENEW_EVERY_MS).unref();
    return true;
  }

  private async give(key: string): Promise<void> {
    this.held.delete(key);
    if (this.held.size === 0) this.stop();
    await this.options.leases.release(key, this.options.holder);
  }

  private async renew(): Promise<void> {
    const { leases, holder, clock } = this.options;
    try {
      await leases.renewAll(holder, clock.now(), LEASE_TTL_MS);
    } catch {
      // The next renewal tries again; a lease that lapses meanwhile only lets another process help.
    }
  }
}

function grantKey(grantId: string): string {
  return `grant:${grantId}`;
}

export function assignmentKey(target: { accountId: string; permissionSetName: string; principalId: string }): string {
  return `${target.accountId}|${target.permissionSetName}|${target.principalId}`;
}

/** The key held while changing an assignment or a group membership. */
export function targetKey(target: OperationTarget): string {
  return isMembership(target) ? `membership:${target.groupId}|${target.principalId}` : assignmentKey(target);
}
