// The messages about a multi-target request: one approval message listing every target, its rule
// and where it stands, with Approve/Deny for each part still waiting; and the requester's summary.
// Within Slack's limits at any size the policy allows: at most 50 blocks in a message and 3000
// characters in a section (https://docs.slack.dev/reference/block-kit/blocks); two blocks per part
// and four for the request, so 20 targets under 20 different rules take 44.
import type { KnownBlock } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import type { FenceFacts } from "../../domain/fence-capability.js";
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import { partPending, type BundlePart, type RequestBundle } from "../../domain/request-bundle.js";
import { SYSTEM_ACTOR } from "../../domain/audit-event.js";
import type { Message } from "./blocks.js";
import { requesterWords } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { accountLabel, escapedExcerpt, LIMITS, truncate, typedLine, typedText } from "./parts.js";
import { approverSessionLine } from "./session-end.js";
import { approverRefText, escalationLine } from "./nudge-text.js";
import { ACTION_APPROVE, ACTION_DENY } from "../ids.js";

/** Target lines shown in full per part; the rest are named in one line. */
const LISTED_TARGETS = 10;

/** Where one target stands, in a few words. */
export function targetState(grant: Grant): string {
  switch (grant.status) {
    case "pending":
      return ":hourglass: waiting for approval";
    case "denied":
      return ":no_entry: denied";
    case "expired":
      return ":hourglass: expired undecided";
    case "cancelled":
      return ":leftwards_arrow_with_hook: withdrawn";
    case "approved":
    case "provisioning":
      return ":gear: granting in AWS…";
    case "active":
      return `:unlock: active until ${slackDate(grant.expiresAt ?? 0)}`;
    case "failed":
      return `:x: failed: ${escapedExcerpt(grant.failureReason ?? "unknown reason", 150)}`;
    case "revoking":
      return ":lock: ending…";
    case "revoked":
      return grant.activatedAt === null ? ":lock: stopped before it became active" : `:lock: ended ${slackDate(grant.endedAt ?? 0)}`;
  }
}

function targetLine(grant: Grant, accounts: readonly Account[]): string {
  return `• *${escapeMrkdwn(grant.permissionSetName)}* on ${accountLabel(grant.accountId, accounts)} — ${targetState(grant)}`;
}

/** Up to LISTED_TARGETS lines, then one line naming the rest: a long part stays one short section. */
function targetLines(grants: readonly Grant[], accounts: readonly Account[]): string {
  const lines = grants.slice(0, LISTED_TARGETS).map((grant) => targetLine(grant, accounts));
  const rest = grants.slice(LISTED_TARGETS);
  if (rest.length > 0) {
    const names = rest.map((grant) => `${escapeMrkdwn(grant.permissionSetName)} on ${grant.accountId}`).join(", ");
    lines.push(`…and ${rest.length} more: ${names}`);
  }
  return lines.join("\n");
}

/** Who decides the part and how far they are, or how it was decided. */
function partHeading(part: BundlePart, index: number, count: number, bundle: RequestBundle, channel: string): string {
  const rules = part.rules.map((rule) => `"${escapedExcerpt(rule.name, 60)}"`).join(", ") || "no longer in the policy";
  const [rule] = part.rules;
  const label = count > 1 ? `*Part ${index + 1} of ${count}*` : "*Targets*";
  let heading = `${label} · rule ${rules}`;
  if (rule) {
    heading += ` · approvers ${approverRefText(rule.approvers)}`;
    if (rule.approvalsRequired > 1) heading += ` · needs ${rule.approvalsRequired} distinct approvals`;
    if (rule.approverChannel !== channel) heading += ` · decided in <#${rule.approverChannel}>`;
  }
  const waiting = part.grants.find((grant) => grant.status === "pending");
  const approvedBy = waiting ? (bundle.approvers.get(waiting.id) ?? []) : [];
  if (approvedBy.length > 0) heading += ` · approved so far by ${approvedBy.map(mention).join(", ")}`;
  const escalated = waiting ? escalationLine(rule, bundle.escalatedAt?.get(waiting.id) ?? null) : undefined;
  if (escalated) heading += `\n${escalated}`;
  const decided = part.grants.find((grant) => grant.decidedBy && grant.decidedBy !== SYSTEM_ACTOR && grant.decidedAt);
  if (!waiting && decided?.decidedBy && decided.decidedAt) {
    const verb = decided.status === "denied" ? "Denied" : "Approved";
    heading += `\n${verb} by ${mention(decided.decidedBy)} ${slackDate(decided.decidedAt)}`;
  }
  if (part.grants.every((grant) => grant.decidedBy === SYSTEM_ACTOR)) {
    heading += `\n${part.grants[0]?.breakGlass ? "Break-glass: granted at once (reviewed on its own notice)" : "Approved automatically by the rule"}`;
  }
  return heading;
}

/** Where a bundle's message goes: a channel's message has the buttons of the parts decided there, a part's copy only that part's. */
export interface BundleAudience {
  readonly channel: string;
  /** For a copy sent about one part (an approver's DM, an escalation): that part's first grant. */
  readonly partOf?: string;
}

function partBlocks(
  part: BundlePart,
  index: number,
  count: number,
  bundle: RequestBundle,
  accounts: readonly Account[],
  to: BundleAudience,
) {
  const text = `${partHeading(part, index, count, bundle, to.channel)}\n${targetLines(part.grants, accounts)}`;
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: truncate(text, LIMITS.sectionText) } }];
  const [rule] = part.rules;
  const anchor = part.grants[0];
  const decidedHere = to.partOf === undefined ? rule?.approverChannel === to.channel : anchor?.id === to.partOf;
  if (anchor && rule && decidedHere && partPending(part)) {
    blocks.push({
      type: "actions",
      block_id: `jit_decision_${index}`,
      elements: [
        { type: "button", action_id: ACTION_APPROVE, style: "primary", value: anchor.id, text: { type: "plain_text", text: "Approve" } },
        { type: "button", action_id: ACTION_DENY, style: "danger", value: anchor.id, text: { type: "plain_text", text: "Deny" } },
      ],
    });
  } else {
    const denied = part.grants.find((grant) => grant.status === "denied" && grant.decisionReason);
    if (denied?.decisionReason) blocks.push({ type: "section", text: typedText([typedLine("Reason", denied.decisionReason, 2500)]) });
  }
  return blocks;
}

/** Where role sessions outlive the grants, once per distinct warning. */
function sessionLines(bundle: RequestBundle, facts: FenceFacts): KnownBlock[] {
  const lines = [...new Set(bundle.grants.map((grant) => approverSessionLine(grant, facts)).filter((line) => line !== undefined))];
  if (lines.length === 0) return [];
  return [{ type: "context", elements: [{ type: "mrkdwn", text: truncate(lines.join("\n"), LIMITS.sectionText) }] }];
}

/** The approvers' message in `channel` (or a copy about one part) about the whole request. */
export function bundleApprovalMessage(
  bundle: RequestBundle,
  accounts: readonly Account[],
  audience: BundleAudience,
  facts: FenceFacts,
): Message {
  const [first] = bundle.grants;
  if (!first) throw new RangeError(`request ${bundle.id} has no grants`);
  const waiting = bundle.grants.filter((grant) => grant.status === "pending").length;
  const text = `${mention(first.requesterId)} requests ${bundle.grants.length} targets for ${formatDuration(first.durationMs)} (${bundle.id})${waiting > 0 ? `: ${waiting} waiting for approval` : ""}`;
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `Access request ${bundle.id} (${bundle.grants.length} targets)` } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Requester*\n${mention(first.requesterId)}` },
          {
            type: "mrkdwn",
            text: `*Identity Center user*\n${first.requesterEmail ? escapeMrkdwn(first.requesterEmail) : "none (no confirmed email)"}`,
          },
          { type: "mrkdwn", text: `*Duration*\n${formatDuration(first.durationMs)} for each target` },
          { type: "mrkdwn", text: `*Requested*\n${slackDate(first.createdAt)}` },
        ],
      },
      { type: "section", text: requesterWords(first) },
      ...bundle.parts.flatMap((part, index) => partBlocks(part, index, bundle.parts.length, bundle, accounts, audience)),
      ...sessionLines(bundle, facts),
    ],
  };
}

/** The requester's summary of their request: each part and where its targets stand. */
export function bundleRequesterMessage(bundle: RequestBundle, accounts: readonly Account[]): Message {
  const lines = [`:inbox_tray: Your request ${bundle.id} for ${bundle.grants.length} targets:`];
  for (const part of bundle.parts) {
    const decided = part.grants.find((grant) => grant.decidedBy && grant.decidedBy !== SYSTEM_ACTOR);
    const by = decided?.decidedBy ? ` (${decided.status === "denied" ? "denied" : "approved"} by ${mention(decided.decidedBy)})` : "";
    lines.push(`*Rule ${part.rules.map((rule) => `"${escapedExcerpt(rule.name, 60)}"`).join(", ") || "no longer in the policy"}*${by}`);
    lines.push(targetLines(part.grants, accounts));
  }
  const text = truncate(lines.join("\n"), LIMITS.sectionText);
  const denied = bundle.grants.find((grant) => grant.status === "denied" && grant.decisionReason);
  const reason: KnownBlock[] = denied?.decisionReason
    ? [{ type: "section", text: typedText([typedLine("Reason", denied.decisionReason, 2500)]) }]
    : [];
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }, ...reason] };
}

/** What the requester is told at once about a request for several targets. */
export function bundleConfirmation(grants: readonly Grant[], accounts: readonly Account[]): string {
  const [first] = grants;
  const id = first?.bundleId ?? "";
  const lines = grants.map((grant) => targetLine(grant, accounts));
  const waiting = grants.some((grant) => grant.status === "pending");
  const next = waiting ? " You will get a message as each part is decided." : "";
  return truncate(
    `:inbox_tray: Request ${id} for ${grants.length} targets, ${formatDuration(first?.durationMs ?? 0)} each:${next}\n${lines.join("\n")}`,
    3900,
  );
}
