// Slack user id → email, via users.info (scope users:read.email), cached briefly.
import type { WebClient } from "@slack/web-api";
import type { UserDirectory } from "../services/ports.js";

const CACHE_MS = 5 * 60_000;

export class SlackDirectory implements UserDirectory {
  private readonly cache = new Map<string, { email: string | null; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  async emailOf(slackUserId: string): Promise<string | null> {
    const cached = this.cache.get(slackUserId);
    if (cached && cached.until > this.now()) return cached.email;
    const result = await this.client.users.info({ user: slackUserId });
    const email = result.user?.profile?.email?.toLowerCase() ?? null;
    this.cache.set(slackUserId, { email, until: this.now() + CACHE_MS });
    return email;
  }
}
