// /readyz: named checks, each bounded by a timeout and its answer cached briefly, so a probe costs
// at most one call per dependency every few seconds however often it is asked.
import { redactSecrets } from "../audit/detail.js";

export interface ReadinessCheck {
  readonly name: string;
  /** How long an answer is reused. */
  readonly cacheMs: number;
  /** Throws (or rejects) when the dependency is not usable; `signal` aborts at the timeout. */
  run(signal: AbortSignal): void | Promise<void>;
}

export interface CheckOutcome {
  readonly ok: boolean;
  /** How long the check took, in milliseconds. */
  readonly ms: number;
  readonly checkedAt: string;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly status: "ready" | "not ready" | "stopping";
  readonly checks: Readonly<Record<string, CheckOutcome>>;
}

class CachedCheck {
  private last: { outcome: CheckOutcome; at: number } | undefined;
  private pending: Promise<CheckOutcome> | undefined;

  constructor(
    private readonly check: ReadinessCheck,
    private readonly timeoutMs: number,
  ) {}

  outcome(): Promise<CheckOutcome> {
    if (this.last && Date.now() - this.last.at < this.check.cacheMs) return Promise.resolve(this.last.outcome);
    this.pending ??= this.runOnce().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async runOnce(): Promise<CheckOutcome> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    let error: string | undefined;
    try {
      await Promise.race([Promise.resolve().then(() => this.check.run(controller.signal)), timedOut]);
    } catch (failure) {
      error = redactSecrets(failure instanceof Error ? failure.message : String(failure));
    } finally {
      clearTimeout(timer);
    }
    const outcome: CheckOutcome = {
      ok: error === undefined,
      ms: Math.round((performance.now() - started) * 10) / 10,
      checkedAt: new Date().toISOString(),
      ...(error === undefined ? {} : { error }),
    };
    this.last = { outcome, at: Date.now() };
    return outcome;
  }
}

export class Readiness {
  private readonly checks: ReadonlyArray<{ name: string; cached: CachedCheck }>;
  private stopping = false;

  constructor(checks: readonly ReadinessCheck[], timeoutMs: number) {
    this.checks = checks.map((check) => ({ name: check.name, cached: new CachedCheck(check, timeoutMs) }));
  }

  /** From now on the bot reports itself not ready, so load balancers stop sending it work. */
  stop(): void {
    this.stopping = true;
  }

  async report(): Promise<ReadinessReport> {
    if (this.stopping) return { status: "stopping", checks: {} };
    const outcomes = await Promise.all(this.checks.map(async ({ name, cached }) => [name, await cached.outcome()] as const));
    return {
      status: outcomes.every(([, outcome]) => outcome.ok) ? "ready" : "not ready",
      checks: Object.fromEntries(outcomes),
    };
  }
}
