// The fake workspace's state: people, channels, messages, views and trigger_ids, plus how each is
// shown on the wire. The Web API handlers and the HTTP server both work on one of these.

import { randomBytes } from "node:crypto";
import { FAKE_BOT_SCOPES, FAKE_DEFAULTS } from "./fake-slack-types.js";
import type { FakeEphemeral, FakeMessage, FakeUser, FakeUserSpec, FakeView, ResponseOrigin } from "./fake-slack-types.js";
import { str } from "./fake-slack-wire.js";
import type { Args, Result } from "./fake-slack-wire.js";

export interface WorkspaceOptions {
  botUserId: string;
  teamId: string;
  triggerTtlMs: number;
}

interface Trigger {
  userId: string | undefined;
  issuedAt: number;
  used: boolean;
}

export class FakeWorkspace {
  readonly botUserId: string;
  readonly botId = FAKE_DEFAULTS.botId;
  readonly appId = FAKE_DEFAULTS.appId;
  readonly teamId: string;
  readonly teamDomain = FAKE_DEFAULTS.teamDomain;
  readonly triggerTtlMs: number;

  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly messages = new Map<string, FakeMessage>();
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views = new Map<string, FakeView>();
  /** Each person's Home tab as last published (views.publish), and every publish in order. */
  readonly homes = new Map<string, FakeView>();
  readonly homePublishes: { readonly userId: string; readonly at: number }[] = [];
  /** DM channel ids that conversations.open has opened (for `already_open`). */
  readonly openedDms = new Set<string>();
  readonly triggers = new Map<string, Trigger>();
  /** response_url key -> where the interaction happened. */
  readonly origins = new Map<string, ResponseOrigin>();
  /** What the bot token may do; tests take scopes away, reset() gives them back. */
  readonly scopes = new Set<string>(FAKE_BOT_SCOPES);

  private readonly dmChannels = new Map<string, string>();
  /** Channels the app has posted to: the fake has no channel list, so these are the ones that exist. */
  private readonly postedChannels = new Set<string>();
  private seq = 0;
  private lastTsMicros = 0;

  constructor(options: WorkspaceOptions) {
    this.botUserId = options.botUserId;
    this.teamId = options.teamId;
    this.triggerTtlMs = options.triggerTtlMs;
    this.users.set(this.botUserId, {
      id: this.botUserId,
      teamId: this.teamId,
      name: FAKE_DEFAULTS.botName,
      realName: "JIT Access",
      email: undefined,
      isBot: true,
      deleted: false,
      emailConfirmed: false,
      restricted: false,
      ultraRestricted: false,
      stranger: false,
    });
  }

  /** One counter for view ids, trigger_ids and generated response_url keys. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Like Slack's, a ts is the time of posting (so a `conversations.history` window computed from a
   *  clock finds it), unique and increasing even for posts within one millisecond. */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const micros = this.lastTsMicros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  addUser(u: FakeUserSpec): void {
    const name = u.name ?? u.email?.split("@")[0] ?? u.id.toLowerCase();
    this.users.set(u.id, {
      id: u.id,
      teamId: u.teamId ?? this.teamId,
      name,
      realName: u.realName ?? name,
      email: u.email,
      isBot: u.isBot ?? false,
      deleted: u.deleted ?? false,
      emailConfirmed: u.emailConfirmed ?? true,
      restricted: (u.restricted ?? false) || (u.ultraRestricted ?? false),
      ultraRestricted: u.ultraRestricted ?? false,
      stranger: u.stranger ?? false,
    });
  }

  updateUser(id: string, changes: Partial<Omit<FakeUserSpec, "id">>): void {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`fake Slack: no user ${id}`);
    // Changing the address unconfirms it, as Slack does until the member clicks the link it mails.
    const emailChanged = changes.email !== undefined && changes.email !== user.email;
    Object.assign(user, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)));
    if (emailChanged && changes.emailConfirmed === undefined) user.emailConfirmed = false;
    if (changes.ultraRestricted) user.restricted = true;
  }

  dmChannelOf(userId: string): string {
    let id = this.dmChannels.get(userId);
    if (id === undefined) {
      id = `D${userId.replace(/^[UW]/, "").toUpperCase()}`;
      this.dmChannels.set(userId, id);
    }
    return id;
  }

  /** Posting to a user id delivers to the DM with that user, as Slack does. */
  resolveChannel(channel: string | undefined): string | undefined {
    if (channel === undefined || channel === "") return undefined;
    return /^[UW]/.test(channel) ? this.dmChannelOf(channel) : channel;
  }

  /** Whether a conversation exists as far as reading it goes: the default channel, a DM or group DM
   *  the fake has handed out, or a channel the app has posted to. */
  knowsChannel(channel: string): boolean {
    return (
      channel === FAKE_DEFAULTS.channelId ||
      this.postedChannels.has(channel) ||
      this.openedDms.has(channel) ||
      [...this.dmChannels.values()].includes(channel)
    );
  }

  messagesIn(channelOrUserId: string): FakeMessage[] {
    const channel = /^[UW]/.test(channelOrUserId) ? this.dmChannelOf(channelOrUserId) : channelOrUserId;
    return [...this.messages.values()].filter((m) => m.channel === channel).sort((a, b) => compareTs(a.ts, b.ts));
  }

  lastView(filter: { callbackId?: string; userId?: string } = {}): FakeView | undefined {
    const matching = [...this.views.values()].filter(
      (v) =>
        (filter.callbackId === undefined || v.callbackId === filter.callbackId) &&
        (filter.userId === undefined || v.userId === filter.userId),
    );
    return matching.at(-1);
  }

  issueTriggerId(userId?: string): string {
    const teamNumber = this.teamId.replace(/\D/g, "") || "1";
    const id = `${this.nextSeq()}${Date.now() % 1_000_000}.${teamNumber}.${randomBytes(16).toString("hex")}`;
    this.triggers.set(id, { userId, issuedAt: Date.now(), used: false });
    return id;
  }

  storeMessage(channel: string, a: Args): FakeMessage {
    const message: FakeMessage = { channel, ts: this.nextTs(), user: this.botUserId, ...content(a) };
    const threadTs = str(a, "thread_ts");
    if (threadTs !== undefined) message.threadTs = threadTs;
    this.messages.set(msgKey(channel, message.ts), message);
    this.postedChannels.add(channel);
    return message;
  }

  storeView(id: string, userId: string | undefined, input: Args, links: Record<string, unknown>): FakeView {
    const hash = `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString("hex")}`;
    const view: Record<string, unknown> = {
      id,
      team_id: this.teamId,
      type: input.type,
      title: input.title,
      blocks: input.blocks,
      close: input.close ?? null,
      submit: input.submit ?? null,
      private_metadata: input.private_metadata ?? "",
      callback_id: input.callback_id ?? "",
      state: { values: {} },
      hash,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      external_id: input.external_id ?? "",
      app_id: this.appId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
      ...links,
    };
    const stored: FakeView = {
      id,
      userId,
      callbackId: String(view.callback_id),
      privateMetadata: String(view.private_metadata),
      hash,
      blocks: Array.isArray(input.blocks) ? input.blocks : [],
      view,
    };
    this.views.set(id, stored);
    return stored;
  }

  /** Mirror what Slack does with a response_url post on the originating message/channel. */
  applyResponse(origin: ResponseOrigin | undefined, body: Record<string, unknown>): void {
    if (origin === undefined) return;
    const existing = origin.ts === undefined ? undefined : this.messages.get(msgKey(origin.channel, origin.ts));
    if (existing !== undefined && body.delete_original === true) {
      this.messages.delete(msgKey(existing.channel, existing.ts));
    } else if (existing !== undefined && body.replace_original === true) {
      existing.text = typeof body.text === "string" ? body.text : undefined;
      existing.blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
      existing.attachments = Array.isArray(body.attachments) ? body.attachments : undefined;
    } else if (body.response_type === "in_channel") {
      this.storeMessage(origin.channel, body);
    }
  }

  wireMessage(m: FakeMessage): Result {
    return {
      type: "message",
      subtype: "bot_message",
      text: m.text ?? "",
      user: m.user,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      ts: m.ts,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.edited ? { edited: m.edited } : {}),
    };
  }

  wireUser(u: FakeUser): Result {
    return {
      id: u.id,
      team_id: u.teamId,
      name: u.name,
      real_name: u.realName,
      deleted: u.deleted,
      is_bot: u.isBot,
      is_app_user: false,
      is_restricted: u.restricted,
      is_ultra_restricted: u.ultraRestricted,
      ...(u.stranger ? { is_stranger: true } : {}),
      ...(u.isBot ? {} : { is_email_confirmed: u.emailConfirmed }),
      tz: "Europe/London",
      profile: {
        real_name: u.realName,
        display_name: u.name,
        ...(u.email !== undefined ? { email: u.email } : {}),
        team: u.teamId,
        ...(u.isBot ? { bot_id: this.botId } : {}),
      },
    };
  }

  /** Forget everything the app did and restore the bot's scopes; people, usergroups and DM channel
   *  ids stay. */
  reset(): void {
    this.ephemerals.length = 0;
    this.messages.clear();
    this.postedChannels.clear();
    this.scopes.clear();
    for (const scope of FAKE_BOT_SCOPES) this.scopes.add(scope);
    this.views.clear();
    this.homes.clear();
    this.homePublishes.length = 0;
    this.origins.clear();
    this.triggers.clear();
    this.openedDms.clear();
  }
}

export function content(a: Args): { text?: string; blocks?: unknown[]; attachments?: unknown[] } {
  const out: { text?: string; blocks?: unknown[]; attachments?: unknown[] } = {};
  const text = str(a, "text");
  if (text !== undefined) out.text = text;
  if (Array.isArray(a.blocks) && a.blocks.length) out.blocks = a.blocks;
  if (Array.isArray(a.attachments) && a.attachments.length) out.attachments = a.attachments;
  return out;
}

export function msgKey(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

function compareTs(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}
