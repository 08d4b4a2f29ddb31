// The quota of assignment creations outstanding, kept across every process on the database: slot i
// is the lease `creation-slot:i`, taken before CreateAccountAssignment and given back once AWS has
// said how the creation ended; renewed while held, so the slots of a process that dies come back
// when their leases lapse.
import { ProviderError } from "../domain/errors.js";
import type { Clock } from "../domain/clock.js";
import type { CreationBudget, Leases } from "./ports.js";
import { LEASE_TTL_MS } from "./work-tracker.js";

/**
 * "CreateAccountAssignment has a maximum rate of 10 outstanding async calls. These quotas cannot be
 * changed." (AWS IAM Identity Center quotas, https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html)
 */
export const OUTSTANDING_CREATIONS_QUOTA = 10;

const PREFIX = "creation-slot:";
const RENEW_EVERY_MS = LEASE_TTL_MS / 3;
/** How often a process with creations waiting looks for a slot another process gave back. */
const POLL_MS = 100;

export interface LeasedCreationBudgetOptions {
  readonly leases: Leases;
  /** Who this process is in the leases table. */
  readonly holder: string;
  readonly clock: Clock;
  readonly slots: number;
  readonly pollMs?: number;
}

interface Waiter {
  resolve(slot: number): void;
  reject(error: unknown): void;
}

export class LeasedCreationBudget implements CreationBudget {
  private readonly mine = new Set<number>();
  private readonly waiting: Waiter[] = [];
  private looking = false;
  private wake: (() => void) | undefined;
  private renewal: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeasedCreationBudgetOptions) {}

  async acquire(): Promise<() => void> {
    const slot = await new Promise<number>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      void this.look();
    });
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.give(slot);
    };
  }

  /** Slots this process holds now. */
  get held(): number {
    return this.mine.size;
  }

  /**
   * Every slot given back goes through the database, even with creations waiting here: a process
   * that handed its slots on to its own queue would keep them from the other replicas for good.
   */
  private give(slot: number): void {
    const { leases, holder } = this.options;
    leases
      .release(PREFIX + slot, holder)
      // A release that fails lets the lease lapse instead.
      .catch(() => undefined)
      .finally(() => {
        // Only now: taken again before its release had landed, the slot would be ours here and free in the database.
        this.mine.delete(slot);
        if (this.mine.size === 0) this.stopRenewing();
        this.wake?.();
      });
  }

  /** While creations wait, takes free slots for them, oldest first, looking again when one is given back or every POLL_MS. */
  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      while (this.waiting.length > 0) {
        let slot: number | undefined;
        try {
          slot = await this.takeFree();
        } catch (error) {
          const failure = new ProviderError(
            `The budget of outstanding assignment creations could not be read: ${(error as Error).message}`,
            "CreationBudgetUnavailable",
            true,
          );
          for (const waiter of this.waiting.splice(0)) waiter.reject(failure);
          return;
        }
        if (slot === undefined) {
          await this.nap();
          continue;
        }
        const next = this.waiting.shift();
        if (next) next.resolve(slot);
        else this.give(slot);
      }
    } finally {
      this.looking = false;
    }
  }

  private async takeFree(): Promise<number | undefined> {
    const { leases, holder, clock, slots } = this.options;
    if (this.mine.size >= slots) return undefined;
    const now = clock.now();
    if ((await leases.countLive(PREFIX, now)) >= slots) return undefined;
    for (let slot = 0; slot < slots; slot += 1) {
      // A holder's own lease is extended rather than refused, so a slot held here must be skipped.
      if (this.mine.has(slot)) continue;
      if (await leases.acquire(PREFIX + slot, holder, now, LEASE_TTL_MS)) {
        this.mine.add(slot);
        this.renewal ??= setInterval(() => void this.renew(), RENEW_EVERY_MS).unref();
        return slot;
      }
    }
    return undefined;
  }

  private nap(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      // Unreferenced: waiting for a slot is no reason on its own to keep a process alive.
      const timer = setTimeout(done, this.options.pollMs ?? POLL_MS).unref();
      this.wake = done;
    });
  }

  private stopRenewing(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }

  private async renew(): Promise<void> {
    const { leases, holder, clock } = this.options;
    try {
      await leases.renewAll(holder, clock.now(), LEASE_TTL_MS);
    } catch {
      // The next renewal tries again; a slot that lapses meanwhile only lets one creation too many start.
    }
  }
}
