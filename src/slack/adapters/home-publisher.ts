// Publishes people's Home tabs (views.publish), bounded. Slack rates views.publish at Tier 4, "100+
// per minute" per workspace (https://docs.slack.dev/reference/methods/views.publish,
// https://docs.slack.dev/apis/web-api/rate-limits): a burst of changes (an incident switch ending
// 200 grants) must not spend that. So refreshes are coalesced per person (at most one publish per
// person every `perUserMs`; whatever changes meanwhile is in the next one, rendered when it is sent),
// all publishes together stay within `perMinute` in any minute, and a 429 stops every publish for the
// Retry-After Slack names.
//
// Who has opened their Home tab is kept in memory only: after a restart, or on another replica, a
// person's tab is refreshed again from the first time they open it there (app_home_opened).
import type { HomeView } from "@slack/types";
import type { Person } from "../../domain/people.js";
import { errorText } from "../../domain/errors.js";
import type { Logger } from "../../services/ports.js";
import { retryAfterMs } from "./api-errors.js";

export interface HomeTiming {
  /** Least time between two publishes of one person's tab. */
  readonly perUserMs: number;
  /** The most publishes, for everyone together, in any 60 s. */
  readonly perMinute: number;
  readonly now: () => number;
}

// 80 rather than Slack's 100: the app's other views.publish callers (none today) and a clock skew
// between our minute and Slack's stay inside the tier.
export const DEFAULT_HOME_TIMING: HomeTiming = { perUserMs: 3_000, perMinute: 80, now: Date.now };

/** A rendered tab and who it was rendered for, as the directory said at the time. */
export interface RenderedHome {
  readonly view: HomeView;
  readonly viewer: Person;
  readonly admin: boolean;
}

export interface HomeViewer {
  readonly person: Person;
  readonly admin: boolean;
}

const MINUTE_MS = 60_000;

export class HomePublisher {
  private readonly viewers = new Map<string, HomeViewer | undefined>();
  private readonly lastAt = new Map<string, number>();
  /** People whose tab is to be published, with the earliest time it may be. */
  private readonly due = new Map<string, number>();
  private readonly sentAt: number[] = [];
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private stopped = false;
  private readonly timing: HomeTiming;

  constructor(
    private readonly render: (userId: string) => Promise<RenderedHome>,
    private readonly publish: (userId: string, view: HomeView) => Promise<void>,
    private readonly logger: Logger,
    timing: Partial<HomeTiming> = {},
  ) {
    this.timing = { ...DEFAULT_HOME_TIMING, ...timing };
  }

  /** The person opened their Home tab: it is theirs to keep fresh from now on, starting with this one. */
  opened(userId: string): void {
    if (!this.viewers.has(userId)) this.viewers.set(userId, undefined);
    this.refresh(userId);
  }

  /** Everyone who has opened their tab here, with who they were at its last rendering (undefined before the first). */
  get known(): ReadonlyMap<string, HomeViewer | undefined> {
    return this.viewers;
  }

  /** Publishes the person's tab again, soon; nothing for someone who never opened it. */
  refresh(userId: string): void {
    if (this.stopped || !this.viewers.has(userId) || this.due.has(userId)) return;
    this.due.set(userId, (this.lastAt.get(userId) ?? 0) + this.timing.perUserMs);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.due.clear();
  }

  private schedule(): void {
    if (this.draining || this.stopped) return;
    clearTimeout(this.timer);
    const next = Math.min(...this.due.values());
    if (!Number.isFinite(next)) return;
    const wait = Math.max(next, this.pausedUntil, this.windowOpensAt()) - this.timing.now();
    this.timer = setTimeout(() => void this.drain(), Math.max(0, wait));
    this.timer.unref();
  }

  /** When the next publish fits in the last minute's allowance. */
  private windowOpensAt(): number {
    const now = this.timing.now();
    while ((this.sentAt[0] ?? Number.POSITIVE_INFINITY) <= now - MINUTE_MS) this.sentAt.shift();
    return this.sentAt.length < this.timing.perMinute ? now : (this.sentAt[0] ?? now) + MINUTE_MS;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (;;) {
        const now = this.timing.now();
        if (this.stopped || now < this.pausedUntil || this.windowOpensAt() > now) break;
        const userId = [...this.due].find(([, at]) => at <= now)?.[0];
        if (userId === undefined) break;
        this.due.delete(userId);
        this.sentAt.push(now);
        this.lastAt.set(userId, now);
        await this.publishOne(userId);
      }
    } finally {
      this.draining = false;
      this.schedule();
    }
  }

  private async publishOne(userId: string): Promise<void> {
    try {
      const rendered = await this.render(userId);
      this.viewers.set(userId, { person: rendered.viewer, admin: rendered.admin });
      await this.publish(userId, rendered.view);
    } catch (error) {
      const wait = retryAfterMs(error);
      if (wait === undefined) {
        this.logger.warn({ user: userId, err: errorText(error) }, "publishing the Home tab failed");
        return;
      }
      this.pausedUntil = this.timing.now() + wait;
      this.logger.warn({ user: userId, retryAfterMs: wait }, "views.publish is rate limited; waiting as asked");
      if (!this.due.has(userId)) this.due.set(userId, this.pausedUntil);
    }
  }
}
