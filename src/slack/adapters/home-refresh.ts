// Keeps Home tabs fresh by watching the audit trail rather than the use cases: every change to a
// grant (requested, decided, started, ended, extended, reviewed) appends an audit record naming it
// in the change's own transaction, so reading the records after the last one seen finds every grant
// that changed, whoever changed it (this process, another replica, jit-admin). Each change refreshes
// the tabs of those it concerns who have opened theirs: the requester, the rule's approvers, and for
// break-glass access the admins. The publisher bounds how often that reaches Slack.
import type { Grant } from "../../domain/grant.js";
import { findRule, isPerson, type Policy } from "../../domain/policy.js";
import { errorText } from "../../domain/errors.js";
import type { GrantStore, Logger } from "../../services/ports.js";
import type { HomePublisher, HomeViewer } from "./home-publisher.js";

/** The part of the audit trail this reads (store/backend.ts AuditTrail). */
export interface AuditLinks {
  links(afterSeq?: number): AsyncIterable<{ readonly seq: number; readonly grantId: string }>;
  issuedThrough(): Promise<number>;
}

export const HOME_REFRESH_INTERVAL_MS = 1_000;

export class HomeRefresher {
  /** The last record seen; undefined until the first run, which starts from the trail's end. */
  private cursor: number | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly audit: AuditLinks,
    private readonly store: Pick<GrantStore, "get">,
    private readonly policy: () => Policy,
    private readonly publisher: HomePublisher,
    private readonly logger: Logger,
  ) {}

  start(intervalMs = HOME_REFRESH_INTERVAL_MS): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Reads the records since the last run and refreshes whose tabs they concern; concurrent calls share one run. */
  tick(): Promise<void> {
    this.running ??= this.run()
      .catch((error: unknown) => this.logger.warn({ err: errorText(error) }, "reading the audit trail for Home tabs failed"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async run(): Promise<void> {
    if (this.cursor === undefined) {
      this.cursor = await this.audit.issuedThrough();
      return;
    }
    const changed = new Set<string>();
    for await (const link of this.audit.links(this.cursor)) {
      this.cursor = Math.max(this.cursor, link.seq);
      if (link.grantId !== "") changed.add(link.grantId);
    }
    if (this.publisher.known.size === 0) return;
    for (const grantId of changed) {
      const grant = await this.store.get(grantId);
      if (!grant) continue;
      for (const userId of concerned(grant, this.publisher.known, this.policy())) this.publisher.refresh(userId);
    }
  }
}

/** Who, of those who have opened their tab, would see this grant change there. */
export function concerned(grant: Grant, viewers: ReadonlyMap<string, HomeViewer | undefined>, policy: Policy): string[] {
  const rule = findRule(policy, grant.ruleName);
  const users: string[] = [];
  for (const [userId, viewer] of viewers) {
    const sees =
      userId === grant.requesterId ||
      // Not rendered yet: their first publish is on its way and will show it.
      viewer === undefined ||
      (rule !== undefined && isPerson(rule.approvers, viewer.person)) ||
      (grant.breakGlass && viewer.admin);
    if (sees) users.push(userId);
  }
  return users;
}
