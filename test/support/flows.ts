// Steps people take in Slack, as reusable test helpers.
import assert from "node:assert/strict";
import { messageText, type FakeMessage, type FakeView } from "../../src/simulators/fake-slack.js";
import type { StoredAuditRecord } from "../../src/domain/audit-event.js";
import { TRANSITIONS, type GrantStatus } from "../../src/domain/grant.js";
import { input, type SlackDriver } from "../../src/simulators/slack-requests.js";
import { parseAuditBlockId } from "../../src/slack/views/audit-text.js";
import type { TestBot } from "./in-process-bot.js";

/** Anything that can deliver signed requests to a running bot. */
export interface Drives {
  readonly driver: SlackDriver;
}
import { APPROVALS, AUDIT, type World } from "./world.js";
import { withWorldStore } from "./world-store.js";

export interface Requested {
  readonly grantId: string;
  readonly message: { channel: string; ts: string };
}

/** `/jit request …` by `userId`; returns the reply text the requester saw. */
export async function slash(bot: Drives, userId: string, text: string): Promise<string> {
  const delivery = await bot.driver.command(userId, text);
  assert.equal(delivery.response.status, 200, `slash command answered HTTP ${delivery.response.status}`);
  if (delivery.response.body !== "") return messageText(delivery.response.json() as { text?: unknown });
  const reply = await delivery.waitForResponse();
  assert.equal(reply.body.response_type, "ephemeral");
  return messageText(reply.body);
}

export async function request(bot: Drives, world: World, userId: string, args: string): Promise<Requested> {
  const reply = await slash(bot, userId, `request ${args}`);
  const grantId = /Request (jit-[a-z0-9]{8})/.exec(reply)?.[1];
  assert.ok(grantId, `no request id in reply: ${reply}`);
  const message = await world.slack.waitFor(
    () => world.slack.messagesIn(APPROVALS).find((m) => messageText(m).includes(grantId)),
    5000,
    `approval message for ${grantId}`,
  );
  return { grantId, message: { channel: message.channel, ts: message.ts } };
}

/** Clicks Approve or Deny; returns the ephemeral reply to the clicker, if any arrives within `quietMs`. */
export async function click(
  bot: Drives,
  userId: string,
  action: "jit_approve" | "jit_deny",
  requested: Requested,
): Promise<{ status: number; reply: () => Promise<string> }> {
  const delivery = await bot.driver.click(userId, action, requested.grantId, requested.message, { unchecked: true });
  return {
    status: delivery.response.status,
    reply: async () => messageText((await delivery.waitForResponse()).body),
  };
}

/** One audit record as posted to the audit channel: its sequence number and its text. */
export interface PostedAuditRecord {
  readonly seq: number;
  readonly text: string;
  /** The chat.postMessage that carried it. */
  readonly ts: string;
}

/** Every audit record in the audit channel, in the order posted (several may share one message). */
export function postedAuditRecords(world: World): PostedAuditRecord[] {
  return world.slack.messagesIn(AUDIT).flatMap((message) =>
    (message.blocks ?? []).flatMap((block) => {
      const { block_id: blockId, text } = block as { block_id?: string; text?: { text?: string } };
      const parsed = parseAuditBlockId(blockId ?? "");
      return parsed ? [{ seq: parsed.seq, text: text?.text ?? "", ts: message.ts }] : [];
    }),
  );
}

/** The action of a posted audit record (its first bold word). */
export function postedAction(record: PostedAuditRecord): string | undefined {
  return /\*(\w+)\*/.exec(record.text)?.[1];
}

export function dmsTo(world: World, userId: string): FakeMessage[] {
  return world.slack.messagesIn(world.slack.dmChannelOf(userId));
}

export async function waitForDm(world: World, userId: string, pattern: RegExp): Promise<string> {
  return world.slack.waitFor(
    () =>
      dmsTo(world, userId)
        .map(messageText)
        .find((text) => pattern.test(text)),
    8000,
    `a DM to ${userId} matching ${pattern}`,
  );
}

/** An audit record as stored, and whether the audit channel has received it. */
export interface AuditRow extends StoredAuditRecord {
  readonly delivered: boolean;
}

/** The audit trail (one grant's records, or all), in seq order, read through the store. */
export async function auditRows(world: World, grantId?: string): Promise<AuditRow[]> {
  return withWorldStore(world, async (opened) => {
    const records: StoredAuditRecord[] = [];
    if (grantId) records.push(...(await opened.audit.forGrant(grantId)));
    else for await (const record of opened.audit.records()) records.push(record);
    // Read after the records: one delivered in between counts as delivered, as it is.
    const waiting = new Set((await opened.outbox.undelivered(1_000_000)).map((record) => record.seq));
    return records.map((record) => ({ ...record, delivered: !waiting.has(record.seq) }));
  });
}

export const ALL_STATUSES = Object.keys(TRANSITIONS) as GrantStatus[];

export async function grantCount(world: World): Promise<number> {
  return withWorldStore(world, async (opened) => (await opened.store.listByStatus(ALL_STATUSES)).length);
}

/** Polls an async check every 20 ms until it returns something truthy. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 8000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the grant reaches `status`. */
export async function statusBecomes(bot: TestBot, grantId: string, status: GrantStatus): Promise<void> {
  await eventually(async () => (await bot.bot.deps.store.get(grantId))?.status === status, 8000, `${grantId} to become ${status}`);
}

/** Deny as an approver does: click Deny, then submit the reason modal (reason optional). */
export async function deny(bot: Drives, world: World, userId: string, requested: Requested, reason = ""): Promise<void> {
  if ((await denyUnlessRefused(bot, world, userId, requested, reason)) === "refused at the button") {
    throw new Error(`the Deny button refused ${userId} instead of opening the reason modal`);
  }
}

/**
 * Clicks Deny and submits the reason modal, unless the click is refused (the request was decided
 * before the click, say): the modal Deny opens then says why instead of asking for a reason, or,
 * when no modal could be opened, the refusal comes on the button's response_url.
 */
export async function denyUnlessRefused(
  bot: Drives,
  world: World,
  userId: string,
  requested: Requested,
  reason = "",
): Promise<"submitted" | "refused at the button"> {
  const outcome = await denyClick(bot, world, userId, requested);
  if (outcome.kind === "refused") return "refused at the button";
  await bot.driver.submitView(userId, outcome.view.id, { reason: { reason: input.text(reason) } });
  return "submitted";
}

export type DenyClick =
  | { readonly kind: "form"; readonly view: FakeView }
  | { readonly kind: "refused"; readonly text: string; readonly shownIn: "the modal" | "a reply" };

/**
 * Clicks Deny and waits for what it shows: the modal it opens turned into the reason form, or into
 * a refusal (its text), or a refusal on the button's response_url when no modal was opened.
 */
export async function denyClick(bot: Drives, world: World, userId: string, requested: Requested): Promise<DenyClick> {
  const updatesBefore = world.slack.callsOf("views.update").length;
  const clicked = await bot.driver.click(userId, "jit_deny", requested.grantId, requested.message, { unchecked: true });
  if (clicked.response.status !== 200) throw new Error(`Deny click answered HTTP ${clicked.response.status}`);
  return world.slack.waitFor(
    (): DenyClick | undefined => {
      const replied = clicked.responses()[0];
      if (replied) return { kind: "refused", text: messageText(replied.body), shownIn: "a reply" };
      const shown = world.slack
        .callsOf("views.update")
        .slice(updatesBefore)
        .map((call) => world.slack.views.get(String(call.args.view_id)))
        .find((view) => view?.userId === userId);
      if (!shown) return undefined;
      if (shown.callbackId === "jit_deny_reason") return { kind: "form", view: shown };
      return { kind: "refused", text: messageText({ blocks: shown.blocks }), shownIn: "the modal" };
    },
    5000,
    "the deny reason modal",
  );
}
