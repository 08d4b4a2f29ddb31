// /readyz: named checks, each bounded by a timeout and its answer cached briefly, so a probe costs
// at most one call per dependency every few seconds however often it is asked. A failing check is
// reported by its code only: the text of an AWS, Slack or database error can name accounts, roles,
// hosts and instance ARNs, so it goes to the log (once per change), never into the answer.
import { redactSecrets } from "../audit/detail.js";
import type { Logger } from "../services/ports.js";
import { systemClock, type Clock } from "../domain/clock.js";
import { errorText } from "../domain/errors.js";

export interface ReadinessCheck {
  readonly name: string;
  /** How long an answer is reused. */
  readonly cacheMs: number;
  /**
   * A failing advisory check reports the bot "degraded" rather than "not ready": it still serves
   * requests (taking it out of service would make things worse), but something needs an operator.
   */
  readonly advisory?: boolean;
  /** Throws (or rejects) when the dependency is not usable, with a `code` when it has one; `signal` aborts at the timeout. */
  run(signal: AbortSignal): void | Promise<void>;
}

export interface CheckOutcome {
  readonly ok: boolean;
  /** How long the check took, in milliseconds. */
  readonly ms: number;
  readonly checkedAt: string;
  /** What went wrong, as a code: the AWS error code, Slack's error, the database's reason, `timeout`, or `error`. */
  readonly error?: string;
}

export interface ReadinessReport {
  readonly status: "ready" | "degraded" | "not ready" | "stopping";
  readonly checks: Readonly<Record<string, CheckOutcome>>;
}

/** A failure with a code of its own, for checks whose errors carry none. */
export class CheckFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_CODE = "timeout";
/** A code is a short word: an account id (12 digits), an ARN or a host name never fits. */
const CODE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$|^[0-9A-Z]{5}$/;

/** The code /readyz shows for `failure`: its own `code` when that is a short word (a PostgreSQL SQLSTATE too), else `error`. */
function failureCode(failure: unknown): string {
  const code = typeof failure === "object" && failure !== null ? (failure as { code?: unknown }).code : undefined;
  return typeof code === "string" && CODE.test(code) ? code : "error";
}

class CachedCheck {
  private last: { outcome: CheckOutcome; detail: string | undefined; at: number } | undefined;
  private pending: Promise<CheckOutcome> | undefined;

  constructor(
    readonly check: ReadinessCheck,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  outcome(): Promise<CheckOutcome> {
    if (this.last && this.clock.now() - this.last.at < this.check.cacheMs) return Promise.resolve(this.last.outcome);
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
        reject(new CheckFailed(TIMEOUT_CODE, `no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    let failure: { code: string; detail: string } | undefined;
    try {
      await Promise.race([Promise.resolve().then(() => this.check.run(controller.signal)), timedOut]);
    } catch (error) {
      failure = { code: failureCode(error), detail: redactSecrets(errorText(error)) };
    } finally {
      clearTimeout(timer);
    }
    const outcome: CheckOutcome = {
      ok: failure === undefined,
      ms: Math.round((performance.now() - started) * 10) / 10,
      checkedAt: new Date(this.clock.now()).toISOString(),
      ...(failure === undefined ? {} : { error: failure.code }),
    };
    this.logChange(failure);
    this.last = { outcome, detail: failure?.detail, at: this.clock.now() };
    return outcome;
  }

  /** The log gets the detail when a check starts failing, fails differently, or passes again. */
  private logChange(failure: { code: string; detail: string } | undefined): void {
    const before = this.last;
    const check = this.check.name;
    if (failure && (before === undefined || before.outcome.ok || before.detail !== failure.detail)) {
      this.logger.warn({ check, code: failure.code, err: failure.detail }, `readiness check ${check} failed`);
    } else if (!failure && before !== undefined && !before.outcome.ok) {
      this.logger.info({ check }, `readiness check ${check} passes again`);
    }
  }
}

export class Readiness {
  private readonly checks: ReadonlyArray<{ name: string; cached: CachedCheck }>;
  private stopping = false;

  /** `clock` dates the answers and ages the cache; the timeout is real time, as the calls it bounds are. */
  constructor(checks: readonly ReadinessCheck[], timeoutMs: number, logger: Logger, clock: Clock = systemClock) {
    this.checks = checks.map((check) => ({ name: check.name, cached: new CachedCheck(check, timeoutMs, logger, clock) }));
  }

  /** From now on the bot reports itself not ready, so load balancers stop sending it work. */
  stop(): void {
    this.stopping = true;
  }

  async report(): Promise<ReadinessReport> {
    if (this.stopping) return { status: "stopping", checks: {} };
    const outcomes = await Promise.all(this.checks.map(async ({ name, cached }) => [name, await cached.outcome()] as const));
    const failing = this.checks.filter((_, i) => !outcomes[i]?.[1].ok);
    const status =
      failing.length === 0 ? "ready" : failing.every(({ cached }) => cached.check.advisory === true) ? "degraded" : "not ready";
    return { status, checks: Object.fromEntries(outcomes) };
  }
}
