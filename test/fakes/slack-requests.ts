// Requests signed exactly as Slack signs them, for driving a real Bolt HTTP receiver.
//
// Signing: `v0=` + hex HMAC-SHA256(signing secret, `v0:<unix seconds>:<raw body>`), sent as
// X-Slack-Signature with X-Slack-Request-Timestamp. Bolt rejects (HTTP 401, empty body) a bad
// or missing signature and timestamps older than 5 minutes. Content-Type must be exactly
// `application/x-www-form-urlencoded` (Bolt compares the header string; anything else is parsed
// as JSON -> 400). Slash commands are plain form fields; interactive payloads are one form
// field, `payload=<JSON>`.
//
// SlackDriver ties this to a FakeSlack: each interaction carries a fresh trigger_id issued by the
// fake and a fresh response_url on the fake, so tests can await the app's response_url posts.

import { createHmac, randomBytes } from 'node:crypto';
import { FAKE_DEFAULTS } from './fake-slack.js';
import type { FakeResponse, FakeSlack, FakeView } from './fake-slack.js';

export interface SignedPost {
  status: number;
  body: string;
  /** Parsed body; throws if the body is empty or not JSON. */
  json(): unknown;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
}

export interface PostSignedOptions {
  secret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed signature (to test rejection). */
  signature?: string;
  /** Extra or overriding headers (case-insensitive). */
  headers?: Record<string, string>;
  /** Header names to leave out (case-insensitive), e.g. ['x-slack-signature']. */
  omitHeaders?: string[];
}

export function signBody(secret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postSigned(url: string, body: string, opts: PostSignedOptions): Promise<SignedPost> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': opts.signature ?? signBody(opts.secret, body, timestamp),
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
  for (const name of opts.omitHeaders ?? []) delete headers[name.toLowerCase()];

  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return {
    status: res.status,
    body: text,
    headers: Object.fromEntries(res.headers),
    json(): unknown {
      if (text === '') throw new Error(`response body is empty (HTTP ${res.status})`);
      return JSON.parse(text) as unknown;
    },
  };
}

// ---------------------------------------------------------------------------
// Payload builders (return the raw form body to sign and post)

/** Common optional identity fields; defaults match FakeSlack's defaults. */
interface Identity {
  teamId?: string;
  teamDomain?: string;
  userName?: string;
  apiAppId?: string;
}

export function slashCommandBody(
  f: Identity & {
    userId: string;
    text: string;
    command?: string;
    channelId?: string;
    channelName?: string;
    responseUrl: string;
    triggerId?: string;
  },
): string {
  // Field order as Slack sends them.
  return new URLSearchParams({
    token: VERIFICATION_TOKEN,
    team_id: f.teamId ?? FAKE_DEFAULTS.teamId,
    team_domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain,
    channel_id: f.channelId ?? FAKE_DEFAULTS.channelId,
    channel_name: f.channelName ?? FAKE_DEFAULTS.channelName,
    user_id: f.userId,
    user_name: f.userName ?? f.userId.toLowerCase(),
    command: f.command ?? '/jit',
    text: f.text,
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    is_enterprise_install: 'false',
    response_url: f.responseUrl,
    trigger_id: f.triggerId ?? randomTriggerId(),
  }).toString();
}

export function blockActionBody(
  f: Identity & {
    userId: string;
    actionId: string;
    value: string;
    blockId?: string;
    /** The button's label, as Slack echoes it in the action. */
    actionText?: string;
    channelId: string;
    channelName?: string;
    messageTs: string;
    /** The message the button lives on, as Slack echoes it back. */
    message?: { text?: string; blocks?: unknown[]; user?: string };
    responseUrl: string;
    triggerId?: string;
  },
): string {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return payloadForm({
    type: 'block_actions',
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: f.messageTs, channel_id: f.channelId, is_ephemeral: false },
    trigger_id: f.triggerId ?? randomTriggerId(),
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: {
      id: f.channelId,
      name: f.channelName ?? (f.channelId.startsWith('D') ? 'directmessage' : FAKE_DEFAULTS.channelName),
    },
    message: {
      type: 'message',
      subtype: 'bot_message',
      text: f.message?.text ?? '',
      user: f.message?.user ?? FAKE_DEFAULTS.botUserId,
      bot_id: FAKE_DEFAULTS.botId,
      app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
      team: teamId,
      ts: f.messageTs,
      blocks: f.message?.blocks ?? [],
    },
    state: { values: {} },
    response_url: f.responseUrl,
    actions: [
      {
        action_id: f.actionId,
        block_id: f.blockId ?? 'actions',
        text: { type: 'plain_text', text: f.actionText ?? f.actionId, emoji: true },
        value: f.value,
        type: 'button',
        action_ts: slackTimestamp(),
      },
    ],
  });
}

interface ViewPayloadFields extends Identity {
  userId: string;
  callbackId: string;
  privateMetadata?: string;
  viewId?: string;
  hash?: string;
  blocks?: unknown[];
  title?: string;
}

export function viewSubmissionBody(
  f: ViewPayloadFields & { values: Record<string, Record<string, unknown>>; triggerId?: string },
): string {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return payloadForm({
    type: 'view_submission',
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: f.triggerId ?? randomTriggerId(),
    view: viewObject(f, f.values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  });
}

export function viewClosedBody(f: ViewPayloadFields): string {
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return payloadForm({
    type: 'view_closed',
    team: { id: teamId, domain: f.teamDomain ?? FAKE_DEFAULTS.teamDomain },
    user: userObject(f.userId, f.userName, teamId),
    api_app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    token: VERIFICATION_TOKEN,
    view: viewObject(f, {}),
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  });
}

/** state.values entries for common inputs: `{ block: { action: input.text('x') } }`. */
export const input = {
  text: (value: string) => ({ type: 'plain_text_input', value }),
  staticSelect: (value: string, text = value) => ({
    type: 'static_select',
    selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  usersSelect: (userId: string) => ({ type: 'users_select', selected_user: userId }),
  multiUsersSelect: (userIds: string[]) => ({ type: 'multi_users_select', selected_users: userIds }),
};

// ---------------------------------------------------------------------------
// SlackDriver

/** What Slack got back from the app for one delivered request. */
export interface Delivery {
  /** Bolt's HTTP reply: ack() -> 200 with empty body, ack('text') -> the text, ack({...}) -> JSON. */
  response: SignedPost;
  /** trigger_id sent in the payload (valid with the fake's views.open for its TTL). */
  triggerId: string;
}

export interface DeliveryWithResponseUrl extends Delivery {
  responseKey: string;
  responseUrl: string;
  /** Posts the app has made to this response_url so far. */
  responses(): FakeResponse[];
  /** Waits for the app's `index`-th (default first) post to this response_url. */
  waitForResponse(opts?: { index?: number; timeoutMs?: number }): Promise<FakeResponse>;
}

export type ViewRef = string | { callbackId: string; privateMetadata?: string; viewId?: string };

export interface SlackDriverOptions {
  /** The receiver URL including the path, e.g. `http://127.0.0.1:1234/slack/events`. */
  url: string;
  secret: string;
  fake: FakeSlack;
  teamId?: string;
  /** Channel used for slash commands unless overridden. */
  channelId?: string;
}

export class SlackDriver {
  readonly url: string;
  readonly secret: string;
  readonly fake: FakeSlack;
  readonly teamId: string;
  readonly channelId: string;
  private seq = 0;

  constructor(opts: SlackDriverOptions) {
    this.url = opts.url;
    this.secret = opts.secret;
    this.fake = opts.fake;
    this.teamId = opts.teamId ?? opts.fake.teamId;
    this.channelId = opts.channelId ?? FAKE_DEFAULTS.channelId;
  }

  /** Signs and posts a raw form body to the receiver. */
  post(body: string, opts: Omit<PostSignedOptions, 'secret'> = {}): Promise<SignedPost> {
    return postSigned(this.url, body, { secret: this.secret, ...opts });
  }

  /** A user typing `/jit <text>` (or `extra.command`). */
  async command(
    userId: string,
    text: string,
    extra: { command?: string; channelId?: string; channelName?: string } = {},
  ): Promise<DeliveryWithResponseUrl> {
    const channelId = extra.channelId ?? this.channelId;
    const { key, url } = this.newResponseUrl('command', { channel: channelId });
    const triggerId = this.fake.issueTriggerId(userId);
    const body = slashCommandBody({
      ...this.identity(userId),
      userId,
      text,
      channelId,
      responseUrl: url,
      triggerId,
      ...(extra.command !== undefined ? { command: extra.command } : {}),
      ...(extra.channelName !== undefined ? { channelName: extra.channelName } : {}),
    });
    return this.withResponseUrl(await this.post(body), triggerId, key, url);
  }

  /**
   * A user clicking a button on a message the app posted. The message must exist in the fake and
   * contain a button with this action_id and value (its block_id and label are taken from there);
   * pass `{ unchecked: true }` to send the click regardless (e.g. for a since-deleted message).
   */
  async click(
    userId: string,
    actionId: string,
    value: string,
    message: { channel: string; ts: string },
    opts: { unchecked?: boolean } = {},
  ): Promise<DeliveryWithResponseUrl> {
    const stored = this.fake.messages.get(`${message.channel}:${message.ts}`);
    const button = stored ? findButtons(stored.blocks).find((b) => b.actionId === actionId && b.value === value) : undefined;
    if (!opts.unchecked) {
      if (stored === undefined) throw new Error(`click: no message ${message.channel}:${message.ts} in the fake`);
      if (button === undefined) {
        const available = findButtons(stored.blocks).map((b) => `${b.actionId}=${b.value}`);
        throw new Error(
          `click: no button ${actionId}=${value} on ${message.channel}:${message.ts}; ` +
            `buttons: ${available.join(', ') || 'none'}`,
        );
      }
    }
    const { key, url } = this.newResponseUrl('click', message);
    const triggerId = this.fake.issueTriggerId(userId);
    const body = blockActionBody({
      ...this.identity(userId),
      userId,
      actionId,
      value,
      channelId: message.channel,
      messageTs: message.ts,
      responseUrl: url,
      triggerId,
      ...(button ? { blockId: button.blockId, actionText: button.text } : {}),
      ...(stored ? { message: { text: stored.text ?? '', blocks: stored.blocks ?? [], user: stored.user } } : {}),
    });
    return this.withResponseUrl(await this.post(body), triggerId, key, url);
  }

  /**
   * A user submitting a modal. With a view id the view must exist in the fake (callback_id,
   * private_metadata, hash and blocks come from it) and every block_id/action_id in `values`
   * must be an input in it.
   */
  async submitView(userId: string, view: ViewRef, values: Record<string, Record<string, unknown>>): Promise<Delivery> {
    const fields = this.viewFields(userId, view);
    if (typeof view === 'string') checkValuesAgainstView(this.fake.views.get(view), values);
    const triggerId = this.fake.issueTriggerId(userId);
    const response = await this.post(viewSubmissionBody({ ...fields, values, triggerId }));
    return { response, triggerId };
  }

  /** A user closing a modal (delivered only for views with notify_on_close). */
  closeView(userId: string, view: ViewRef): Promise<SignedPost> {
    return this.post(viewClosedBody(this.viewFields(userId, view)));
  }

  private identity(userId: string): { teamId: string; teamDomain: string; userName: string; apiAppId: string } {
    return {
      teamId: this.teamId,
      teamDomain: this.fake.teamDomain,
      userName: this.fake.users.get(userId)?.name ?? userId.toLowerCase(),
      apiAppId: this.fake.appId,
    };
  }

  private viewFields(userId: string, view: ViewRef): ViewPayloadFields {
    const base = { ...this.identity(userId), userId };
    if (typeof view !== 'string') {
      return {
        ...base,
        callbackId: view.callbackId,
        ...(view.privateMetadata !== undefined ? { privateMetadata: view.privateMetadata } : {}),
        ...(view.viewId !== undefined ? { viewId: view.viewId } : {}),
      };
    }
    const stored = this.fake.views.get(view);
    if (stored === undefined) {
      throw new Error(`no view ${view} in the fake; known: ${[...this.fake.views.keys()].join(', ') || 'none'}`);
    }
    if (stored.userId !== undefined && stored.userId !== userId) {
      throw new Error(`view ${view} was opened for ${stored.userId}, not ${userId}`);
    }
    const title = stored.view.title;
    return {
      ...base,
      viewId: stored.id,
      callbackId: stored.callbackId,
      privateMetadata: stored.privateMetadata,
      hash: stored.hash,
      blocks: stored.blocks,
      ...(isRecord(title) && typeof title.text === 'string' ? { title: title.text } : {}),
    };
  }

  private newResponseUrl(kind: string, origin: { channel: string; ts?: string }): { key: string; url: string } {
    const key = `${kind}-${++this.seq}-${randomBytes(3).toString('hex')}`;
    return { key, url: this.fake.responseUrl(key, origin) };
  }

  private withResponseUrl(response: SignedPost, triggerId: string, key: string, url: string): DeliveryWithResponseUrl {
    const fake = this.fake;
    const responses = (): FakeResponse[] => fake.responses.filter((r) => r.key === key);
    return {
      response,
      triggerId,
      responseKey: key,
      responseUrl: url,
      responses,
      waitForResponse: ({ index = 0, timeoutMs }: { index?: number; timeoutMs?: number } = {}) =>
        fake.waitFor(() => responses()[index], timeoutMs, `response_url post #${index + 1} to ${key}`),
    };
  }
}

// ---------------------------------------------------------------------------
// helpers

const VERIFICATION_TOKEN = 'fake-verification-token';

interface Button {
  blockId: string;
  actionId: string;
  value: string | undefined;
  text: string | undefined;
}

/** Buttons in `actions` blocks and section accessories. */
export function findButtons(blocks: unknown[] | undefined): Button[] {
  const out: Button[] = [];
  (blocks ?? []).forEach((block, i) => {
    if (!isRecord(block)) return;
    const elements = [...(Array.isArray(block.elements) ? block.elements : []), ...(block.accessory ? [block.accessory] : [])];
    for (const el of elements) {
      if (!isRecord(el) || el.type !== 'button' || typeof el.action_id !== 'string') continue;
      out.push({
        blockId: typeof block.block_id === 'string' ? block.block_id : `b${i}`,
        actionId: el.action_id,
        value: typeof el.value === 'string' ? el.value : undefined,
        text: isRecord(el.text) && typeof el.text.text === 'string' ? el.text.text : undefined,
      });
    }
  });
  return out;
}

function checkValuesAgainstView(view: FakeView | undefined, values: Record<string, Record<string, unknown>>): void {
  if (view === undefined) return;
  const inputs = new Map<string, string>();
  for (const block of view.blocks) {
    if (isRecord(block) && block.type === 'input' && typeof block.block_id === 'string' && isRecord(block.element)) {
      inputs.set(block.block_id, String(block.element.action_id));
    }
  }
  for (const [blockId, actions] of Object.entries(values)) {
    for (const actionId of Object.keys(actions)) {
      if (inputs.get(blockId) !== actionId) {
        const known = [...inputs].map(([b, a]) => `${b}.${a}`).join(', ') || 'none';
        throw new Error(`view ${view.id} has no input ${blockId}.${actionId}; inputs: ${known}`);
      }
    }
  }
}

function viewObject(f: ViewPayloadFields, values: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const id = f.viewId ?? `V${randomBytes(5).toString('hex').toUpperCase()}`;
  const teamId = f.teamId ?? FAKE_DEFAULTS.teamId;
  return {
    id,
    team_id: teamId,
    type: 'modal',
    blocks: f.blocks ?? [],
    private_metadata: f.privateMetadata ?? '',
    callback_id: f.callbackId,
    state: { values },
    hash: f.hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: f.title ?? 'JIT', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: { type: 'plain_text', text: 'Submit', emoji: true },
    previous_view_id: null,
    root_view_id: id,
    app_id: f.apiAppId ?? FAKE_DEFAULTS.appId,
    external_id: '',
    app_installed_team_id: teamId,
    bot_id: FAKE_DEFAULTS.botId,
  };
}

function userObject(userId: string, userName: string | undefined, teamId: string): Record<string, string> {
  const name = userName ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: teamId };
}

function payloadForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function randomTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

function slackTimestamp(): string {
  return (Date.now() / 1000).toFixed(6);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
