// Notifier over the Slack Web API: approval messages, notices, and direct messages.
import type { WebClient } from "@slack/web-api";
import type { Extension } from "../../domain/extension.js";
import type { FenceFacts } from "../../domain/fence-capability.js";
import type { Grant } from "../../domain/grant.js";
import { findRule, type Approval, type Policy, type Rule } from "../../domain/policy.js";
import type { CurrentPolicy } from "../../services/policy-holder.js";
import type { GrantStore, Logger, Notifier } from "../../services/ports.js";
import type { ApprovalNudges, ApproverMessages, MessageLocation } from "../../services/ports.js";
import type { PrincipalRef } from "../../domain/people.js";
import { approverUserIds } from "./approver-dms.js";
import { SYSTEM_ACTOR } from "../../domain/audit-event.js";
import { partPending, type RequestBundle } from "../../domain/request-bundle.js";
import { bundleApprovalMessage, bundleRequesterMessage } from "../views/bundle-blocks.js";
import { approvalRequestMessage, decidedRequestMessage, requesterUpdate, type Message } from "../views/blocks.js";
import { extensionOutcomeMessage, extensionRequesterText, extensionRequestMessage } from "../views/extension-blocks.js";
import { breakGlassNotice } from "../views/break-glass-notice.js";
import { expiryWarning } from "../views/expiry-warning.js";
import { withApproverSessionLine, withRequesterSessionLine } from "../views/session-end.js";
import { reminderMessage, requesterEscalatedMessage } from "../views/nudge-text.js";

type Posted = MessageLocation;

/** What the notifier keeps of approvers' direct messages, and reads back to update them. */
export interface ApproverCopies {
  readonly copies: ApproverMessages;
  readonly grants: Pick<GrantStore, "get" | "approversOf">;
  /** Whether a request was escalated, which its message says. */
  readonly nudges: Pick<ApprovalNudges, "of">;
}

export class SlackNotifier implements Notifier {
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    /** Read at each message: the accounts change when the organization is read again. */
    private readonly policies: CurrentPolicy,
    private readonly accessPortalUrl: string,
    private readonly logger: Logger,
    private readonly approverCopies: ApproverCopies,
    /** Where role sessions outlive grants: the approvers and the requester are told until when. */
    private readonly fenceFacts: FenceFacts,
  ) {}

  private get policy(): Policy {
    return this.policies.current;
  }

  async postApprovalRequest(grant: Grant, rule: Rule): Promise<Posted> {
    const message = withApproverSessionLine(approvalRequestMessage(grant, this.policy.accounts, rule), grant, this.fenceFacts);
    const posted = await this.post(rule.approverChannel, message);
    if (rule.notifyApprovers) await this.sendCopies(grant, rule.approvers, message);
    return posted;
  }

  /**
   * The request, with its buttons, to each of `refs` directly (silent approvers are never among
   * them); every copy is remembered, so each update of the request reaches it too (updateApprovalRequest).
   */
  private async sendCopies(
    grant: Grant,
    refs: readonly PrincipalRef[],
    message: Message,
    catchUp = () => this.catchUpCopies(grant.id),
  ): Promise<void> {
    const { copies } = this.approverCopies;
    const approvers = await approverUserIds(this.client, refs).catch((error: unknown) => {
      this.logger.warn({ grantId: grant.id, err: (error as Error).message }, "Slack approver lookup failed");
      return [];
    });
    for (const approver of approvers) {
      if (approver === grant.requesterId) continue;
      await this.quietly(grant.id, "approver direct message", async () => copies.add(grant.id, await this.dm(approver, message)));
    }
    // A decision made while these went out updated only the copies remembered by then.
    await this.quietly(grant.id, "approver direct messages", catchUp);
  }

  private async catchUpCopies(grantId: string): Promise<void> {
    const { grants } = this.approverCopies;
    const now = await grants.get(grantId);
    if (now && now.status !== "pending") await this.updateCopies(now, await grants.approversOf(grantId));
  }

  async postBundleApproval(bundle: RequestBundle, channel: string): Promise<Posted> {
    const posted = await this.post(channel, bundleApprovalMessage(bundle, this.policy.accounts, { channel }, this.fenceFacts));
    for (const part of bundle.parts) {
      const [rule] = part.rules;
      const [anchor] = part.grants;
      if (!rule || !anchor || rule.approverChannel !== channel || !rule.notifyApprovers || !partPending(part)) continue;
      const copy = bundleApprovalMessage(bundle, this.policy.accounts, { channel, partOf: anchor.id }, this.fenceFacts);
      await this.sendCopies(anchor, rule.approvers, copy, () => this.catchUpBundleCopies(anchor, bundle));
    }
    return posted;
  }

  private async catchUpBundleCopies(anchor: Grant, bundle: RequestBundle): Promise<void> {
    const now = await this.approverCopies.grants.get(anchor.id);
    if (now && now.status !== "pending") await this.updateBundleCopies(bundle);
  }

  async postEscalation(anchor: Grant, rule: Rule, bundle?: RequestBundle): Promise<void> {
    const { escalation } = rule;
    if (!escalation) return;
    const message = bundle
      ? bundleApprovalMessage(bundle, this.policy.accounts, { channel: rule.approverChannel, partOf: anchor.id }, this.fenceFacts)
      : await this.approvalMessage(anchor, await this.approverCopies.grants.approversOf(anchor.id));
    const catchUp = bundle ? () => this.catchUpBundleCopies(anchor, bundle) : () => this.catchUpCopies(anchor.id);
    if (escalation.channel === null) return this.sendCopies(anchor, escalation.approvers, message, catchUp);
    const channel = escalation.channel;
    await this.quietly(anchor.id, "escalation", async () => this.approverCopies.copies.add(anchor.id, await this.post(channel, message)));
    await this.quietly(anchor.id, "escalation", catchUp);
  }

  async remindApprovers(anchor: Grant, rule: Rule, escalated: boolean): Promise<void> {
    const { approvalChannel: channel, approvalTs: ts } = anchor;
    if (!channel || !ts) return;
    const { text } = reminderMessage(anchor, rule, escalated);
    // A reply in the message's thread: thread_ts is the parent message's ts
    // (https://docs.slack.dev/reference/methods/chat.postMessage, "thread_ts").
    await this.quietly(anchor.id, "reminder", () => this.client.chat.postMessage({ channel, thread_ts: ts, text, unfurl_links: false }));
  }

  async tellRequesterEscalated(anchor: Grant, rule: Rule): Promise<void> {
    const message = requesterEscalatedMessage(anchor, rule, this.policy.accounts);
    await this.quietly(anchor.id, "direct message", () => this.dm(anchor.requesterId, message));
  }

  /**
   * Every message about the request: one per approvers' channel (each grant decided by people points
   * at its channel's), and the approvers' direct copies, kept under each part's first grant.
   */
  async updateBundleApproval(bundle: RequestBundle): Promise<void> {
    const locations = new Map<string, MessageLocation>();
    for (const grant of bundle.grants) {
      if (grant.decidedBy === SYSTEM_ACTOR || !grant.approvalChannel || !grant.approvalTs) continue;
      locations.set(`${grant.approvalChannel} ${grant.approvalTs}`, { channel: grant.approvalChannel, ts: grant.approvalTs });
    }
    for (const location of locations.values()) {
      await this.update(
        bundle.id,
        location,
        bundleApprovalMessage(bundle, this.policy.accounts, { channel: location.channel }, this.fenceFacts),
      );
    }
    await this.updateBundleCopies(bundle);
  }

  private async updateBundleCopies(bundle: RequestBundle): Promise<void> {
    for (const part of bundle.parts) {
      const [anchor] = part.grants;
      const channel = part.rules[0]?.approverChannel;
      if (!anchor || channel === undefined) continue;
      await this.quietly(bundle.id, "approver direct messages", async () => {
        const copies = await this.approverCopies.copies.of(anchor.id);
        if (copies.length === 0) return;
        const message = bundleApprovalMessage(bundle, this.policy.accounts, { channel, partOf: anchor.id }, this.fenceFacts);
        await Promise.all(copies.map((copy) => this.update(bundle.id, copy, message)));
      });
    }
  }

  async tellRequesterAboutBundle(bundle: RequestBundle): Promise<void> {
    const [first] = bundle.grants;
    if (!first) return;
    const message = bundleRequesterMessage(bundle, this.policy.accounts);
    await this.quietly(bundle.id, "direct message", () => this.dm(first.requesterId, message));
  }

  async postApprovedNotice(grant: Grant, rule: Rule, path: Exclude<Approval, "approvers">): Promise<Posted> {
    const message =
      path === "break-glass" ? breakGlassNotice(grant, this.policy.accounts) : decidedRequestMessage(grant, this.policy.accounts);
    return this.post(rule.approverChannel, withApproverSessionLine(message, grant, this.fenceFacts));
  }

  async updateApprovalRequest(grant: Grant, approvers: readonly string[] = []): Promise<void> {
    const message = await this.approvalMessage(grant, approvers);
    if (grant.approvalChannel && grant.approvalTs)
      await this.update(grant.id, { channel: grant.approvalChannel, ts: grant.approvalTs }, message);
    await this.updateCopies(grant, approvers, message);
  }

  private async approvalMessage(grant: Grant, approvers: readonly string[]): Promise<Message> {
    const rule = findRule(this.policy, grant.ruleName);
    const escalatedAt = grant.status === "pending" && rule?.escalation ? (await this.approverCopies.nudges.of(grant.id)).escalatedAt : null;
    const message =
      grant.status === "pending"
        ? approvalRequestMessage(grant, this.policy.accounts, rule, approvers, escalatedAt)
        : decidedRequestMessage(grant, this.policy.accounts, approvers);
    return withApproverSessionLine(message, grant, this.fenceFacts);
  }

  /** The approvers' direct messages about the request, updated like the channel's message. */
  private async updateCopies(grant: Grant, approvers: readonly string[], message?: Message): Promise<void> {
    await this.quietly(grant.id, "approver direct messages", async () => {
      const copies = await this.approverCopies.copies.of(grant.id);
      if (copies.length === 0) return;
      const shown = message ?? (await this.approvalMessage(grant, approvers));
      await Promise.all(copies.map((copy) => this.update(grant.id, copy, shown)));
    });
  }

  private async update(grantId: string, { channel, ts }: MessageLocation, message: Message): Promise<void> {
    await this.quietly(grantId, "chat.update", () => this.client.chat.update({ channel, ts, ...message }));
  }

  async tellRequester(grant: Grant): Promise<void> {
    const update = requesterUpdate(grant, this.policy.accounts, this.accessPortalUrl);
    const message = update && withRequesterSessionLine(update, grant, this.fenceFacts);
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

  private async dm(userId: string, message: Message): Promise<MessageLocation> {
    let channel = this.dmChannels.get(userId);
    if (!channel) {
      const opened = await this.client.conversations.open({ users: userId });
      channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
      this.dmChannels.set(userId, channel);
    }
    const sent = await this.client.chat.postMessage({
      channel,
      text: message.text,
      ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
      unfurl_links: false,
    });
    if (!sent.ts) throw new Error("chat.postMessage returned no ts");
    return { channel: sent.channel ?? channel, ts: sent.ts };
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
