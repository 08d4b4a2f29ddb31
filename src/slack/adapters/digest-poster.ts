// Posts activity digests in the approval message's thread (or, for a grant that never had one, in
// its rule's approvers' channel), finds one an earlier process posted, and updates it once reviewed.
import type { WebClient } from "@slack/web-api";
import type { ActivityDigest } from "../../domain/activity-digest.js";
import type { Grant } from "../../domain/grant.js";
import { findRule } from "../../domain/policy.js";
import type { CurrentPolicy } from "../../services/policy-holder.js";
import type { DigestJob, DigestPoster, MessageLocation } from "../../services/ports.js";
import { activityDigestMessage, digestBlockId } from "../views/activity-digest.js";

export class SlackDigestPoster implements DigestPoster {
  constructor(
    private readonly client: WebClient,
    private readonly policies: CurrentPolicy,
  ) {}

  async post(grant: Grant, job: DigestJob, digest: ActivityDigest): Promise<MessageLocation> {
    const channel = grant.approvalChannel ?? findRule(this.policies.current, grant.ruleName)?.approverChannel;
    if (!channel) throw new Error(`${grant.id} has no approval message and its rule "${grant.ruleName}" is no longer in the policy`);
    const message = activityDigestMessage(grant, job, digest, this.policies.current.accounts);
    const posted = await this.client.chat.postMessage({
      channel,
      ...(grant.approvalChannel && grant.approvalTs ? { thread_ts: grant.approvalTs } : {}),
      text: message.text,
      blocks: message.blocks,
    });
    if (!posted.ts) throw new Error("chat.postMessage returned no ts");
    return { channel: posted.channel ?? channel, ts: posted.ts };
  }

  async find(grant: Grant): Promise<MessageLocation | undefined> {
    if (!grant.approvalChannel || !grant.approvalTs) return undefined;
    const replies = await this.client.conversations.replies({ channel: grant.approvalChannel, ts: grant.approvalTs, limit: 200 });
    const blockId = digestBlockId(grant.id);
    const found = replies.messages?.find((message) => message.blocks?.some((block) => block.block_id === blockId));
    return found?.ts ? { channel: grant.approvalChannel, ts: found.ts } : undefined;
  }

  async update(grant: Grant, job: DigestJob, digest: ActivityDigest): Promise<void> {
    if (!job.channel || !job.ts) return;
    const message = activityDigestMessage(grant, job, digest, this.policies.current.accounts);
    await this.client.chat.update({ channel: job.channel, ts: job.ts, text: message.text, blocks: message.blocks });
  }
}
