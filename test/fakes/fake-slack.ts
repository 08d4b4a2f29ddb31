// Fake Slack Web API for tests: an HTTP server on 127.0.0.1 that speaks Slack's
// wire protocol, so the real @slack/web-api WebClient (and therefore a real Bolt
// app) works unchanged when pointed at `fake.apiUrl` via `slackApiUrl`.
//
// Wire facts mirrored here (see @slack/web-api/dist/WebClient.js):
// - WebClient POSTs `/api/<method>` as application/x-www-form-urlencoded; any
//   non-primitive argument (blocks, attachments, view, ...) is a JSON string.
// - The token travels as `Authorization: Bearer <token>` (Bolt's auth.test also
//   puts it in the form as `token`). Missing -> not_authed, wrong -> invalid_auth.
// - Errors are HTTP 200 `{ ok: false, error }`; rate limits are HTTP 429 with a
//   `Retry-After` header in seconds; any other non-200 becomes WebAPIHTTPError.
// It also serves response_url endpoints (`/response/<key>`), which take the JSON
// that Bolt's `respond()` posts.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Default identities shared with the request builders in slack-requests.ts. */
export const FAKE_DEFAULTS = {
  botToken: 'xoxb-test-token',
  botUserId: 'U0BOT00001',
  botId: 'B0BOT00001',
  appId: 'A0JIT00001',
  teamId: 'T00000001',
  teamDomain: 'jit-test',
  teamName: 'JIT Test',
  botName: 'jit-bot',
  channelId: 'C00000001',
  channelName: 'general',
} as const;

/** One Web API request as the fake received it (`token` removed from args). */
export interface SlackCall {
  method: string;
  /** Decoded arguments: JSON-valued form fields (blocks, view, ...) are parsed back into objects.
   *  Other form values stay strings (booleans arrive as "true"/"false"). */
  args: Record<string, unknown>;
  at: number;
  /** Token from the Authorization header, else from the `token` form field. */
  token: string | undefined;
  /** The Slack error returned (or `http_429` / `http_500` for injected HTTP faults); undefined if ok. */
  error?: string;
}

export type SlackFault = { error: string } | { status: 429; retryAfterSeconds: number } | { status: 500 };

export interface FakeUser {
  id: string;
  teamId: string;
  name: string;
  realName: string;
  email: string | undefined;
  isBot: boolean;
  deleted: boolean;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  threadTs?: string;
  /** Author: the bot user for everything the app posts. */
  user: string;
}

export interface FakeEphemeral {
  channel: string;
  /** The only user who can see it. */
  user: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
}

/** A JSON POST to a response_url. */
export interface FakeResponse {
  key: string;
  body: Record<string, unknown>;
  at: number;
}

/** A modal as last opened/updated/pushed by the app. */
export interface FakeView {
  id: string;
  /** The user whose trigger_id opened it, when the trigger came from `issueTriggerId(userId)`. */
  userId: string | undefined;
  callbackId: string;
  privateMetadata: string;
  hash: string;
  blocks: unknown[];
  /** The full view object exactly as views.* returned it to the app. */
  view: Record<string, unknown>;
}

/** Where a response_url came from, so `replace_original` / `delete_original` / `in_channel` apply to state. */
export interface ResponseOrigin {
  channel: string;
  /** The message the interaction happened on (block_actions); absent for slash commands. */
  ts?: string;
}

export interface FakeSlack {
  url: string;
  /** `${url}/api/` — pass as WebClient's `slackApiUrl`. */
  apiUrl: string;
  botToken: string;
  botUserId: string;
  botId: string;
  appId: string;
  teamId: string;
  teamDomain: string;

  addUser(u: { id: string; email?: string; name?: string; realName?: string; teamId?: string; deleted?: boolean }): void;
  addUsergroup(id: string, userIds: string[]): void;
  users: ReadonlyMap<string, FakeUser>;

  calls: SlackCall[];
  callsOf(method: string): SlackCall[];
  /** Every POST to a response_url, in arrival order. */
  responses: FakeResponse[];
  /** Current message state (after updates/deletes), keyed `channel:ts`. */
  messages: Map<string, FakeMessage>;
  messagesIn(channelOrUserId: string): FakeMessage[];
  ephemerals: FakeEphemeral[];
  views: Map<string, FakeView>;
  /** Most recently opened/updated/pushed view, optionally filtered. */
  lastView(filter?: { callbackId?: string; userId?: string }): FakeView | undefined;
  /** The stable DM channel id ("D...") for a user. */
  dmChannelOf(userId: string): string;

  /** A response_url on this server; `origin` lets response posts mutate message state like Slack does. */
  responseUrl(key?: string, origin?: ResponseOrigin): string;
  /** A trigger_id as Slack would put in a payload: single use, expires after `triggerTtlMs`. */
  issueTriggerId(userId?: string): string;

  /** Polls every 10ms until `predicate` returns something other than undefined/null/false.
   *  A throwing predicate counts as "not yet"; its last error is reported on timeout. */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  waitForCall(method: string, filter?: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;

  /** Make the next `times` calls of `method` fail. Use method `response_url` to fail response_url posts. */
  failNext(method: string, fault: SlackFault, times?: number): void;
  /** Delay responses; without `method` it is the default for all methods. */
  setLatency(ms: number, method?: string): void;
  /** Clear calls, responses, messages, ephemerals, views, triggers, faults and latency. Keeps users/usergroups. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  botToken?: string;
  botUserId?: string;
  teamId?: string;
  /** How long an issued trigger_id stays valid (Slack: 3 seconds). */
  triggerTtlMs?: number;
}

/** All human-visible text of a message, response body or view: top-level text plus every
 *  `text` string in blocks/attachments (recursively), joined by newlines. */
export function messageText(m: { text?: unknown; blocks?: unknown; attachments?: unknown; title?: unknown } | undefined): string {
  if (m === undefined) return '';
  const out: string[] = [];
  if (typeof m.text === 'string') out.push(m.text);
  collectText(m.title, out);
  collectText(m.blocks, out);
  collectText(m.attachments, out);
  return out.join('\n');
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;
type Handler = (args: Args) => Result;

const TEXT_LIMIT = 40_000;
const MESSAGE_BLOCK_LIMIT = 50;
const VIEW_BLOCK_LIMIT = 100;
/** Form fields WebClient JSON-encodes and the fake decodes back. */
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'view',
  'metadata',
  'unfurls',
  'user_auth_blocks',
  'options',
  'option_groups',
]);

class FakeSlackServer implements FakeSlack {
  url = '';
  apiUrl = '';
  readonly botToken: string;
  readonly botUserId: string;
  readonly botId = FAKE_DEFAULTS.botId;
  readonly appId = FAKE_DEFAULTS.appId;
  readonly teamId: string;
  readonly teamDomain = FAKE_DEFAULTS.teamDomain;

  readonly users = new Map<string, FakeUser>();
  readonly calls: SlackCall[] = [];
  readonly responses: FakeResponse[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views = new Map<string, FakeView>();

  private readonly usergroups = new Map<string, string[]>();
  private readonly dmChannels = new Map<string, string>();
  private readonly openedDms = new Set<string>();
  private readonly origins = new Map<string, ResponseOrigin>();
  private readonly triggers = new Map<string, { userId: string | undefined; issuedAt: number; used: boolean }>();
  private readonly faults = new Map<string, SlackFault[]>();
  private readonly latency = new Map<string | undefined, number>();
  private readonly triggerTtlMs: number;
  private readonly server: Server;
  private seq = 0;
  private tsSeq = 0;

  private readonly handlers: Record<string, Handler> = {
    'auth.test': () => this.authTest(),
    'chat.postMessage': (a) => this.postMessage(a),
    'chat.update': (a) => this.updateMessage(a),
    'chat.delete': (a) => this.deleteMessage(a),
    'chat.postEphemeral': (a) => this.postEphemeral(a),
    'conversations.open': (a) => this.openConversation(a),
    'users.info': (a) => this.userInfo(a),
    'users.lookupByEmail': (a) => this.lookupByEmail(a),
    'usergroups.users.list': (a) => this.usergroupUsers(a),
    'views.open': (a) => this.openView(a, 'open'),
    'views.push': (a) => this.openView(a, 'push'),
    'views.update': (a) => this.updateView(a),
  };

  constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? FAKE_DEFAULTS.botToken;
    this.botUserId = options.botUserId ?? FAKE_DEFAULTS.botUserId;
    this.teamId = options.teamId ?? FAKE_DEFAULTS.teamId;
    this.triggerTtlMs = options.triggerTtlMs ?? 3000;
    this.users.set(this.botUserId, {
      id: this.botUserId,
      teamId: this.teamId,
      name: FAKE_DEFAULTS.botName,
      realName: 'JIT Access',
      email: undefined,
      isBot: true,
      deleted: false,
    });
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(err) });
        else res.end();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.url}/api/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  // --- test-facing API -----------------------------------------------------

  addUser(u: { id: string; email?: string; name?: string; realName?: string; teamId?: string; deleted?: boolean }): void {
    const name = u.name ?? u.email?.split('@')[0] ?? u.id.toLowerCase();
    this.users.set(u.id, {
      id: u.id,
      teamId: u.teamId ?? this.teamId,
      name,
      realName: u.realName ?? name,
      email: u.email,
      isBot: false,
      deleted: u.deleted ?? false,
    });
  }

  addUsergroup(id: string, userIds: string[]): void {
    this.usergroups.set(id, [...userIds]);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
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

  dmChannelOf(userId: string): string {
    let id = this.dmChannels.get(userId);
    if (id === undefined) {
      id = `D${userId.replace(/^[UW]/, '').toUpperCase()}`;
      this.dmChannels.set(userId, id);
    }
    return id;
  }

  responseUrl(key?: string, origin?: ResponseOrigin): string {
    const k = key ?? `r${++this.seq}`;
    if (origin !== undefined) this.origins.set(k, origin);
    return `${this.url}/response/${encodeURIComponent(k)}`;
  }

  issueTriggerId(userId?: string): string {
    const teamNumber = this.teamId.replace(/\D/g, '') || '1';
    const id = `${++this.seq}${Date.now() % 1_000_000}.${teamNumber}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { userId, issuedAt: Date.now(), used: false });
    return id;
  }

  async waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 5000, what?: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = predicate();
        if (value !== undefined && value !== null && value !== false) return value;
        lastError = undefined;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline) {
        const recent = this.calls.slice(-10).map((c) => (c.error ? `${c.method}(${c.error})` : c.method));
        const parts = [
          `waitFor${what ? ` (${what})` : ''} timed out after ${timeoutMs}ms`,
          lastError instanceof Error ? `last predicate error: ${lastError.message}` : undefined,
          `recent Slack calls: ${recent.length ? recent.join(', ') : 'none'}`,
          `response_url posts: ${this.responses.length}`,
        ];
        throw new Error(parts.filter((p) => p !== undefined).join('; '));
      }
      await sleep(10);
    }
  }

  waitForCall(method: string, filter: (call: SlackCall) => boolean = () => true, timeoutMs?: number): Promise<SlackCall> {
    return this.waitFor(() => this.calls.find((c) => c.method === method && filter(c)), timeoutMs, `a ${method} call`);
  }

  failNext(method: string, fault: SlackFault, times = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  setLatency(ms: number, method?: string): void {
    this.latency.set(method, ms);
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.ephemerals.length = 0;
    this.messages.clear();
    this.views.clear();
    this.origins.clear();
    this.triggers.clear();
    this.faults.clear();
    this.latency.clear();
    this.openedDms.clear();
  }

  // --- HTTP ----------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      await this.handleApi(decodeURIComponent(url.pathname.slice('/api/'.length)), req, url, raw, res);
    } else if (url.pathname.startsWith('/response/') && req.method === 'POST') {
      await this.handleResponseUrl(decodeURIComponent(url.pathname.slice('/response/'.length)), req, raw, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  private async handleApi(method: string, req: IncomingMessage, url: URL, raw: Buffer, res: ServerResponse): Promise<void> {
    const parsed = await parseArgs(req.headers['content-type'], raw, url.searchParams);
    const args = parsed.ok ? parsed.args : {};
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const call: SlackCall = { method, args, at: Date.now(), token };
    this.calls.push(call);

    await this.delay(method);
    const fault = this.faults.get(method)?.shift();
    if (fault !== undefined) {
      if ('error' in fault) {
        call.error = fault.error;
        sendJson(res, 200, { ok: false, error: fault.error });
      } else if (fault.status === 429) {
        call.error = 'http_429';
        sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds) });
      } else {
        call.error = 'http_500';
        res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Internal Server Error</body></html>');
      }
      return;
    }

    const handler = this.handlers[method];
    let result: Result;
    if (handler === undefined) result = { ok: false, error: 'unknown_method', req_method: method };
    else if (token === undefined || token === '') result = { ok: false, error: 'not_authed' };
    else if (token !== this.botToken) result = { ok: false, error: 'invalid_auth' };
    else if (!parsed.ok) result = { ok: false, error: parsed.error };
    else result = handler(args);

    if (result.ok !== true) call.error = String(result.error);
    sendJson(res, 200, result);
  }

  private async handleResponseUrl(key: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    await this.delay('response_url');
    const fault = this.faults.get('response_url')?.shift();
    if (fault !== undefined) {
      const status = 'status' in fault ? fault.status : 400;
      const headers = 'status' in fault && fault.status === 429 ? { 'retry-after': String(fault.retryAfterSeconds) } : undefined;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end('error' in fault ? fault.error : 'error');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!isRecord(body) || !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      return;
    }
    this.responses.push({ key, body, at: Date.now() });
    this.applyResponse(this.origins.get(key), body);
    sendJson(res, 200, { ok: true });
  }

  /** Mirror what Slack does with a response_url post on the originating message/channel. */
  private applyResponse(origin: ResponseOrigin | undefined, body: Record<string, unknown>): void {
    if (origin === undefined) return;
    const existing = origin.ts === undefined ? undefined : this.messages.get(msgKey(origin.channel, origin.ts));
    if (existing !== undefined && body.delete_original === true) {
      this.messages.delete(msgKey(existing.channel, existing.ts));
    } else if (existing !== undefined && body.replace_original === true) {
      existing.text = typeof body.text === 'string' ? body.text : undefined;
      existing.blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
      existing.attachments = Array.isArray(body.attachments) ? body.attachments : undefined;
    } else if (body.response_type === 'in_channel') {
      this.storeMessage(origin.channel, body);
    }
  }

  private async delay(method: string): Promise<void> {
    const ms = this.latency.get(method) ?? this.latency.get(undefined) ?? 0;
    if (ms > 0) await sleep(ms);
  }

  // --- Web API methods -----------------------------------------------------

  private authTest(): Result {
    return {
      ok: true,
      url: `https://${this.teamDomain}.slack.com/`,
      team: FAKE_DEFAULTS.teamName,
      user: FAKE_DEFAULTS.botName,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  private postMessage(a: Args): Result {
    const channel = this.resolveChannel(str(a, 'channel'));
    if (channel === undefined) return fail('channel_not_found');
    const problem = this.checkMessageContent(a, true);
    if (problem !== undefined) return problem;
    const message = this.storeMessage(channel, a);
    return { ok: true, channel, ts: message.ts, message: this.wireMessage(message) };
  }

  private updateMessage(a: Args): Result {
    const channel = str(a, 'channel');
    const ts = str(a, 'ts');
    if (channel === undefined) return fail('channel_not_found');
    const message = ts === undefined ? undefined : this.messages.get(msgKey(channel, ts));
    if (message === undefined) return fail('message_not_found');
    const problem = this.checkMessageContent(a, false);
    if (problem !== undefined) return problem;
    // Omitted fields keep their previous value (an empty blocks array removes blocks).
    if (a.text !== undefined) message.text = str(a, 'text');
    if (Array.isArray(a.blocks)) message.blocks = a.blocks.length ? a.blocks : undefined;
    if (Array.isArray(a.attachments)) message.attachments = a.attachments.length ? a.attachments : undefined;
    return { ok: true, channel, ts: message.ts, text: message.text ?? '', message: this.wireMessage(message) };
  }

  private deleteMessage(a: Args): Result {
    const channel = str(a, 'channel') ?? '';
    const ts = str(a, 'ts') ?? '';
    if (!this.messages.delete(msgKey(channel, ts))) return fail('message_not_found');
    return { ok: true, channel, ts };
  }

  private postEphemeral(a: Args): Result {
    const channel = this.resolveChannel(str(a, 'channel'));
    const user = str(a, 'user');
    if (channel === undefined) return fail('channel_not_found');
    if (user === undefined || !this.users.has(user)) return fail('user_not_found');
    const problem = this.checkMessageContent(a, true);
    if (problem !== undefined) return problem;
    const ts = this.nextTs();
    this.ephemerals.push({ channel, user, ts, ...content(a) });
    return { ok: true, message_ts: ts };
  }

  private openConversation(a: Args): Result {
    const users = (str(a, 'users') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (users.length === 0) return fail('users_list_not_supplied');
    const unknown = users.find((u) => !this.users.has(u));
    if (unknown !== undefined) return fail('user_not_found');
    const id =
      users.length === 1
        ? this.dmChannelOf(users[0] ?? '')
        : `G${users.join('').replace(/\W/g, '').slice(0, 12).toUpperCase()}`;
    const alreadyOpen = this.openedDms.has(id);
    this.openedDms.add(id);
    const channel = a.return_im === 'true' || a.return_im === true ? { id, is_im: users.length === 1, user: users[0] } : { id };
    return alreadyOpen ? { ok: true, no_op: true, already_open: true, channel } : { ok: true, channel };
  }

  private userInfo(a: Args): Result {
    const user = this.users.get(str(a, 'user') ?? '');
    return user === undefined ? fail('user_not_found') : { ok: true, user: this.wireUser(user) };
  }

  private lookupByEmail(a: Args): Result {
    const email = (str(a, 'email') ?? '').toLowerCase();
    const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === email && !u.deleted);
    return user === undefined ? fail('users_not_found') : { ok: true, user: this.wireUser(user) };
  }

  private usergroupUsers(a: Args): Result {
    const users = this.usergroups.get(str(a, 'usergroup') ?? '');
    return users === undefined ? fail('no_such_subteam') : { ok: true, users: [...users] };
  }

  private openView(a: Args, mode: 'open' | 'push'): Result {
    const triggerId = str(a, 'trigger_id');
    if (triggerId === undefined) return invalidArguments('missing required field: trigger_id');
    const trigger = this.triggers.get(triggerId);
    if (trigger === undefined) return fail('invalid_trigger_id');
    if (trigger.used) return fail('exchanged_trigger_id');
    if (Date.now() - trigger.issuedAt > this.triggerTtlMs) return fail('expired_trigger_id');
    const problems = viewProblems(a.view);
    if (problems.length) return invalidArguments(...problems);
    trigger.used = true;
    const parent = mode === 'push' ? this.lastView(trigger.userId ? { userId: trigger.userId } : {}) : undefined;
    const id = `V${String(++this.seq).padStart(10, '0')}`;
    const stored = this.storeView(id, trigger.userId, a.view as Args, {
      root_view_id: parent === undefined ? id : String(parent.view.root_view_id ?? parent.id),
      previous_view_id: parent?.id ?? null,
    });
    return { ok: true, view: stored.view };
  }

  private updateView(a: Args): Result {
    const viewId = str(a, 'view_id');
    const externalId = str(a, 'external_id');
    if (viewId === undefined && externalId === undefined) {
      return invalidArguments('missing required field: view_id or external_id');
    }
    const current =
      viewId !== undefined ? this.views.get(viewId) : [...this.views.values()].find((v) => v.view.external_id === externalId);
    if (current === undefined) return fail('not_found');
    const hash = str(a, 'hash');
    if (hash !== undefined && hash !== current.hash) return fail('hash_conflict');
    const problems = viewProblems(a.view);
    if (problems.length) return invalidArguments(...problems);
    this.views.delete(current.id); // re-insert so lastView() sees it as the most recent
    const stored = this.storeView(current.id, current.userId, a.view as Args, {
      root_view_id: current.view.root_view_id,
      previous_view_id: current.view.previous_view_id,
    });
    return { ok: true, view: stored.view };
  }

  // --- state helpers -------------------------------------------------------

  private storeView(id: string, userId: string | undefined, input: Args, links: Record<string, unknown>): FakeView {
    const hash = `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;
    const view: Record<string, unknown> = {
      id,
      team_id: this.teamId,
      type: input.type,
      title: input.title,
      blocks: input.blocks,
      close: input.close ?? null,
      submit: input.submit ?? null,
      private_metadata: input.private_metadata ?? '',
      callback_id: input.callback_id ?? '',
      state: { values: {} },
      hash,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      external_id: input.external_id ?? '',
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

  private storeMessage(channel: string, a: Args): FakeMessage {
    const message: FakeMessage = { channel, ts: this.nextTs(), user: this.botUserId, ...content(a) };
    const threadTs = str(a, 'thread_ts');
    if (threadTs !== undefined) message.threadTs = threadTs;
    this.messages.set(msgKey(channel, message.ts), message);
    return message;
  }

  private wireMessage(m: FakeMessage): Result {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: m.text ?? '',
      user: m.user,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      ts: m.ts,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    };
  }

  private wireUser(u: FakeUser): Result {
    return {
      id: u.id,
      team_id: u.teamId,
      name: u.name,
      real_name: u.realName,
      deleted: u.deleted,
      is_bot: u.isBot,
      is_app_user: false,
      tz: 'Europe/London',
      profile: {
        real_name: u.realName,
        display_name: u.name,
        ...(u.email !== undefined ? { email: u.email } : {}),
        team: u.teamId,
        ...(u.isBot ? { bot_id: this.botId } : {}),
      },
    };
  }

  /** Posting to a user id delivers to the DM with that user, as Slack does. */
  private resolveChannel(channel: string | undefined): string | undefined {
    if (channel === undefined || channel === '') return undefined;
    return /^[UW]/.test(channel) ? this.dmChannelOf(channel) : channel;
  }

  private checkMessageContent(a: Args, requireContent: boolean): Result | undefined {
    const text = str(a, 'text');
    if (typeof a.blocks === 'string') return fail('invalid_blocks_format');
    if (a.blocks !== undefined) {
      const problems = blockProblems(a.blocks, MESSAGE_BLOCK_LIMIT, '/blocks');
      if (problems.length) return fail('invalid_blocks', ...problems);
    }
    if (typeof a.attachments === 'string') return fail('invalid_attachments');
    const hasContent = (text ?? '') !== '' || nonEmptyArray(a.blocks) || nonEmptyArray(a.attachments);
    if (requireContent && !hasContent) return fail('no_text');
    if (text !== undefined && text.length > TEXT_LIMIT) return fail('msg_too_long');
    return undefined;
  }

  private nextTs(): string {
    const micros = ++this.tsSeq * 100;
    return `${1_700_000_000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}

// ---------------------------------------------------------------------------
// Parsing and small helpers

type Parsed = { ok: true; args: Args } | { ok: false; error: string };

async function parseArgs(contentType: string | undefined, raw: Buffer, query: URLSearchParams): Promise<Parsed> {
  const args: Args = {};
  for (const [k, v] of query) args[k] = decodeFormValue(k, v);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) return { ok: true, args };
  if (type === 'application/json') {
    try {
      const body: unknown = JSON.parse(raw.toString('utf8'));
      if (!isRecord(body)) return { ok: false, error: 'invalid_json' };
      return { ok: true, args: { ...args, ...body } };
    } catch {
      return { ok: false, error: 'invalid_json' };
    }
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = decodeFormValue(k, v);
    return { ok: true, args };
  }
  if (type === 'multipart/form-data') {
    const form = await new Response(raw, { headers: { 'content-type': contentType ?? '' } }).formData();
    for (const [k, v] of form) args[k] = typeof v === 'string' ? decodeFormValue(k, v) : `<file ${v.name}>`;
    return { ok: true, args };
  }
  return { ok: false, error: 'invalid_form_data' };
}

/** WebClient JSON-encodes every non-primitive argument; parse those back. `text` is never parsed. */
function decodeFormValue(key: string, value: string): unknown {
  const looksJson = /^\s*(\{[\s\S]*\}|\[[\s\S]*\])\s*$/.test(value);
  if (key === 'text' || !(JSON_FIELDS.has(key) || looksJson)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // left as a string; handlers then report invalid_blocks_format etc.
  }
}

function content(a: Args): { text?: string; blocks?: unknown[]; attachments?: unknown[] } {
  const out: { text?: string; blocks?: unknown[]; attachments?: unknown[] } = {};
  const text = str(a, 'text');
  if (text !== undefined) out.text = text;
  if (Array.isArray(a.blocks) && a.blocks.length) out.blocks = a.blocks;
  if (Array.isArray(a.attachments) && a.attachments.length) out.attachments = a.attachments;
  return out;
}

/** Light Block Kit validation: the limits real Slack enforces that apps most often trip over. */
function blockProblems(blocks: unknown, limit: number, pointer: string): string[] {
  if (!Array.isArray(blocks)) return [`[ERROR] must be an array [json-pointer:${pointer}]`];
  const problems: string[] = [];
  if (blocks.length > limit) problems.push(`[ERROR] no more than ${limit} items allowed [json-pointer:${pointer}]`);
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, i) => {
    const at = `${pointer}/${i}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      problems.push(`[ERROR] missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) problems.push(`[ERROR] duplicate block_id [json-pointer:${at}/block_id]`);
      if (block.block_id.length > 255) problems.push(`[ERROR] must be less than 256 characters [json-pointer:${at}/block_id]`);
      blockIds.add(block.block_id);
    }
    const textLimit = block.type === 'header' ? 150 : block.type === 'section' ? 3000 : undefined;
    if (textLimit !== undefined && block.text !== undefined) {
      problems.push(...textObjectProblems(block.text, textLimit, `${at}/text`));
    }
    if (block.type === 'header' && isRecord(block.text) && block.text.type !== 'plain_text') {
      problems.push(`[ERROR] must be plain_text [json-pointer:${at}/text/type]`);
    }
    if (block.type === 'section' && block.text === undefined && block.fields === undefined) {
      problems.push(`[ERROR] must provide either text or fields [json-pointer:${at}]`);
    }
    const elements = [...(Array.isArray(block.elements) ? block.elements : []), ...(block.accessory ? [block.accessory] : [])];
    const actionIds = new Set<string>();
    for (const el of elements) {
      if (!isRecord(el)) continue;
      if (typeof el.action_id === 'string') {
        if (actionIds.has(el.action_id)) problems.push(`[ERROR] duplicate action_id "${el.action_id}" [json-pointer:${at}]`);
        if (el.action_id.length > 255) problems.push(`[ERROR] must be less than 256 characters [json-pointer:${at}/action_id]`);
        actionIds.add(el.action_id);
      }
      if (el.type === 'button') {
        problems.push(...textObjectProblems(el.text, 75, `${at}/elements/text`));
        if (typeof el.value === 'string' && el.value.length > 2000) {
          problems.push(`[ERROR] must be less than 2001 characters [json-pointer:${at}/elements/value]`);
        }
      }
    }
  });
  return problems;
}

function textObjectProblems(text: unknown, limit: number, at: string): string[] {
  if (!isRecord(text) || typeof text.text !== 'string' || (text.type !== 'plain_text' && text.type !== 'mrkdwn')) {
    return [`[ERROR] must be a valid text object [json-pointer:${at}]`];
  }
  if (text.text.length > limit) return [`[ERROR] must be less than ${limit + 1} characters [json-pointer:${at}/text]`];
  if (text.text.length === 0) return [`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`];
  return [];
}

function viewProblems(view: unknown): string[] {
  if (!isRecord(view)) return ['[ERROR] missing required field: view'];
  const problems: string[] = [];
  if (view.type !== 'modal') problems.push('[ERROR] must be "modal" [json-pointer:/view/type]');
  problems.push(...textObjectProblems(view.title, 24, '/view/title'));
  if (isRecord(view.title) && view.title.type !== 'plain_text') {
    problems.push('[ERROR] must be plain_text [json-pointer:/view/title/type]');
  }
  problems.push(...blockProblems(view.blocks, VIEW_BLOCK_LIMIT, '/view/blocks'));
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) {
    problems.push('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  }
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255) {
    problems.push('[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]');
  }
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b: unknown) => isRecord(b) && b.type === 'input');
  if (hasInput && view.submit === undefined) {
    problems.push('[ERROR] submit is required when an input block is present [json-pointer:/view/submit]');
  }
  return problems;
}

function fail(error: string, ...messages: string[]): Result {
  return messages.length ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

function invalidArguments(...problems: string[]): Result {
  return fail('invalid_arguments', ...problems.map((p) => (p.startsWith('[ERROR]') ? p : `[ERROR] ${p}`)));
}

function collectText(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectText(child, out);
  } else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && (key === 'text' || key === 'pretext' || key === 'title')) out.push(value);
      else collectText(value, out);
    }
  }
}

function str(a: Args, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function nonEmptyArray(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function msgKey(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

function compareTs(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
