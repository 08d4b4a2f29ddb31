// Bounds the work the bot has acknowledged to Slack but not finished: new requests (`/jit request`,
// the request form) and extensions are stored and posted to the approvers after the ack, so under a
// flood the acks would otherwise run ahead of that work without limit. Memory would grow with the
// backlog, and a replica stopped or killed in the meantime would drop requests it had acknowledged.
// Past the bound a new one waits for a slot before it is acknowledged; if none frees up in time it is
// refused with a busy message, nothing stored. Ending access is never held back here.

/** How long a request may wait for a slot: Slack needs the ack within 3 s, and the ack itself takes the rest. */
export const ADMISSION_WAIT_MS = 2_000;

/** What someone refused as busy is told; nothing of theirs was stored. Plain text: form errors show no emoji. */
export const BUSY_MESSAGE =
  "jit-slack is busy with more requests than it can take just now, so this one was not made. Please send it again in a minute.";

/** The warning logged for each refusal, for operators and the benchmarks to count. */
export const REFUSED_AS_BUSY = "too many requests in progress; refused as busy";

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly admit: (release: Release | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

export class Admission {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    /** How many admitted pieces of work may be unfinished at once. */
    readonly limit: number,
    /** How long one may wait for a slot; Slack needs the ack within 3 s. */
    private readonly waitMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the admission limit must be a whole number above 0, not ${limit}`);
  }

  /** Admitted work not finished yet. */
  get inProgress(): number {
    return this.active;
  }

  /** A slot (first come, first served), or undefined when none freed up within the wait. */
  enter(): Promise<Release | undefined> {
    if (this.active < this.limit && this.queue.length === 0) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          resolve(undefined);
        }, this.waitMs),
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next === undefined) {
        this.active -= 1;
        return;
      }
      // The slot passes straight to the next in line, so nothing can overtake it.
      clearTimeout(next.timer);
      next.admit(this.releaser());
    };
  }
}
