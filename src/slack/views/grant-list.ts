// `/jit list [page]`: the caller's open grants; `/jit list --review [page]`: break-glass access nobody
// has reviewed. Both page through everything the store returned, saying which page this is.
import type { SectionBlock } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import { OPEN_STATUSES, type Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import type { Message } from "./blocks.js";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { counted, pageFooter, pagesOf, pickPage } from "./pages.js";
import { plain, typedLine, typedText } from "./parts.js";
import { targetLabel } from "./group-access-text.js";
import { ACTION_REVIEW } from "../ids.js";

/**
 * Rows on one page: 20 sections and their framing stay well under Slack's 50 blocks a message
 * (https://docs.slack.dev/reference/block-kit/blocks).
 */
export const LIST_PAGE = 20;
/** The most grants one list reads from the store; a list that reaches it says there may be more. */
export const LISTED_AT_MOST = 1_000;

/** "*Set* on account · `id`" (or the group): a grant in one line of mrkdwn. */
export function grantLine(grant: Grant, accounts: readonly Account[]): string {
  return `${targetLabel(grant, accounts)} · \`${escapeMrkdwn(grant.id)}\``;
}

/** Where the grant stands, with the time it has left when active. */
export function grantState(grant: Grant, now: number): string {
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

/** What the heading counts: "120", or "at least 1,000" when the store's answer reached its bound. */
function howMany(count: number): string {
  return count >= LISTED_AT_MOST ? `at least ${LISTED_AT_MOST.toLocaleString("en-US")}` : `${count}`;
}

// Active access first, soonest to end at the top; then pending requests, oldest first.
function byUrgency(a: Grant, b: Grant): number {
  const rank = (grant: Grant) => (grant.status === "pending" ? 1 : 0);
  return rank(a) - rank(b) || (a.expiresAt ?? a.createdAt) - (b.expiresAt ?? b.createdAt);
}

/** The caller's pending and active grants (pass only theirs), with when each ends. */
export function grantList(grants: readonly Grant[], accounts: readonly Account[], now: number, page = 1): Message {
  const open = grants.filter((grant) => OPEN_STATUSES.includes(grant.status)).sort(byUrgency);
  const pages = pagesOf(open, LIST_PAGE);
  const shown = pickPage(pages, page, "/jit list");
  if (open.length === 0) {
    const text = "You have no pending or active access. Use `/jit` to ask for some.";
    return { text, blocks: [section(text)] };
  }
  const text = `Your access: ${howMany(open.length)} pending or active`;
  return {
    text,
    blocks: [
      section(`*${text}*`),
      ...shown.map((grant) => section(`${grantLine(grant, accounts)}\n${grantState(grant, now)}`, ticket(grant))),
      ...pageFooter(page, pages.length, counted(open.length, "grant"), "/jit list"),
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

const REVIEW_COMMAND = "/jit list --review";

/** Break-glass grants nobody has acknowledged yet, oldest first, each with an Acknowledge button. */
export function reviewList(grants: readonly Grant[], accounts: readonly Account[], page = 1): Message {
  const waiting = grants.filter((grant) => grant.breakGlass && grant.reviewedBy === null).sort((a, b) => a.createdAt - b.createdAt);
  const pages = pagesOf(waiting, LIST_PAGE);
  const shown = pickPage(pages, page, REVIEW_COMMAND);
  if (waiting.length === 0) {
    const text = ":white_check_mark: No break-glass access is waiting for review.";
    return { text, blocks: [section(text)] };
  }
  const text = `:rotating_light: ${howMany(waiting.length)} break-glass grant${waiting.length === 1 ? "" : "s"} waiting for review`;
  return {
    text,
    blocks: [
      section(`*${text}*`),
      ...shown.map(
        (grant): SectionBlock => ({
          ...section(
            `${grantLine(grant, accounts)}\n${mention(grant.requesterId)} ${slackDate(grant.createdAt)} for ${formatDuration(grant.durationMs)} · ${grant.status}`,
            [typedLine("Justification", grant.justification, 300), ...ticket(grant)],
          ),
          accessory: { type: "button", action_id: ACTION_REVIEW, value: grant.id, text: plain("Acknowledge") },
        }),
      ),
      ...pageFooter(page, pages.length, counted(waiting.length, "grant"), REVIEW_COMMAND),
    ],
  };
}
