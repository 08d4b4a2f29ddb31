// Who a Slack user is for policy: standing and confirmed email via users.info (scopes users:read,
// users:read.email) and membership of the user groups the policy names via usergroups.users.list
// (scope usergroups:read). Profile emails can be edited by the member (to any address whose inbox
// they read) and by workspace admins, so an email counts only when Slack says it is confirmed
// (`is_email_confirmed`), and only full, active, human members of the home workspace are anyone
// at all (users.info `deleted`, `is_bot`/`is_app_user`, `is_restricted`/`is_ultra_restricted`,
// `is_stranger`, `team_id`; field names as in @slack/web-api's UsersInfoResponse).
import type { WebClient } from "@slack/web-api";
import type { Person, Standing } from "../../domain/people.js";
import type { LookupPurpose, UserDirectory } from "../../services/ports.js";

/**
 * How old an answer may be. Decisions (request, approve, deny, end, extend, acknowledge, admin
 * actions) read a person at most seconds old, so someone deactivated or removed from an
 * approvers' group cannot act a minute later; what only shapes a view (help, form options) may be
 * older, which keeps usergroups.users.list (Tier 2, about 20 calls a minute) off the hot path.
 */
export const MAX_AGE_MS: Readonly<Record<LookupPurpose, number>> = { decision: 10_000, display: 5 * 60_000 };

interface Cached<T> {
  readonly value: T;
  readonly at: number;
}

interface Account {
  readonly standing: Standing;
  readonly email: string | null;
}

interface UserRecord {
  readonly team_id?: string;
  readonly deleted?: boolean;
  readonly is_bot?: boolean;
  readonly is_app_user?: boolean;
  readonly is_restricted?: boolean;
  readonly is_ultra_restricted?: boolean;
  readonly is_stranger?: boolean;
  readonly is_email_confirmed?: boolean;
  readonly enterprise_user?: { readonly enterprise_id?: string };
  readonly profile?: { readonly email?: string };
}

interface Home {
  readonly teamId: string | undefined;
  readonly enterpriseId: string | undefined;
}

/** The account's standing, judged only from what Slack says; anything unexpected is refused. */
export function standingOf(user: UserRecord, home: Home): Standing {
  if (user.deleted !== false) return "deactivated";
  if (user.is_bot !== false || user.is_app_user === true) return "bot";
  if (user.is_restricted !== false || user.is_ultra_restricted === true) return "guest";
  const sameOrganisation = home.enterpriseId !== undefined && user.enterprise_user?.enterprise_id === home.enterpriseId;
  if (user.is_stranger === true || !(sameOrganisation || (user.team_id !== undefined && user.team_id === home.teamId))) return "external";
  return "member";
}

export class SlackDirectory implements UserDirectory {
  private readonly accounts = new Map<string, Cached<Account>>();
  private readonly members = new Map<string, Cached<ReadonlySet<string>>>();
  private home: Promise<Home> | undefined;

  constructor(
    private readonly client: WebClient,
    /** The Slack user groups the policy names: only their memberships matter. */
    private readonly usergroups: readonly string[] = [],
    private readonly now: () => number = Date.now,
  ) {}

  async person(slackUserId: string, purpose: LookupPurpose = "decision"): Promise<Person> {
    const maxAgeMs = MAX_AGE_MS[purpose];
    const account = await this.accountOf(slackUserId, maxAgeMs);
    // A non-member matches nothing, so their group memberships are not worth a call.
    const groups = account.standing === "member" ? await this.groupsOf(slackUserId, maxAgeMs) : [];
    return { slackId: slackUserId, email: account.email, groups, standing: account.standing };
  }

  private homeWorkspace(): Promise<Home> {
    this.home ??= this.client.auth.test().then(
      (identity) => ({
        teamId: identity.team_id,
        enterpriseId: identity.is_enterprise_install ? identity.enterprise_id : undefined,
      }),
      (error: unknown) => {
        this.home = undefined;
        throw error;
      },
    );
    return this.home;
  }

  private async accountOf(slackUserId: string, maxAgeMs: number): Promise<Account> {
    return this.cached(this.accounts, slackUserId, maxAgeMs, async () => {
      const home = await this.homeWorkspace();
      let user: UserRecord | undefined;
      try {
        user = (await this.client.users.info({ user: slackUserId })).user;
      } catch (error) {
        const code = (error as { data?: { error?: string } }).data?.error;
        if (code === "user_not_found" || code === "user_not_visible") return { standing: "unknown", email: null };
        throw error;
      }
      if (!user) return { standing: "unknown", email: null };
      const standing = standingOf(user, home);
      const email = standing === "member" && user.is_email_confirmed === true ? user.profile?.email?.trim().toLowerCase() || null : null;
      return { standing, email };
    });
  }

  private async groupsOf(slackUserId: string, maxAgeMs: number): Promise<string[]> {
    const memberships = await Promise.all(
      this.usergroups.map(async (group) => {
        const members = await this.cached(this.members, group, maxAgeMs, async () => {
          const result = await this.client.usergroups.users.list({ usergroup: group });
          return new Set(result.users ?? []);
        });
        return members.has(slackUserId) ? [group] : [];
      }),
    );
    return memberships.flat();
  }

  private async cached<T>(cache: Map<string, Cached<T>>, key: string, maxAgeMs: number, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && this.now() - hit.at < maxAgeMs) return hit.value;
    const at = this.now();
    const value = await load();
    cache.set(key, { value, at });
    return value;
  }
}
