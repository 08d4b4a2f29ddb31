// The Home tab (views.publish): the viewer's open grants with End now / Extend / Withdraw, what waits
// for their decision with Approve / Deny, their recent grants with Request again, and for admins the
// break-glass access awaiting review. The buttons carry the ids the approval messages and the expiry
// warning carry, so each click goes to the same handler and the one decision flow.
import type { ActionsBlock, Button, HomeView, KnownBlock, SectionBlock } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import type { Grant } from "../../domain/grant.js";
import type { Account } from "../../domain/policy.js";
import type { HomeContents, WaitingDecision } from "../../services/home.js";
import { mention, slackDate } from "./escape.js";
import { grantLine, grantState } from "./grant-list.js";
import { accountName, LIMITS, plain, truncate, typedLine, typedText } from "./parts.js";
import {
  ACTION_APPROVE,
  ACTION_DENY,
  ACTION_END_NOW,
  ACTION_EXTEND,
  ACTION_HOME_REQUEST,
  ACTION_REQUEST_AGAIN,
  ACTION_REVIEW,
  HOME_CALLBACK_ID,
} from "../ids.js";

/** A Home tab view holds at most 100 blocks (https://docs.slack.dev/reference/views/home-tab-views). */
export const HOME_BLOCK_LIMIT = 100;

/**
 * How many of each list the tab shows; the rest is one "… and N more" line. At the most (every list
 * full, two blocks an entry where there are two or more buttons) this is 74 blocks, under the 100.
 */
export const HOME_SHOWN = { open: 12, waiting: 10, recent: 8, reviews: 8 } as const;

export function homeView(contents: HomeContents, accounts: readonly Account[]): HomeView {
  const blocks: KnownBlock[] = [
    { type: "header", text: plain("Your AWS access") },
    {
      type: "actions",
      block_id: "home_request",
      elements: [{ type: "button", action_id: ACTION_HOME_REQUEST, style: "primary", value: "form", text: plain("Request access") }],
    },
    ...listed("*Your access and requests*", contents.open, HOME_SHOWN.open, "/jit list", (grant) =>
      openEntry(grant, contents.now, accounts),
    ),
    ...listed("*Waiting for your decision*", contents.waiting, HOME_SHOWN.waiting, "the approvers' channel", (decision) =>
      waitingEntry(decision, accounts),
    ),
    ...listed("*Recently*", contents.recent.slice(0, HOME_SHOWN.recent), HOME_SHOWN.recent, "", (grant) => [recentEntry(grant, accounts)]),
  ];
  if (contents.admin) {
    blocks.push(
      ...listed(
        ":rotating_light: *Break-glass access awaiting review*",
        contents.reviews,
        HOME_SHOWN.reviews,
        "/jit list --review",
        (grant) => [reviewEntry(grant, accounts)],
      ),
    );
  }
  if (blocks.length === 2) blocks.push(section("You have no access or requests yet, and nothing waits for your decision."));
  return { type: "home", callback_id: HOME_CALLBACK_ID, blocks };
}

/** A heading, the first `shown` entries, and how many more there are and where to see them. */
function listed<T>(heading: string, items: readonly T[], shown: number, elsewhere: string, entry: (item: T) => KnownBlock[]): KnownBlock[] {
  if (items.length === 0) return [];
  const more = items.length - shown;
  return [
    { type: "divider" },
    section(heading),
    ...items.slice(0, shown).flatMap(entry),
    ...(more > 0 && elsewhere
      ? [{ type: "context" as const, elements: [{ type: "mrkdwn" as const, text: `… and ${more} more: ${elsewhere}` }] }]
      : []),
  ];
}

function section(text: string, typed: readonly string[] = []): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text }, ...(typed.length > 0 ? { fields: [typedText(typed)] } : {}) };
}

function button(actionId: string, text: string, grant: Grant, style?: "primary" | "danger"): Button {
  return { type: "button", action_id: actionId, value: grant.id, text: plain(text), ...(style ? { style } : {}) };
}

/** Plain text for confirm dialogs, in which nothing is parsed. */
function target(grant: Grant, accounts: readonly Account[]): string {
  return `${grant.permissionSetName} on ${accountName(grant.accountId, accounts) ?? grant.accountId}`;
}

function openEntry(grant: Grant, now: number, accounts: readonly Account[]): KnownBlock[] {
  const text = section(`${grantLine(grant, accounts)}\n${grantState(grant, now)}`, [typedLine("Justification", grant.justification, 300)]);
  const buttons = openButtons(grant, accounts);
  return buttons.length === 0
    ? [text]
    : [text, { type: "actions", block_id: `home_open_${grant.id}`, elements: buttons } satisfies ActionsBlock];
}

function openButtons(grant: Grant, accounts: readonly Account[]): Button[] {
  // End now ends a grant from wherever it stands; for a request still waiting that is withdrawing it.
  if (grant.status === "pending") return [button(ACTION_END_NOW, "Withdraw", grant)];
  if (grant.status === "revoking") return [];
  const endNow: Button = {
    ...button(ACTION_END_NOW, "End now", grant, "danger"),
    confirm: {
      title: plain("End access now?"),
      text: plain(truncate(`Your access to ${target(grant, accounts)} is removed at once.`, LIMITS.confirmText)),
      confirm: plain("End now"),
      deny: plain("Keep it"),
      style: "danger",
    },
  };
  return grant.status === "active" ? [button(ACTION_EXTEND, "Extend", grant, "primary"), endNow] : [endNow];
}

function waitingEntry({ pointer, grants }: WaitingDecision, accounts: readonly Account[]): KnownBlock[] {
  const targets = grants.map((grant) => `• ${grantLine(grant, accounts)}`).join("\n");
  const what = grants.length > 1 ? `request \`${pointer.bundleId}\` for ${grants.length} targets` : "a request";
  const text = `${mention(pointer.requesterId)} asks ${what}, ${formatDuration(pointer.durationMs)}, since ${slackDate(pointer.createdAt)}\n${targets}`;
  const words = [
    typedLine("Justification", pointer.justification, 500),
    ...(pointer.ticket ? [typedLine("Ticket", pointer.ticket, 100)] : []),
  ];
  return [
    section(truncate(text, LIMITS.sectionText), words),
    {
      type: "actions",
      block_id: `home_decide_${pointer.id}`,
      elements: [button(ACTION_APPROVE, "Approve", pointer, "primary"), button(ACTION_DENY, "Deny", pointer, "danger")],
    },
  ];
}

function recentEntry(grant: Grant, accounts: readonly Account[]): SectionBlock {
  return {
    ...section(
      `${grantLine(grant, accounts)}\n${grant.status} · ${formatDuration(grant.durationMs)} · asked ${slackDate(grant.createdAt)}`,
    ),
    accessory: button(ACTION_REQUEST_AGAIN, "Request again", grant),
  };
}

function reviewEntry(grant: Grant, accounts: readonly Account[]): SectionBlock {
  return {
    ...section(`${grantLine(grant, accounts)}\n${mention(grant.requesterId)} ${slackDate(grant.createdAt)} · ${grant.status}`, [
      typedLine("Justification", grant.justification, 300),
    ]),
    accessory: button(ACTION_REVIEW, "Acknowledge", grant),
  };
}
