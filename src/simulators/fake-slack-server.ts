// The fake Slack's HTTP server: routes `/api/<method>` (authentication, injected faults and latency,
// then the method handler), response_url posts, and Socket Mode's WebSocket upgrades on `/link/`.
//
// Wire facts mirrored here (see @slack/web-api/dist/WebClient.js):
// - The token travels as `Authorization: Bearer <token>` (Bolt's auth.test also puts it in the form
//   as `token`). Missing -> not_authed, unknown -> invalid_auth, the other kind of token (app-level
//   for a bot method or the reverse) -> not_allowed_token_type.
// - Errors are HTTP 200 `{ ok: false, error }`; rate limits are HTTP 429 with a `Retry-After`
//   header in seconds; any other non-200 becomes WebAPIHTTPError.

import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { botMethods } from "./fake-slack-methods.js";
import { SocketModeHub } from "./fake-slack-socket-mode.js";
import { FAKE_DEFAULTS } from "./fake-slack-types.js";
import type {
  FakeEphemeral,
  FakeMessage,
  FakeResponse,
  FakeSlack,
  FakeSlackOptions,
  FakeSocket,
  FakeUser,
  FakeUserSpec,
  FakeView,
  HistoryScope,
  ResponseOrigin,
  SendEnvelopeOptions,
  SlackCall,
  SlackFault,
  SocketAck,
  SocketEnvelopeType,
} from "./fake-slack-types.js";
import { sleep } from "../domain/clock.js";
import { isRecord, parseArgs, readBody, sendJson } from "./fake-slack-wire.js";
import type { Handler, Result } from "./fake-slack-wire.js";
import { FakeWorkspace } from "./fake-slack-workspace.js";

export class FakeSlackServer implements FakeSlack {
  url = "";
  apiUrl = "";
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly teamId: string;
  readonly teamDomain: string;

  readonly users: ReadonlyMap<string, FakeUser>;
  readonly calls: SlackCall[] = [];
  readonly responses: FakeResponse[] = [];
  readonly messages: Map<string, FakeMessage>;
  readonly ephemerals: FakeEphemeral[];
  readonly views: Map<string, FakeView>;
  readonly homes: ReadonlyMap<string, FakeView>;
  readonly homePublishes: readonly { readonly userId: string; readonly at: number }[];

  private readonly workspace: FakeWorkspace;
  private readonly socketMode: SocketModeHub;
  private readonly botHandlers: Record<string, Handler>;
  private readonly appHandlers: Record<string, Handler>;
  private readonly faults = new Map<string, SlackFault[]>();
  private readonly latency = new Map<string | undefined, number>();
  /** Per-method limits Slack enforces per workspace, as calls in any 60 s, and when each call was accepted. */
  private readonly rateLimits = new Map<string, { perMinute: number; acceptedAt: number[] }>([
    // Tier 4, "100+ per minute" (https://docs.slack.dev/reference/methods/views.publish).
    ["views.publish", { perMinute: 100, acceptedAt: [] }],
  ]);
  private readonly server: Server;

  constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? FAKE_DEFAULTS.botToken;
    this.appToken = options.appToken ?? FAKE_DEFAULTS.appToken;
    this.workspace = new FakeWorkspace({
      botUserId: options.botUserId ?? FAKE_DEFAULTS.botUserId,
      teamId: options.teamId ?? FAKE_DEFAULTS.teamId,
      triggerTtlMs: options.triggerTtlMs ?? 3000,
    });
    const ws = this.workspace;
    this.botUserId = ws.botUserId;
    this.botId = ws.botId;
    this.appId = ws.appId;
    this.teamId = ws.teamId;
    this.teamDomain = ws.teamDomain;
    this.users = ws.users;
    this.messages = ws.messages;
    this.ephemerals = ws.ephemerals;
    this.views = ws.views;
    this.homes = ws.homes;
    this.homePublishes = ws.homePublishes;

    this.socketMode = new SocketModeHub(this.appId);
    this.botHandlers = botMethods(ws);
    this.appHandlers = { "apps.connections.open": () => this.socketMode.openConnection(this.url.replace(/^http/, "ws")) };
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: "fatal_error", detail: String(err) });
        else res.end();
      });
    });
    this.server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => this.socketMode.upgrade(req, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.url}/api/`;
  }

  async close(): Promise<void> {
    await this.socketMode.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  // --- test-facing API -----------------------------------------------------

  addUser(u: FakeUserSpec): void {
    this.workspace.addUser(u);
  }

  updateUser(id: string, changes: Partial<Omit<FakeUserSpec, "id">>): void {
    this.workspace.updateUser(id, changes);
  }

  addUsergroup(id: string, userIds: string[]): void {
    this.workspace.usergroups.set(id, [...userIds]);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  messagesIn(channelOrUserId: string): FakeMessage[] {
    return this.workspace.messagesIn(channelOrUserId);
  }

  lastView(filter: { callbackId?: string; userId?: string } = {}): FakeView | undefined {
    return this.workspace.lastView(filter);
  }

  dmChannelOf(userId: string): string {
    return this.workspace.dmChannelOf(userId);
  }

  responseUrl(key?: string, origin?: ResponseOrigin): string {
    const k = key ?? `r${this.workspace.nextSeq()}`;
    if (origin !== undefined) this.workspace.origins.set(k, origin);
    return `${this.url}/response/${encodeURIComponent(k)}`;
  }

  issueTriggerId(userId?: string): string {
    return this.workspace.issueTriggerId(userId);
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
          `waitFor${what ? ` (${what})` : ""} timed out after ${timeoutMs}ms`,
          lastError instanceof Error ? `last predicate error: ${lastError.message}` : undefined,
          `recent Slack calls: ${recent.length ? recent.join(", ") : "none"}`,
          `response_url posts: ${this.responses.length}`,
        ];
        throw new Error(parts.filter((p) => p !== undefined).join("; "));
      }
      await sleep(10);
    }
  }

  waitForCall(method: string, filter: (call: SlackCall) => boolean = () => true, timeoutMs?: number): Promise<SlackCall> {
    return this.waitFor(() => this.calls.find((c) => c.method === method && filter(c)), timeoutMs, `a ${method} call`);
  }

  get sockets(): readonly FakeSocket[] {
    return this.socketMode.sockets;
  }

  socketConnections(): number {
    return this.socketMode.connections();
  }

  async waitForSocket(timeoutMs?: number): Promise<void> {
    await this.waitFor(() => this.socketMode.connections() > 0, timeoutMs, "a Socket Mode connection");
  }

  sendEnvelope(type: SocketEnvelopeType, payload: Record<string, unknown>, opts?: SendEnvelopeOptions): Promise<SocketAck> {
    return this.socketMode.sendEnvelope(type, payload, opts);
  }

  sendDisconnect(reason: "warning" | "refresh_requested" | "link_disabled" = "refresh_requested"): void {
    this.socketMode.sendDisconnect(reason);
  }

  failNext(method: string, fault: SlackFault, times = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  setLatency(ms: number, method?: string): void {
    this.latency.set(method, ms);
  }

  withoutScope(scope: HistoryScope): void {
    this.workspace.scopes.delete(scope);
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.faults.clear();
    this.latency.clear();
    for (const limit of this.rateLimits.values()) limit.acceptedAt.length = 0;
    this.workspace.reset();
  }

  // --- HTTP ----------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const raw = await readBody(req);
    if (url.pathname.startsWith("/api/")) {
      await this.handleApi(decodeURIComponent(url.pathname.slice("/api/".length)), req, url, raw, res);
    } else if (url.pathname.startsWith("/response/") && req.method === "POST") {
      await this.handleResponseUrl(decodeURIComponent(url.pathname.slice("/response/".length)), req, raw, res);
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  }

  private async handleApi(method: string, req: IncomingMessage, url: URL, raw: Buffer, res: ServerResponse): Promise<void> {
    const parsed = await parseArgs(req.headers["content-type"], raw, url.searchParams);
    const args = parsed.ok ? parsed.args : {};
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer ?? (typeof args.token === "string" ? args.token : undefined);
    delete args.token;
    const call: SlackCall = { method, args, at: Date.now(), token };
    this.calls.push(call);

    await this.delay(method);
    const fault = this.faults.get(method)?.shift();
    if (fault !== undefined && !("lostAnswer" in fault)) {
      if ("error" in fault) {
        call.error = fault.error;
        sendJson(res, 200, { ok: false, error: fault.error });
      } else if (fault.status === 429) {
        call.error = "http_429";
        sendJson(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(fault.retryAfterSeconds) });
      } else {
        call.error = "http_500";
        res.writeHead(500, { "content-type": "text/html" }).end("<html><body>Internal Server Error</body></html>");
      }
      return;
    }

    const retryAfter = this.rateLimited(method, call.at);
    if (retryAfter !== undefined) {
      call.error = "http_429";
      sendJson(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(retryAfter) });
      return;
    }

    const appLevel = this.appHandlers[method];
    const handler = appLevel ?? this.botHandlers[method];
    const expectedToken = appLevel ? this.appToken : this.botToken;
    let result: Result;
    if (handler === undefined) result = { ok: false, error: "unknown_method", req_method: method };
    else if (token === undefined || token === "") result = { ok: false, error: "not_authed" };
    else if (token !== expectedToken) result = { ok: false, error: this.tokenError(token) };
    else if (!parsed.ok) result = { ok: false, error: parsed.error };
    else result = handler(args);

    if (result.ok !== true) call.error = String(result.error);
    if (fault !== undefined) {
      call.error = "http_500";
      res.writeHead(500, { "content-type": "text/html" }).end("<html><body>Internal Server Error</body></html>");
      return;
    }
    sendJson(res, 200, result);
  }

  /** Seconds to wait when `method` is over its limit (the oldest call in the window leaving it), else undefined and the call counted. */
  private rateLimited(method: string, now: number): number | undefined {
    const limit = this.rateLimits.get(method);
    if (limit === undefined) return undefined;
    while ((limit.acceptedAt[0] ?? Number.POSITIVE_INFINITY) <= now - 60_000) limit.acceptedAt.shift();
    if (limit.acceptedAt.length >= limit.perMinute) return Math.max(1, Math.ceil(((limit.acceptedAt[0] ?? now) + 60_000 - now) / 1000));
    limit.acceptedAt.push(now);
    return undefined;
  }

  setMethodRateLimit(method: string, perMinute: number): void {
    this.rateLimits.set(method, { perMinute, acceptedAt: [] });
  }

  /** A token of ours used for the wrong kind of method is refused differently from an unknown one. */
  private tokenError(token: string): string {
    return token === this.botToken || token === this.appToken ? "not_allowed_token_type" : "invalid_auth";
  }

  private async handleResponseUrl(key: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    await this.delay("response_url");
    const fault = this.faults.get("response_url")?.shift();
    if (fault !== undefined) {
      const status = "status" in fault ? fault.status : 400;
      const headers = "status" in fault && fault.status === 429 ? { "retry-after": String(fault.retryAfterSeconds) } : undefined;
      res.writeHead(status, { "content-type": "text/plain", ...headers }).end("error" in fault ? fault.error : "error");
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      body = undefined;
    }
    if (!isRecord(body) || !String(req.headers["content-type"] ?? "").startsWith("application/json")) {
      res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
      return;
    }
    this.responses.push({ key, body, at: Date.now() });
    this.workspace.applyResponse(this.workspace.origins.get(key), body);
    sendJson(res, 200, { ok: true });
  }

  private async delay(method: string): Promise<void> {
    const ms = this.latency.get(method) ?? this.latency.get(undefined) ?? 0;
    if (ms > 0) await sleep(ms);
  }
}
