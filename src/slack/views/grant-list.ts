// `/jit list`: the caller's open grants; `/jit list --review`: break-glass access nobody has reviewed.
import type { KnownBlock, SectionBlock } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import { OPEN_STATUSES, type Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import type { Message } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { accountLabel, plain, typedLine, typedText } from "./parts.js";
import { ACTION_REVIEW } from "../ids.js";

/** Rows shown before "…and N more": 20 rows and their framing stay well under Slack's 50 blocks. */
export const LIST_CAP = 20;

function what(grant: Grant, accounts: readonly Account[]): string {
  return `*${escapeMrkdwn(grant.permissionSetName)}* on ${accountLabel(grant.accountId, accounts)} · \`${escapeMrkdwn(grant.id)}\``;
}

function state(grant: Grant, now: number): string {
  switch (grant.status) {
    case "pending":
      return `:hourglass: waiting for approval since ${slackDate(grant.createdAt)} · ${formatDuration(grant.durationMs)} asked`;
    case "approved":
    case "provisioning":
      return ":gear: approved, being granted in AWS";
    case "active": {
      const expiresAt = grant.expiresAt ?? now;
      const left = expiresAt > now ? ` (${formatDuration(expiresAt - now)} left)` : "";
      return `:unlock: active until ${slackDate(expiresAt)}${left}`;
    }
    case "revoking":
      return ":lock: ending, access being removed";
    default:
      return grant.status;
  }
}

/** A section of the bot's mrkdwn, with the words people typed, if any, as fields below it (see typedText). */
function section(text: string, typed: readonly string[] = []): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text }, ...(typed.length > 0 ? { fields: [typedText(typed)] } : {}) };
}

function ticket(grant: Grant): string[] {
  return grant.ticket ? [typedLine("Ticket", grant.ticket, 100)] : [];
}

function more(hidden: number): KnownBlock[] {
  return hidden > 0 ? [{ type: "context", elements: [{ type: "mrkdwn", text: `…and ${hidden} more.` }] }] : [];
}

// Active access first, soonest to end at the top; then pending requests, oldest first.
function byUrgency(a: Grant, b: Grant): number {
  const rank = (grant: Grant) => (grant.status === "pending" ? 1 : 0);
  return rank(a) - rank(b) || (a.expiresAt ?? a.createdAt) - (b.expiresAt ?? b.createdAt);
}

/** The caller's pending and active grants (pass only theirs), with when each ends. */
export function grantList(grants: readonly Grant[], accounts: readonly Account[], now: number): Message {
  const open = grants.filter((grant) => OPEN_STATUSES.includes(grant.status)).sort(byUrgency);
  if (open.length === 0) {
    const text = "You have no pending or active access. Use `/jit` to ask for some.";
    return { text, blocks: [section(text)] };
  }
  const text = `Your access: ${open.length} pending or active`;
  return {
    text,
    blocks: [
      section(`*${text}*`),
      ...open.slice(0, LIST_CAP).map((grant) => section(`${what(grant, accounts)}\n${state(grant, now)}`, ticket(grant))),
      ...more(open.length - LIST_CAP),
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "End early with `/jit revoke &lt;id&gt;`; ask for more time with `/jit extend &lt;id&gt; &lt;duration&gt;`.",
          },
        ],
      },
    ],
  };
}

/** Break-glass grants nobody has acknowledged yet, oldest first, each with an Acknowledge button. */
export function reviewList(grants: readonly Grant[], accounts: readonly Account[]): Message {
  const waiting = grants.filter((grant) => grant.breakGlass && grant.reviewedBy === null).sort((a, b) => a.createdAt - b.createdAt);
  if (waiting.length === 0) {
    const text = ":white_check_mark: No break-glass access is waiting for review.";
    return { text, blocks: [section(text)] };
  }
  const text = `:rotating_light: ${waiting.length} break-glass grant${waiting.length === 1 ? "" : "s"} waiting for review`;
  return {
    text,
    blocks: [
      section(`*${text}*`),
      ...waiting.slice(0, LIST_CAP).map(
        (grant): SectionBlock => ({
          ...section(
            `${what(grant, accounts)}\n${mention(grant.requesterId)} ${slackDate(grant.createdAt)} for ${formatDuration(grant.durationMs)} · ${grant.status}`,
            [typedLine("Justification", grant.justification, 300), ...ticket(grant)],
          ),
          accessory: { type: "button", action_id: ACTION_REVIEW, value: grant.id, text: plain("Acknowledge") },
        }),
      ),
      ...more(waiting.length - LIST_CAP),
    ],
  };
}
