// Small pieces the views share: bounded text, select options, account labels, how a rule approves.
import type { PlainTextElement, PlainTextOption } from "@slack/types";
import { formatDuration } from "../../domain/duration.js";
import type { Person } from "../../domain/people.js";
import { approvalRoute, type Account, type Rule } from "../../domain/policy.js";
import { WEEKDAYS, type WeeklySchedule } from "../../domain/schedule.js";
import { escapeMrkdwn } from "./escape.js";

/** Slack's limits on the parts of Block Kit the views use. */
export const LIMITS = {
  optionText: 75,
  optionValue: 75,
  options: 100,
  sectionText: 3000,
  confirmText: 300,
} as const;

/** At most `max` UTF-16 units, ending in "…" when cut, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** User text made safe for mrkdwn and cut to `max`, without leaving half an entity like "&am". */
export function escapedExcerpt(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return `${truncate(escaped, max)
    .slice(0, -1)
    .replace(/&[a-z]*$/, "")}…`;
}

/**
 * One line of words someone typed (a justification, a ticket, a deny reason): `Label: “…”`, escaped
 * and cut to `max`. Their own curly quotes become straight ones, so the quotes that close their
 * words, and any label after them, are always the bot's.
 */
export function typedLine(label: string, text: string, max: number): string {
  return `${label}: “${escapedExcerpt(text.replace(/[“”]/g, '"'), max)}”`;
}

/**
 * Lines of typedLine as the bot shows people's words: plain_text, in which Slack parses no markup
 * (no bold, italics, strike-through, links or mentions), with `emoji: false`, so a typed
 * `:white_check_mark:` stays those letters rather than becoming one of the bot's status icons.
 * &, < and > stay escaped: Slack decodes those three entities for display in every text object
 * (https://docs.slack.dev/messaging/formatting-message-text#escaping).
 */
export function typedText(lines: readonly string[]): PlainTextElement {
  return { type: "plain_text", text: lines.join("\n"), emoji: false };
}

export function plain(text: string): PlainTextElement {
  return { type: "plain_text", text, emoji: true };
}

export function option(text: string, value: string): PlainTextOption {
  return { text: plain(truncate(text, LIMITS.optionText)), value };
}

export function accountName(accountId: string, accounts: readonly Account[]): string | undefined {
  return accounts.find((account) => account.id === accountId)?.name;
}

/** "Production (111122223333)" in mrkdwn, or the bare id for an account the policy no longer names. */
export function accountLabel(accountId: string, accounts: readonly Account[]): string {
  const name = accountName(accountId, accounts);
  return name ? `${escapedExcerpt(name, 80)} (${accountId})` : accountId;
}

// Seconds appear only in the demo (allowSecondDurationsForDemo in domain/duration.ts).
const UNIT_WORDS = { d: "day", h: "hour", m: "minute", s: "second" } as const;

/** "1 hour 30 minutes" for "1h30m": the words shown next to a duration value. */
export function durationWords(ms: number): string {
  return formatDuration(ms)
    .split(/(?<=[dhms])/)
    .map((part) => {
      const count = Number(part.slice(0, -1));
      const unit = UNIT_WORDS[part.slice(-1) as keyof typeof UNIT_WORDS];
      return `${count} ${unit}${count === 1 ? "" : "s"}`;
    })
    .join(" ");
}

function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

/** "Mon–Fri 09:00–17:00 Europe/Berlin". */
function describeSchedule(schedule: WeeklySchedule): string {
  const indexes = schedule.days.map((day) => WEEKDAYS.indexOf(day)).sort((a, b) => a - b);
  const name = (i: number) => (WEEKDAYS[i] ?? "").replace(/^./, (c) => c.toUpperCase());
  const consecutive = indexes.length > 2 && indexes.every((day, i) => i === 0 || day === (indexes[i - 1] ?? 0) + 1);
  const first = indexes[0] ?? 0;
  const last = indexes[indexes.length - 1] ?? 0;
  const days = consecutive ? `${name(first)}–${name(last)}` : indexes.map(name).join(", ");
  return `${days} ${clock(schedule.fromMinute)}–${clock(schedule.toMinute)} ${schedule.timeZone}`;
}

/** How a request by `requester` under `rule` gets approved: the route policy.approvalPath follows, in words. */
export function describeApproval(rule: Rule, requester: Person): string {
  const { auto, otherwise } = approvalRoute(rule, requester);
  if (auto.kind === "always") return "approved automatically";
  const fallback =
    otherwise === "break-glass"
      ? "break-glass: granted at once, reviewed afterwards"
      : `${rule.approvalsRequired} approval${rule.approvalsRequired === 1 ? "" : "s"}`;
  if (auto.kind === "schedule") return `approved automatically ${describeSchedule(auto.schedule)}, otherwise ${fallback}`;
  return fallback;
}

/** One line about a rule for a requester, in mrkdwn: its limits and how it approves. */
export function describeRule(rule: Rule, requester: Person): string {
  const extensions = rule.maxTotalDurationMs > rule.maxDurationMs ? ` (${formatDuration(rule.maxTotalDurationMs)} with extensions)` : "";
  const ticket = rule.ticket.required ? " · ticket required" : "";
  return `up to ${formatDuration(rule.maxDurationMs)}${extensions} · ${escapeMrkdwn(describeApproval(rule, requester))}${ticket}`;
}
