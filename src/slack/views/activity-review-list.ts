// `/jit list --review` for admins: below the break-glass grants awaiting acknowledgement, the
// activity digests whose flagged actions (or break-glass use) nobody has reviewed yet.
import type { KnownBlock } from "@slack/types";
import type { ActivityDigest } from "../../domain/activity-digest.js";
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import type { DigestJob } from "../../services/ports.js";
import { ACTION_REVIEW_ACTIVITY } from "../ids.js";
import type { Message } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { accountLabel, plain } from "./parts.js";

/** Rows shown: with the break-glass page's 20 the message stays under Slack's 50 blocks. */
export const DIGEST_ROWS = 10;

export interface DigestToReview {
  readonly grant: Grant;
  readonly job: DigestJob;
  readonly digest: ActivityDigest;
}

function row({ grant, job, digest }: DigestToReview, accounts: readonly Account[]): KnownBlock {
  const flagged = digest.flagged.length;
  const why = flagged > 0 ? `${flagged} flagged action${flagged === 1 ? "" : "s"}` : "break-glass access";
  const where = job.channel && job.ts ? " · in the approval thread" : "";
  return {
    type: "section",
    text: {
      type: "mrkdwn",
      text: `*${escapeMrkdwn(grant.permissionSetName)}* on ${accountLabel(grant.accountId, accounts)} · \`${escapeMrkdwn(grant.id)}\`\n${mention(grant.requesterId)} · ${why} · ended ${slackDate(digest.window.until)}${where}`,
    },
    accessory: { type: "button", action_id: ACTION_REVIEW_ACTIVITY, value: grant.id, text: plain("Reviewed") },
  };
}

/** The review list with the digests awaiting review added below it. */
export function withDigestsToReview(list: Message, digests: readonly DigestToReview[], accounts: readonly Account[]): Message {
  if (digests.length === 0) return list;
  const title = `:mag_right: ${digests.length} activity digest${digests.length === 1 ? "" : "s"} waiting for review`;
  const more = digests.length - DIGEST_ROWS;
  return {
    text: `${list.text} · ${title}`,
    blocks: [
      ...list.blocks,
      { type: "divider" },
      { type: "section", text: { type: "mrkdwn", text: `*${title}*` } },
      ...digests.slice(0, DIGEST_ROWS).map((entry) => row(entry, accounts)),
      ...(more > 0
        ? [{ type: "context" as const, elements: [{ type: "mrkdwn" as const, text: `…and ${more} more, oldest first.` }] }]
        : []),
    ],
  };
}
