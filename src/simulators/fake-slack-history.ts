// conversations.history: a conversation's top-level messages, newest first, a page at a time.
// Thread replies, ephemerals and deleted messages are not part of it, as in Slack.
//
// The cursor is Slack's own form, base64 of `next_ts:<ts without the dot>`: it names the newest
// message the next page starts at, so deleting messages between pages neither repeats nor skips any.

import type { HistoryScope } from "./fake-slack-types.js";
import { fail, str } from "./fake-slack-wire.js";
import type { Args, Result } from "./fake-slack-wire.js";
import type { FakeWorkspace } from "./fake-slack-workspace.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 999;

export function conversationsHistory(ws: FakeWorkspace, a: Args): Result {
  const channel = str(a, "channel");
  if (channel === undefined || !ws.knowsChannel(channel)) return fail("channel_not_found");
  const needed = historyScope(ws, channel);
  if (!ws.scopes.has(needed)) return { ok: false, error: "missing_scope", needed, provided: [...ws.scopes].join(",") };

  const oldest = micros(str(a, "oldest") ?? "0");
  if (oldest === undefined) return fail("invalid_ts_oldest");
  // Without `latest` the window ends now, and every message the fake holds was posted by now (a ts
  // can lead the millisecond clock by a few microseconds, so "now" is not a bound to compare with).
  const latestArg = str(a, "latest");
  const latest = latestArg === undefined ? null : micros(latestArg);
  if (latest === undefined) return fail("invalid_ts_latest");
  const cursor = str(a, "cursor");
  const startAt = cursor === undefined || cursor === "" ? null : cursorMicros(cursor);
  if (startAt === undefined) return fail("invalid_cursor");
  const inclusive = ["true", "1"].includes(str(a, "inclusive") ?? "");

  const inWindow = ws
    .messagesIn(channel)
    .filter((m) => m.threadTs === undefined || m.threadTs === m.ts)
    .filter((m) => {
      const ts = micros(m.ts) ?? 0n;
      const afterOldest = inclusive ? ts >= oldest : ts > oldest;
      const beforeLatest = latest === null || (inclusive ? ts <= latest : ts < latest);
      return afterOldest && beforeLatest && (startAt === null || ts <= startAt);
    })
    .reverse();
  const limit = pageSize(str(a, "limit"));
  const next = inWindow[limit];
  return {
    ok: true,
    messages: inWindow.slice(0, limit).map((m) => ws.wireMessage(m)),
    has_more: next !== undefined,
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    ...(next !== undefined ? { response_metadata: { next_cursor: encodeCursor(next.ts) } } : {}),
  };
}

/** Each kind of conversation has its own history scope; the kind shows in the id's first letter. */
function historyScope(ws: FakeWorkspace, channel: string): HistoryScope {
  if (channel.startsWith("D")) return "im:history";
  if (channel.startsWith("G")) return ws.openedDms.has(channel) ? "mpim:history" : "groups:history";
  return "channels:history";
}

/** Slack caps `limit` at 999 and may return fewer than asked; a missing or unusable one means 100. */
function pageSize(limit: string | undefined): number {
  const n = Number(limit);
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_LIMIT) : DEFAULT_LIMIT;
}

/** A Slack timestamp ("1700000000.000100", or whole seconds) as exact microseconds. */
function micros(ts: string): bigint | undefined {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts);
  if (match === null) return undefined;
  return BigInt(match[1] ?? "0") * 1_000_000n + BigInt((match[2] ?? "").padEnd(6, "0"));
}

function encodeCursor(ts: string): string {
  return Buffer.from(`next_ts:${micros(ts) ?? 0n}`).toString("base64");
}

function cursorMicros(cursor: string): bigint | undefined {
  const match = /^next_ts:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  return match === null ? undefined : BigInt(match[1] ?? "0");
}

/**
 * conversations.replies: a thread's parent and its replies, oldest first, one page (the bot's
 * threads are short). An unknown parent is thread_not_found, as in Slack.
 */
export function conversationsReplies(ws: FakeWorkspace, a: Args): Result {
  const channel = str(a, "channel");
  const ts = str(a, "ts");
  if (channel === undefined || !ws.knowsChannel(channel)) return fail("channel_not_found");
  const needed = historyScope(ws, channel);
  if (!ws.scopes.has(needed)) return { ok: false, error: "missing_scope", needed, provided: [...ws.scopes].join(",") };
  const inThread = ws.messagesIn(channel).filter((m) => m.ts === ts || m.threadTs === ts);
  if (ts === undefined || !inThread.some((m) => m.ts === ts)) return fail("thread_not_found");
  const limit = pageSize(str(a, "limit"));
  return { ok: true, messages: inThread.slice(0, limit).map((m) => ws.wireMessage(m)), has_more: inThread.length > limit };
}
