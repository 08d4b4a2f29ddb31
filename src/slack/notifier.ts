// Notifier over the Slack Web API: approval messages, notices, and direct messages.
import type { WebClient } from "@slack/web-api";
import type { Extension } from "../domain/extension.js";
import type { Grant } from "../domain/grant.js";
import { findRule, type Approval, type Policy, type Rule } from "../domain/policy.js";
import type { Logger, Notifier } from "../services/ports.js";
import { approverUserIds } from "./approver-dms.js";
import { approvalRequestMessage, decidedRequestMessage, requesterUpdate, type Message } from "./blocks.js";
import { extensionOutcomeMessage, extensionRequesterText, extensionRequestMessage } from "./extension-blocks.js";
import { breakGlassNotice } from "./views/break-glass-notice.js";
import { expiryWarning } from "./views/expiry-warning.js";

type Posted = { channel: string; ts: string };

export class SlackNotifier implements Notifier {
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    private readonly policy: Policy,
    private readonly accessPortalUrl: string,
    private readonly logger: Logger,
  ) {}

  async postApprovalRequest(grant: Grant, rule: Rule): Promise<Posted> {
    const message = approvalRequestMessage(grant, this.policy.accounts, rule);
    const posted = await this.post(rule.approverChannel, message);
    if (rule.notifyApprovers) {
      await this.quietly(grant.id, "approver direct messages", async () => {
        for (const approver of await approverUserIds(this.client, rule.approvers)) {
          if (approver !== grant.requesterId) await this.dm(approver, message);
        }
      });
    }
    return posted;
  }

  async postApprovedNotice(grant: Grant, rule: Rule, path: Exclude<Approval, "approvers">): Promise<Posted> {
    const message = path === "break-glass" ? breakGlassNotice(grant, this.policy.accounts) : decidedRequestMessage(grant, this.policy.accounts);
    return this.post(rule.approverChannel, message);
  }

  async updateApprovalRequest(grant: Grant, approvers: readonly string[] = []): Promise<void> {
    if (!grant.approvalChannel || !grant.approvalTs) return;
    const message =
      grant.status === "pending"
        ? approvalRequestMessage(grant, this.policy.accounts, findRule(this.policy, grant.ruleName), approvers)
        : decidedRequestMessage(grant, this.policy.accounts, approvers);
    const { approvalChannel: channel, approvalTs: ts } = grant;
    await this.quietly(grant.id, "chat.update", () => this.client.chat.update({ channel, ts, ...message }));
  }

  async tellRequester(grant: Grant): Promise<void> {
    const message = requesterUpdate(grant, this.policy.accounts, this.accessPortalUrl);
    if (message) await this.quietly(grant.id, "direct message", () => this.dm(grant.requesterId, message));
  }

  async warnRequester(grant: Grant): Promise<void> {
    await this.quietly(grant.id, "expiry warning", () => this.dm(grant.requesterId, expiryWarning(grant, this.policy.accounts)));
  }

  async postExtensionRequest(extension: Extension, grant: Grant, rule: Rule): Promise<Posted> {
    return this.post(rule.approverChannel, extensionRequestMessage(extension, grant, this.policy.accounts, rule));
  }

  async extensionDecided(extension: Extension, grant: Grant, applied: boolean): Promise<void> {
    const { approvalChannel: channel, approvalTs: ts } = extension;
    if (channel && ts) {
      const message = extensionOutcomeMessage(extension, grant, this.policy.accounts, applied);
      await this.quietly(grant.id, "chat.update", () => this.client.chat.update({ channel, ts, ...message }));
    }
    const text = extensionRequesterText(extension, grant, this.policy.accounts, applied);
    await this.quietly(grant.id, "direct message", () => this.dm(extension.requesterId, { text, blocks: [] }));
  }

  private async post(channel: string, message: Message): Promise<Posted> {
    const result = await this.client.chat.postMessage({ channel, ...message, unfurl_links: false });
    if (!result.channel || !result.ts) throw new Error("chat.postMessage returned no channel or ts");
    return { channel: result.channel, ts: result.ts };
  }

  private async dm(userId: string, message: Message): Promise<void> {
    let channel = this.dmChannels.get(userId);
    if (!channel) {
      const opened = await this.client.conversations.open({ users: userId });
      channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
      this.dmChannels.set(userId, channel);
    }
    await this.client.chat.postMessage({ channel, text: message.text, ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}), unfurl_links: false });
  }

  /** Message delivery must not undo or block the state change it reports: log and go on. */
  private async quietly(grantId: string, what: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn({ grantId, err: (error as Error).message }, `Slack ${what} failed`);
    }
  }
}
