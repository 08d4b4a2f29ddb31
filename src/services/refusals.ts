// Attempts refused for who made them (a wrong person approving, self-approval, ending or extending
// someone else's grant, a payload from another workspace) are evidence: each is audited as
// `refused` and logged, but only so often per person and overall, so a flood cannot bloat the trail.
import type { Clock } from "../domain/clock.js";
import { PolicyDenied } from "../domain/errors.js";
import type { GrantStore, Logger } from "./ports.js";

/** What the refused person tried to do. */
export type Attempt =
  | "request"
  | "approve"
  | "deny"
  | "end"
  | "revoke-all"
  | "extend"
  | "acknowledge"
  | "list-review"
  | "review-activity"
  | "foreign-workspace";

export interface Refusal {
  readonly actorId: string;
  readonly attempt: Attempt;
  /** The grant it was about, when there is one. */
  readonly grantId?: string;
  readonly reason: string;
  /** Anything else worth keeping (e.g. the workspaces a foreign payload named). */
  readonly context?: Readonly<Record<string, string>>;
}

export interface RefusalLimits {
  readonly windowMs: number;
  readonly perActor: number;
  readonly overall: number;
}

/** Up to 5 records per person and 60 in all every 10 minutes; the rest are counted, not written. */
export const REFUSAL_LIMITS: RefusalLimits = { windowMs: 10 * 60_000, perActor: 5, overall: 60 };

interface Window {
  readonly startedAt: number;
  recorded: number;
  suppressed: number;
}

export class RefusalRecorder {
  private overall: Window | undefined;
  private readonly actors = new Map<string, Window>();
  private seen = 0;

  constructor(
    private readonly store: Pick<GrantStore, "note" | "noteUnattached">,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: RefusalLimits = REFUSAL_LIMITS,
  ) {}

  /** Audits and logs the refusal unless its person or everyone has reached the limit; never throws. */
  async record(refusal: Refusal): Promise<void> {
    this.seen += 1;
    const now = this.clock.now();
    this.forgetOldActors(now);
    const overall = this.current(this.overall, now);
    this.overall = overall;
    const actor = this.current(this.actors.get(refusal.actorId), now);
    this.actors.set(refusal.actorId, actor);
    if (actor.recorded >= this.limits.perActor || overall.recorded >= this.limits.overall) {
      actor.suppressed += 1;
      overall.suppressed += 1;
      return;
    }
    const suppressedBefore = actor.suppressed;
    actor.recorded += 1;
    overall.recorded += 1;
    actor.suppressed = 0;
    const detail = {
      attempt: refusal.attempt,
      reason: refusal.reason,
      ...(suppressedBefore > 0 ? { suppressedBefore } : {}),
      ...refusal.context,
    };
    this.logger.warn({ actorId: refusal.actorId, grantId: refusal.grantId ?? null, ...detail }, "refused an attempt");
    const note = { action: "refused" as const, actorId: refusal.actorId, detail };
    try {
      if (refusal.grantId) await this.store.note(refusal.grantId, note);
      else await this.store.noteUnattached({ accountId: "", permissionSet: "" }, note);
    } catch (error) {
      this.logger.error({ actorId: refusal.actorId, err: (error as Error).message }, "could not audit a refused attempt");
    }
  }

  /** Refusals seen by this process, recorded or not. */
  get observed(): number {
    return this.seen;
  }

  /**
   * Runs an authorization check: a PolicyDenied it throws is recorded as a refusal of `attempt`
   * and thrown on.
   */
  async check<T>(attempt: Omit<Refusal, "reason">, run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof PolicyDenied) await this.record({ ...attempt, reason: error.message });
      throw error;
    }
  }

  private current(window: Window | undefined, now: number): Window {
    if (window && now - window.startedAt < this.limits.windowMs) return window;
    // What the last window left out is told with the next record.
    return { startedAt: now, recorded: 0, suppressed: window?.suppressed ?? 0 };
  }

  /** Keeps the per-person windows from growing without bound under a flood of distinct ids. */
  private forgetOldActors(now: number): void {
    if (this.actors.size < 10_000) return;
    for (const [id, window] of this.actors) if (now - window.startedAt >= this.limits.windowMs) this.actors.delete(id);
  }
}
