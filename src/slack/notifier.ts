// Notifier over the Slack Web API: approval messages and direct messages to requesters.
import type { WebClient } from "@slack/web-api";
import type { Grant } from "../domain/grant.js";
import type { Account } from "../domain/policy.js";
import type { Logger, Notifier } from "../services/ports.js";
import { approvalRequestMessage, decidedRequestMessage, requesterUpdate } from "./blocks.js";

export class SlackNotifier implements Notifier {
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    private readonly accounts: readonly Account[],
    private readonly accessPortalUrl: string,
    private readonly logger: Logger,
  ) {}

  async postApprovalRequest(grant: Grant, approverChannel: string): Promise<{ channel: string; ts: string }> {
    const message = approvalRequestMessage(grant, this.accounts);
    const result = await this.client.chat.postMessage({ channel: approverChannel, ...message, unfurl_links: false });
    if (!result.channel || !result.ts) throw new Error("chat.postMessage returned no channel or ts");
    return { channel: result.channel, ts: result.ts };
  }

  async updateApprovalRequest(grant: Grant): Promise<void> {
    if (!grant.approvalChannel || !grant.approvalTs) return;
    const message = decidedRequestMessage(grant, this.accounts);
    await this.quietly(grant, "chat.update", () =>
      this.client.chat.update({ channel: grant.approvalChannel as string, ts: grant.approvalTs as string, ...message }),
    );
  }

  async tellRequester(grant: Grant): Promise<void> {
    const text = requesterUpdate(grant, this.accounts, this.accessPortalUrl);
    if (!text) return;
    await this.quietly(grant, "direct message", async () => {
      const channel = await this.dmChannel(grant.requesterId);
      await this.client.chat.postMessage({ channel, text, unfurl_links: false });
    });
  }

  private async dmChannel(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const opened = await this.client.conversations.open({ users: userId });
    const id = opened.channel?.id;
    if (!id) throw new Error("conversations.open returned no channel");
    this.dmChannels.set(userId, id);
    return id;
  }

  /** Message delivery must not undo or block the state change it reports: log and go on. */
  private async quietly(grant: Grant, what: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn({ grantId: grant.id, err: (error as Error).message }, `Slack ${what} failed`);
    }
  }
}
