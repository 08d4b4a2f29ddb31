// The audit channel over the Slack Web API. It gets a Web API client of its own that rejects
// rate-limited calls instead of pausing (the shared client pauses *every* call, DMs and approval
// messages included, for the whole Retry-After) and does not retry (the feed schedules the retry
// itself, so a job never sleeps inside the client).
import type { WebClient, WebClientOptions } from "@slack/web-api";
import { PostRefused, RetryLater, type AuditChannel, type FeedRecord, type PostingNote } from "../../audit/feed.js";
import { refusedBySlack, retryAfterMs, slackErrorCode } from "./api-errors.js";
import { AUDIT_POST_LIMITS, auditMessage, parseAuditBlockId } from "../views/audit-text.js";

export const AUDIT_CLIENT_OPTIONS = {
  rejectRateLimitedCalls: true,
  retryConfig: { retries: 0 },
} as const satisfies WebClientOptions;

export class SlackAuditChannel implements AuditChannel {
  readonly maxRecordsPerPost = AUDIT_POST_LIMITS.records;

  constructor(
    /** Built with AUDIT_CLIENT_OPTIONS. */
    private readonly client: WebClient,
    private readonly channel: string,
    /** Read at each post: the accounts change when the organization is read again. */
    private readonly accounts: () => readonly { id: string; name: string }[],
  ) {}

  async post(records: readonly FeedRecord[]): Promise<number> {
    const message = auditMessage(records, this.accounts());
    try {
      await this.client.chat.postMessage({
        channel: this.channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (error) {
      const wait = retryAfterMs(error);
      if (wait !== undefined) throw new RetryLater(wait, `chat.postMessage was rate limited for ${wait} ms`);
      const message = `chat.postMessage failed: ${slackErrorCode(error)}`;
      throw refusedBySlack(error) ? new PostRefused(message, { cause: error }) : new Error(message, { cause: error });
    }
    return message.count;
  }

  /**
   * Reads the channel's history since shortly before the post started and finds the bot's own
   * audit messages among it by their block ids (`audit-<seq>`, which only the bot's messages carry).
   */
  async postedThrough(note: PostingNote): Promise<number | undefined> {
    try {
      const { user_id: botUserId } = await this.client.auth.test();
      const oldest = ((note.startedAt - HISTORY_MARGIN_MS) / 1000).toFixed(6);
      let highest = 0;
      let cursor: string | undefined;
      for (let page = 0; page < HISTORY_PAGES; page += 1) {
        const history = await this.client.conversations.history({
          channel: this.channel,
          oldest,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        for (const message of history.messages ?? []) {
          if (message.user !== botUserId) continue;
          for (const seq of auditSeqsIn(message.blocks ?? [])) {
            if (seq >= note.firstSeq && seq <= note.lastSeq) highest = Math.max(highest, seq);
          }
        }
        cursor = history.response_metadata?.next_cursor || undefined;
        if (!history.has_more || !cursor) return highest;
      }
      return highest;
    } catch {
      return undefined;
    }
  }
}

/** Posts that started a little before the note's time (clocks of replicas differ slightly) are read too. */
const HISTORY_MARGIN_MS = 60_000;
/** At one post a second, an interrupted post is found within the first page; a few more cover a busy channel. */
const HISTORY_PAGES = 5;

function auditSeqsIn(blocks: readonly { block_id?: string }[]): number[] {
  return blocks.flatMap((block) => {
    const parsed = parseAuditBlockId(block.block_id ?? "");
    return parsed ? [parsed.seq] : [];
  });
}
