// How audit records read in the audit channel: one section per record, a summary line (action,
// grant, what, who, when, sequence number and short hash), a line with the fields that matter for
// that action, and the words people typed (justification, ticket, deny reason) apart from the bot's
// own text. The complete record stays in the database and in exports; posts are for people skimming
// the channel, and their seqs and hashes for checking the database against them.
import type { FeedRecord } from "../../audit/feed.js";
import type { AuditAction, AuditDetail, AuditRecord } from "../../domain/audit-event.js";
import { formatDuration } from "../../domain/duration.js";
import type { PlainTextElement } from "@slack/types";
import { escapeMrkdwn, mention, slackDate } from "./escape.js";
import { typedLine, typedText } from "./parts.js";

/** Slack's limits, with room to spare: 50 blocks and 3,000 characters per section, and it refuses
 *  messages whose blocks add up to about 13,000 characters (msg_blocks_too_long). */
export const AUDIT_POST_LIMITS = { records: 40, characters: 11_000, section: 3_000 } as const;

const ICONS: Readonly<Partial<Record<AuditAction, string>>> = {
  requested: ":inbox_tray:",
  approved: ":white_check_mark:",
  denied: ":no_entry:",
  provisioned: ":unlock:",
  failed: ":x:",
  revocation_started: ":hourglass_flowing_sand:",
  revoked: ":lock:",
  revocation_retry: ":warning:",
  revocation_stuck: ":rotating_light:",
  drift_detected: ":mag:",
  orphan_removed: ":broom:",
  unmanaged_assignment: ":eyes:",
  unmanaged_removed: ":broom:",
  approval_recorded: ":ballot_box_with_check:",
  escalated: ":arrow_double_up:",
  request_expired: ":hourglass:",
  cancelled: ":leftwards_arrow_with_hook:",
  break_glass: ":rotating_light:",
  reviewed: ":eyes:",
  expiry_warning: ":alarm_clock:",
  extension_requested: ":inbox_tray:",
  extended: ":heavy_plus_sign:",
  extension_denied: ":no_entry:",
  extension_expired: ":hourglass:",
  refused: ":no_entry_sign:",
  session_fenced: ":shield:",
  fence_lifted: ":unlock:",
  session_fence_full: ":rotating_light:",
  session_fence_whole_role: ":warning:",
  revoke_all: ":rotating_light:",
  organization_refresh_failed: ":warning:",
  account_left_policy: ":door:",
  activity_digest: ":mag_right:",
  activity_reviewed: ":eyes:",
};

/** One piece of the second line, or nothing when the record has no such value. */
type Field = (detail: AuditDetail) => string | undefined;

const CLIP = 300;

function clip(text: string, max: number = CLIP): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function present(value: unknown): value is string | number | boolean {
  return value !== null && value !== undefined && value !== "";
}

const value =
  (key: string, label: string = key): Field =>
  (detail) => {
    const raw = detail[key];
    if (!present(raw)) return undefined;
    const shown = typeof raw === "boolean" ? (raw ? "yes" : "no") : escapeMrkdwn(clip(String(raw)));
    return `${label}: ${shown}`;
  };

const requester: Field = (detail) => (typeof detail.requesterId === "string" ? `for ${mention(detail.requesterId)}` : undefined);
const duration: Field = (detail) => (typeof detail.durationMs === "number" ? formatDuration(detail.durationMs) : undefined);
const expires: Field = (detail) => {
  const at = typeof detail.expiresAt === "string" ? Date.parse(detail.expiresAt) : Number.NaN;
  return Number.isNaN(at) ? undefined : `until ${slackDate(at)}`;
};
const keptOrRemoved: Field = (detail) => {
  if (detail.assignmentRemoved === true) return "assignment removed";
  return present(detail.keptBecause) ? `assignment kept: ${escapeMrkdwn(clip(String(detail.keptBecause)))}` : undefined;
};
const awsRequest = value("awsRequestId", "AWS request");
const sessions: Field = (detail) => {
  if (detail.sessionsFenced === true) return `role sessions issued before ${escapeMrkdwn(String(detail.fencedBefore))} denied`;
  if (present(detail.sessionsValidUntil)) {
    return `role sessions stay valid until ${escapeMrkdwn(String(detail.sessionsValidUntil))} (${escapeMrkdwn(String(detail.notFencedBecause))})`;
  }
  return detail.sessionsFenced === false ? "role sessions NOT fenced: the fence is full" : undefined;
};
const attempts = value("attempts", "attempt");
const LEFT_POLICY: Readonly<Record<string, string>> = {
  "not-active": "the account is no longer active in the organization",
  gone: "the account is no longer in the organization",
  "not-offered": "the account is excluded (organization.exclude)",
  "no-rule": "no rule covers it now (moved out of the rule's OU, or its tags changed)",
};
const leftPolicy: Field = (detail) => {
  const why = typeof detail.reason === "string" ? (LEFT_POLICY[detail.reason] ?? escapeMrkdwn(detail.reason)) : "no longer allowed";
  const state = present(detail.accountState) && detail.accountState !== "ACTIVE" ? ` (${escapeMrkdwn(String(detail.accountState))})` : "";
  return `no longer requestable: ${why}${state}; still active, not revoked: end it with /jit or jit-admin grants revoke if it should not run on`;
};
const refreshStage: Field = (detail) =>
  detail.stage === "resolve"
    ? "the policy file does not resolve against the organization as read; the last good policy is kept"
    : "AWS Organizations could not be read; the last good policy is kept";
const principal = [value("principalType", "principal type"), value("principalId", "principal")];

const FIELDS: Readonly<Partial<Record<AuditAction, readonly Field[]>>> = {
  requested: [requester, duration, value("rule")],
  approved: [requester],
  denied: [requester],
  escalated: [requester, value("escalatedTo", "escalated to"), value("channel", "posted in"), value("after", "undecided for")],
  provisioned: [requester, expires, awsRequest],
  failed: [requester, value("reason")],
  revocation_started: [requester, value("reason"), value("scope")],
  revoked: [requester, keptOrRemoved, awsRequest, sessions],
  session_fenced: [requester, value("fencedBefore", "sessions issued before"), value("liftAt", "lifted at")],
  fence_lifted: [requester, value("fencedBefore", "sessions issued before")],
  session_fence_full: [requester, value("unfenced", "entries not fenced"), value("liftAt", "exposed until")],
  session_fence_whole_role: [
    value("fencedBefore", "every session issued before"),
    value("spared", "live grants spared"),
    () => "the fence's policies are full: sessions of people holding this outside the bot end too (they sign in again)",
  ],
  revocation_retry: [requester, attempts, value("code"), value("error")],
  revocation_stuck: [requester, attempts, value("code"), value("error")],
  drift_detected: [requester, value("problem")],
  orphan_removed: [requester, value("problem"), value("removed"), awsRequest, value("error")],
  unmanaged_assignment: [...principal, value("problem")],
  unmanaged_removed: [...principal, value("removed"), awsRequest, value("error")],
  refused: [value("attempt", "tried"), value("reason"), value("suppressedBefore", "similar attempts not recorded"), value("teams")],
  revoke_all: [value("scope"), value("grants", "grants ended"), value("alreadyEnding", "already ending")],
  account_left_policy: [requester, leftPolicy, value("ou", "now in")],
  organization_refresh_failed: [refreshStage, value("problem")],
  activity_digest: [
    requester,
    value("events", "calls"),
    value("writes"),
    value("denied"),
    value("flagged"),
    value("regions"),
    value("needsReview", "needs review"),
    value("partial"),
    value("missing", "not read"),
  ],
  activity_reviewed: [requester, value("flagged")],
};

/** Words people typed, by action: shown as plain_text (see typedText), never in the bot's mrkdwn. */
const TYPED: Readonly<Partial<Record<AuditAction, ReadonlyArray<readonly [key: string, label: string]>>>> = {
  requested: [
    ["justification", "Justification"],
    ["ticket", "Ticket"],
  ],
  denied: [["reason", "Reason"]],
  revocation_started: [["adminReason", "Reason"]],
  revoke_all: [["reason", "Reason"]],
};

/** The grant's context, which every record about a grant repeats (see audit/detail.ts). */
const CONTEXT_KEYS = new Set([
  "status",
  "actorEmail",
  "requesterId",
  "requesterEmail",
  "rule",
  "durationMs",
  "justification",
  "ticket",
  "decidedBy",
  "expiresAt",
  "awsRequestIds",
]);

/** For an action without its own list: the requester and whatever the step itself reported. */
function fieldsOf(record: AuditRecord): readonly Field[] {
  const listed = FIELDS[record.action];
  if (listed) return listed;
  const own = Object.keys(record.detail).filter((key) => !CONTEXT_KEYS.has(key));
  return [requester, ...own.map((key) => value(key))];
}

/** How much of a record's hash a post shows: 64 bits, more than anyone could match by trying contents. */
export const SHORT_HASH_LENGTH = 16;

/** The block id of a record's section: its seq, and its short hash when known (a verifier reads both). */
export function auditBlockId(record: FeedRecord): string {
  return record.hash ? `audit-${record.seq}-${record.hash.slice(0, SHORT_HASH_LENGTH)}` : `audit-${record.seq}`;
}

/** The seq and short hash (when the post carried one) that a record's block id names. */
export function parseAuditBlockId(blockId: string): { seq: number; shortHash: string | undefined } | undefined {
  const match = /^audit-(\d+)(?:-([0-9a-f]+))?$/.exec(blockId);
  return match?.[1] ? { seq: Number(match[1]), shortHash: match[2] } : undefined;
}

export function auditSummary(record: FeedRecord, accounts: readonly { id: string; name: string }[] = []): string {
  const icon = ICONS[record.action] ?? ":memo:";
  // A refused actor is whoever sent the payload: named, not mentioned, so strangers are not pinged.
  const actor =
    record.actorId === "system"
      ? "jit-slack"
      : record.action === "refused"
        ? `\`${escapeMrkdwn(record.actorId)}\``
        : mention(record.actorId);
  const name = accounts.find((account) => account.id === record.accountId)?.name;
  const account = name ? `${escapeMrkdwn(name)} (${record.accountId})` : escapeMrkdwn(record.accountId);
  const grant = record.grantId ? `\`${escapeMrkdwn(record.grantId)}\` · ` : "";
  // A record about no grant may name only an account, only a permission set (the incident switch), or neither (a refusal).
  const set = escapeMrkdwn(record.permissionSet);
  const group = record.detail.group;
  const target =
    typeof group === "string"
      ? `group ${escapeMrkdwn(group)}`
      : record.permissionSet && record.accountId
        ? `${set} on ${account}`
        : record.accountId
          ? account
          : set;
  const what = target ? `${target} · ` : "";
  const hash = record.hash ? ` \`${record.hash.slice(0, SHORT_HASH_LENGTH)}\`` : "";
  return `${icon} *${record.action}* · ${grant}${what}by ${actor} · ${slackDate(record.at)} · #${record.seq}${hash}`;
}

/** The record as people read it: the summary and, on a second line, what matters for its action. */
export function auditText(record: FeedRecord, accounts: readonly { id: string; name: string }[] = []): string {
  const details = fieldsOf(record)
    .map((field) => field(record.detail))
    .filter((part): part is string => part !== undefined)
    .join(" · ");
  return clip(details ? `${auditSummary(record, accounts)}\n${details}` : auditSummary(record, accounts), AUDIT_POST_LIMITS.section);
}

/** The record's typed words, or undefined when it carries none. */
function typedWords(record: AuditRecord): PlainTextElement | undefined {
  const lines = (TYPED[record.action] ?? []).flatMap(([key, label]) => {
    const raw = record.detail[key];
    return present(raw) ? [typedLine(label, String(raw), CLIP)] : [];
  });
  return lines.length > 0 ? typedText(lines) : undefined;
}

export interface SectionBlock {
  readonly type: "section";
  readonly block_id: string;
  readonly text: { readonly type: "mrkdwn"; readonly text: string };
  readonly fields?: readonly PlainTextElement[];
}

/** One record's section: the bot's mrkdwn, and what people typed as a plain_text field below it. */
export function auditSection(record: FeedRecord, accounts: readonly { id: string; name: string }[] = []): SectionBlock {
  const typed = typedWords(record);
  return {
    type: "section",
    block_id: auditBlockId(record),
    text: { type: "mrkdwn", text: auditText(record, accounts) },
    ...(typed ? { fields: [typed] } : {}),
  };
}

/** The characters a section adds to a message, fields included (Slack's msg_blocks_too_long counts them all). */
function charactersOf(section: SectionBlock): number {
  return section.text.text.length + (section.fields ?? []).reduce((sum, field) => sum + field.text.length, 0);
}

export interface AuditMessage {
  /** The notification fallback. */
  readonly text: string;
  readonly blocks: SectionBlock[];
  /** How many of the records, from the first, the message carries. */
  readonly count: number;
}

/** One message for the longest prefix of `records` within the limits (always at least one record). */
export function auditMessage(records: readonly FeedRecord[], accounts: readonly { id: string; name: string }[] = []): AuditMessage {
  const blocks: SectionBlock[] = [];
  let characters = 0;
  for (const record of records) {
    const section = auditSection(record, accounts);
    const size = charactersOf(section);
    const full = blocks.length >= AUDIT_POST_LIMITS.records || characters + size > AUDIT_POST_LIMITS.characters;
    if (full && blocks.length > 0) break;
    blocks.push(section);
    characters += size;
  }
  const first = records[0];
  const last = records[blocks.length - 1];
  const text =
    blocks.length === 1 && first
      ? auditSummary(first, accounts)
      : `${blocks.length} audit records, #${first?.seq ?? "?"} to #${last?.seq ?? "?"}`;
  return { text, blocks, count: blocks.length };
}
