// The fake Slack's public surface: default identities, the records it keeps, and the FakeSlack
// interface tests program against. Re-exported unchanged by fake-slack.ts.

/** Default identities shared with the request builders in slack-requests.ts. */
export const FAKE_DEFAULTS = {
  botToken: "xoxb-test-token",
  appToken: "xapp-test-token",
  botUserId: "U0BOT00001",
  botId: "B0BOT00001",
  appId: "A0JIT00001",
  teamId: "T00000001",
  teamDomain: "jit-test",
  teamName: "JIT Test",
  botName: "jit-bot",
  channelId: "C00000001",
  channelName: "general",
} as const;

/** The scopes conversations.history needs, one per kind of conversation. */
export type HistoryScope = "channels:history" | "groups:history" | "im:history" | "mpim:history";

/** The bot token's scopes: those manifest.yml asks for, and every history scope, so
 *  conversations.history works on any conversation unless a test takes one away with `withoutScope`. */
export const FAKE_BOT_SCOPES: readonly string[] = [
  "commands",
  "chat:write",
  "im:write",
  "users:read",
  "users:read.email",
  "usergroups:read",
  "channels:history",
  "groups:history",
  "im:history",
  "mpim:history",
];

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

/**
 * `error`: Slack refuses the call; 429 and 500: the HTTP answer, nothing done; `lostAnswer`: the
 * call takes effect but its answer is a 500, as when a response is lost on the way back.
 */
export type SlackFault = { error: string } | { status: 429; retryAfterSeconds: number } | { status: 500 } | { lostAnswer: true };

export interface FakeUser {
  id: string;
  teamId: string;
  name: string;
  realName: string;
  email: string | undefined;
  isBot: boolean;
  deleted: boolean;
  /** Slack's `is_email_confirmed`: false for an address the member set but never confirmed. */
  emailConfirmed: boolean;
  /** A multi-channel guest (`is_restricted`). */
  restricted: boolean;
  /** A single-channel guest (`is_ultra_restricted`, which Slack reports with `is_restricted` too). */
  ultraRestricted: boolean;
  /** Someone of another organisation seen through Slack Connect (`is_stranger`). */
  stranger: boolean;
}

/** What a test may say about a person; everything but the id has a member-like default. */
export interface FakeUserSpec {
  id: string;
  email?: string;
  name?: string;
  realName?: string;
  teamId?: string;
  deleted?: boolean;
  isBot?: boolean;
  emailConfirmed?: boolean;
  restricted?: boolean;
  ultraRestricted?: boolean;
  stranger?: boolean;
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
  /** Set by chat.update, as Slack marks a changed message: who changed it, and when. */
  edited?: { user: string; ts: string };
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

/** Envelope types Slack delivers over Socket Mode. */
export type SocketEnvelopeType = "slash_commands" | "interactive" | "events_api";

/** The app's acknowledgement of an envelope, as it arrived on the socket. */
export interface SocketAck {
  envelope_id: string;
  /** What the app passed to ack(): SocketModeClient sends `{}` for a bare ack(), `{ text }` for a string. */
  payload?: unknown;
}

export interface SendEnvelopeOptions {
  /** Defaults as Slack sets it: true for slash commands, view submissions and options requests. */
  acceptsResponsePayload?: boolean;
  /** How long to wait for the ack before rejecting; default 5000 ms. */
  timeoutMs?: number;
  /**
   * Which open connection gets it, by the order they opened (0 = the oldest still open), as Slack
   * spreads deliveries over an app's connections; default the newest.
   */
  connection?: number;
}

/** One Socket Mode WebSocket connection, open or closed. */
export interface FakeSocket {
  id: number;
  openedAt: number;
  closedAt?: number;
  /** Who started the closing: a close frame from either side, or the TCP connection dropping. */
  closedBy?: "client" | "server" | "network";
  /** Status code in the close frame that started the closing handshake (1000 = normal closure). */
  closeCode?: number;
}

export interface FakeSlack {
  url: string;
  /** `${url}/api/` — pass as WebClient's `slackApiUrl`. */
  apiUrl: string;
  botToken: string;
  /** App-level token (xapp-…) for apps.connections.open, i.e. for Socket Mode. */
  appToken: string;
  botUserId: string;
  botId: string;
  appId: string;
  teamId: string;
  teamDomain: string;

  addUser(u: FakeUserSpec): void;
  /** Changes a person as a workspace admin or the member would (an edited email, deactivation, a guest role). */
  updateUser(id: string, changes: Partial<Omit<FakeUserSpec, "id">>): void;
  /** Sets a user group's members (a group changed in Slack). */
  addUsergroup(id: string, userIds: string[]): void;
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
  /** Each person's Home tab as last published (views.publish). */
  homes: ReadonlyMap<string, FakeView>;
  /** Every accepted views.publish, in order. */
  homePublishes: readonly { readonly userId: string; readonly at: number }[];
  /** How many calls of `method` Slack takes in any 60 s before answering HTTP 429 `ratelimited` with Retry-After (views.publish: 100). */
  setMethodRateLimit(method: string, perMinute: number): void;
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

  /** Socket Mode connections open now (the client has been sent `hello`). */
  socketConnections(): number;
  /** Every Socket Mode connection so far, oldest first. */
  sockets: readonly FakeSocket[];
  /** Resolves once at least one Socket Mode connection is open. */
  waitForSocket(timeoutMs?: number): Promise<void>;
  /** Delivers an envelope on the newest open connection; resolves with the app's ack. */
  sendEnvelope(type: SocketEnvelopeType, payload: Record<string, unknown>, opts?: SendEnvelopeOptions): Promise<SocketAck>;
  /** Sends Slack's `disconnect` message to every open connection; the client closes and reconnects. */
  sendDisconnect(reason?: "warning" | "refresh_requested" | "link_disabled"): void;

  /** Make the next `times` calls of `method` fail. Use method `response_url` to fail response_url posts. */
  failNext(method: string, fault: SlackFault, times?: number): void;
  /** Delay responses; without `method` it is the default for all methods. */
  setLatency(ms: number, method?: string): void;
  /** Take a history scope from the bot token until reset(): conversations.history on that kind of
   *  conversation (channels: C…, private: G…, DMs: D…, group DMs: conversations.open's G…) then
   *  answers `{ ok: false, error: 'missing_scope', needed, provided }`. */
  withoutScope(scope: HistoryScope): void;
  /** Clear calls, responses, messages, ephemerals, views, triggers, faults and latency, and give
   *  back any scope taken away. Keeps users/usergroups and Socket Mode connections. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  botToken?: string;
  /** App-level token accepted by apps.connections.open; default `xapp-test-token`. */
  appToken?: string;
  botUserId?: string;
  teamId?: string;
  /** How long an issued trigger_id stays valid (Slack: 3 seconds). */
  triggerTtlMs?: number;
}
