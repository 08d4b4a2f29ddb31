// The audit channel over the Slack Web API. It gets a Web API client of its own that rejects
// rate-limited calls instead of pausing (the shared client pauses *every* call, DMs and approval
// messages included, for the whole Retry-After) and does not retry (the feed schedules the retry
// itself, so a job never sleeps inside the client).
import type { WebClient, WebClientOptions } from "@slack/web-api";
import { RetryLater, type AuditChannel } from "../audit/feed.js";
import type { AuditRecord } from "../domain/audit-event.js";
import { retryAfterMs, slackErrorCode } from "./api-errors.js";
import { AUDIT_POST_LIMITS, auditMessage } from "./audit-text.js";

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
    private readonly accounts: readonly { id: string; name: string }[],
  ) {}

  async post(records: readonly AuditRecord[]): Promise<number> {
    const message = auditMessage(records, this.accounts);
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
      throw new Error(`chat.postMessage failed: ${slackErrorCode(error)}`, { cause: error });
    }
    return message.count;
  }
}
