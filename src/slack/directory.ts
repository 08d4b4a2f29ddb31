// Who a Slack user is for policy: email via users.info (scope users:read.email) and membership of
// the user groups the policy names via usergroups.users.list (scope usergroups:read), cached briefly.
import type { WebClient } from "@slack/web-api";
import type { Person } from "../domain/people.js";
import type { UserDirectory } from "../services/ports.js";

const CACHE_MS = 5 * 60_000;

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

export class SlackDirectory implements UserDirectory {
  private readonly emails = new Map<string, Cached<string | null>>();
  private readonly members = new Map<string, Cached<ReadonlySet<string>>>();

  constructor(
    private readonly client: WebClient,
    /** The Slack user groups the policy names: only their memberships matter. */
    private readonly usergroups: readonly string[] = [],
    private readonly now: () => number = Date.now,
  ) {}

  async person(slackUserId: string): Promise<Person> {
    const [email, groups] = await Promise.all([this.emailOf(slackUserId), this.groupsOf(slackUserId)]);
    return { slackId: slackUserId, email, groups };
  }

  private async emailOf(slackUserId: string): Promise<string | null> {
    return this.cached(this.emails, slackUserId, async () => {
      const result = await this.client.users.info({ user: slackUserId });
      return result.user?.profile?.email?.toLowerCase() ?? null;
    });
  }

  private async groupsOf(slackUserId: string): Promise<string[]> {
    const memberships = await Promise.all(
      this.usergroups.map(async (group) => {
        const members = await this.cached(this.members, group, async () => {
          const result = await this.client.usergroups.users.list({ usergroup: group });
          return new Set(result.users ?? []);
        });
        return members.has(slackUserId) ? [group] : [];
      }),
    );
    return memberships.flat();
  }

  private async cached<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await load();
    cache.set(key, { value, until: this.now() + CACHE_MS });
    return value;
  }
}
