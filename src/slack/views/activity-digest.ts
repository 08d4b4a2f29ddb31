// The activity digest posted in the approval message's thread: flagged actions first, then how many
// calls in which regions, the write calls grouped by event with their resources, and the denied
// calls; a partial digest says which regions could not be read and why. Everything from CloudTrail
// (event and resource names) is escaped: a resource name is whatever the user chose to call it.
import type { KnownBlock } from "@slack/types";
import type { ActivityDigest, EventGroup } from "../../domain/activity-digest.js";
import type { GapReason } from "../../domain/activity-event.js";
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import type { DigestJob } from "../../services/ports.js";
import { ACTION_REVIEW_ACTIVITY } from "../ids.js";
import type { Message } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { accountLabel, plain, truncate } from "./parts.js";

/** Lines per list; the rest are counted. */
const LINES = 15;
/** Slack's section text limit is 3,000 characters. */
const SECTION = 2_900;

/** The first block's id names the grant, so a post an earlier process made is recognised in the thread. */
export function digestBlockId(grantId: string): string {
  return `jit_activity_${grantId}`;
}

const GAP_WORDS: Readonly<Record<GapReason, string>> = {
  throttled: "AWS kept throttling the reads",
  "no-role": "the read-only role could not be assumed in the account",
  "region-unavailable": "the region is not enabled for the account",
  "history-expired": "CloudTrail event history keeps 90 days, and the grant began before that",
  error: "the lookup failed",
  "trail-unreadable": "the organization trail's bucket could not be read",
  "corrupt-file": "a trail log file is not gzip JSON CloudTrail records",
  "too-many-files": "the window holds more trail log files than one digest reads",
};

function code(text: string): string {
  return `\`${escapeMrkdwn(truncate(text, 120)).replace(/`/g, "'")}\``;
}

function resourceList(resources: readonly string[]): string {
  return resources.length === 0 ? "" : ` — ${resources.map((resource) => escapeMrkdwn(truncate(resource, 80))).join(", ")}`;
}

/**
 * The title and as many whole lines as fit in one section (at most LINES), then how many are left
 * out: a line is never cut, and what does not fit is counted rather than dropped unsaid.
 */
function listed(title: string, lines: readonly string[]): string {
  const shown: string[] = [title];
  let length = title.length;
  for (const line of lines.slice(0, LINES)) {
    if (length + line.length + 1 > SECTION - 40) break;
    shown.push(line);
    length += line.length + 1;
  }
  const rest = lines.length - (shown.length - 1);
  return [...shown, ...(rest > 0 ? [`…and ${rest} more`] : [])].join("\n");
}

function groupLines(groups: readonly EventGroup[]): string[] {
  return groups.map((group) => `• ${code(`${group.service}:${group.eventName}`)} ×${group.count}${resourceList(group.resources)}`);
}

function section(text: string, blockId?: string): KnownBlock {
  return { type: "section", ...(blockId ? { block_id: blockId } : {}), text: { type: "mrkdwn", text: truncate(text, SECTION) } };
}

function flaggedBlock(digest: ActivityDigest): KnownBlock[] {
  if (digest.flagged.length === 0) return [];
  const lines = digest.flagged.map(
    (event) =>
      `• ${code(`${event.service}:${event.eventName}`)} ${escapeMrkdwn(event.why)}${event.denied ? " (denied)" : ""} · ${escapeMrkdwn(event.region)} · ${slackDate(event.at)}${resourceList(event.resources)}`,
  );
  return [section(listed(`:rotating_light: *Flagged (${digest.flagged.length})*`, lines))];
}

function reviewBlocks(grant: Grant, job: DigestJob): KnownBlock[] {
  if (!job.needsReview) return [];
  if (job.reviewedBy !== null) {
    const when = job.reviewedAt !== null ? ` ${slackDate(job.reviewedAt)}` : "";
    return [{ type: "context", elements: [{ type: "mrkdwn", text: `:eyes: Reviewed by ${mention(job.reviewedBy)}${when}` }] }];
  }
  const why = grant.breakGlass
    ? "Break-glass access: an approver must review what was done."
    : "An approver must review the flagged actions.";
  return [
    section(`*${why}*`),
    {
      type: "actions",
      block_id: "jit_activity_review",
      elements: [{ type: "button", action_id: ACTION_REVIEW_ACTIVITY, style: "primary", value: grant.id, text: plain("Reviewed") }],
    },
  ];
}

export function activityDigestMessage(grant: Grant, job: DigestJob, digest: ActivityDigest, accounts: readonly Account[]): Message {
  const target = `${escapeMrkdwn(grant.permissionSetName)} on ${accountLabel(grant.accountId, accounts)}`;
  const partial = digest.gaps.length > 0;
  const headline = `:mag_right: *Activity of \`${grant.id}\`*${partial ? " (partial)" : ""}: ${mention(grant.requesterId)}, ${target}, ${slackDate(digest.window.from)} to ${slackDate(digest.window.until)}`;
  const regions = digest.regions.map((entry) => `${escapeMrkdwn(entry.region)} (${entry.count})`).join(", ");
  const counts = `${digest.total} call${digest.total === 1 ? "" : "s"}${regions ? ` in ${regions}` : ""} · ${digest.writes.reduce((sum, group) => sum + group.count, 0)} writes · ${digest.denied.reduce((sum, group) => sum + group.count, 0)} denied`;
  const gaps = digest.gaps.map(
    (gap) => `• ${escapeMrkdwn(gap.region)}: ${GAP_WORDS[gap.reason]} (${escapeMrkdwn(truncate(gap.message, 200))})`,
  );
  return {
    text: `Activity of ${grant.id}${partial ? " (partial)" : ""}: ${digest.total} calls, ${digest.flagged.length} flagged`,
    blocks: [
      section(headline, digestBlockId(grant.id)),
      ...(partial ? [section([":warning: *Partial: some events could not be read, so more may have happened.*", ...gaps].join("\n"))] : []),
      ...flaggedBlock(digest),
      section(counts),
      ...(digest.writes.length > 0 ? [section(listed("*Write calls*", groupLines(digest.writes)))] : []),
      ...(digest.denied.length > 0 ? [section(listed("*Denied calls*", groupLines(digest.denied)))] : []),
      ...reviewBlocks(grant, job),
    ],
  };
}
