// Socket Mode as @slack/socket-mode v3 speaks it (see its SocketModeClient.js and SlackWebSocket.js):
// - apps.connections.open, called with the app-level token, returns a single-use `wss://…/link/?ticket=…`
//   URL (here `ws://127.0.0.1:<port>/link/?ticket=…&app_id=…`);
// - the client counts itself connected only when the server's first message, `{"type":"hello"}`, arrives;
// - the client pings every clientPingTimeout/3 ms (default ~1.7 s) and disconnects after more than three
//   pings without a pong, so pings must be answered; it only watches for server pings once it has seen one;
// - envelopes are `{ envelope_id, type, payload, accepts_response_payload }`, and every ack is
//   `{ envelope_id, payload }` (payload `{}` for a bare ack(), `{ text }` for ack("text"));
// - `{"type":"disconnect"}` makes the client close (frame 1000) and reconnect; the client's own shutdown
//   (Bolt's app.stop()) is a close frame 1000 that the server must answer, or it waits 30 s. Bolt's
//   SocketModeReceiver.stop() resolves once that frame is sent, before the handshake completes.
// A link whose ticket is unknown or already used is refused with HTTP 401 (Slack does not document this).

import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FakeSocket, SendEnvelopeOptions, SocketAck, SocketEnvelopeType } from "./fake-slack-types.js";
import { isRecord } from "./fake-slack-wire.js";
import type { Result } from "./fake-slack-wire.js";
import { acceptHandshake, rejectUpgrade, ServerWebSocket } from "./fake-slack-websocket.js";

const LINK_PATH = "/link/";
const DEBUG_HOST = "applink-fake-1";

interface PendingAck {
  socket: FakeSocket;
  resolve(ack: SocketAck): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Connection {
  ws: ServerWebSocket;
  /** Settles once the connection is closed and its record updated. */
  closed: Promise<void>;
}

export class SocketModeHub {
  readonly sockets: FakeSocket[] = [];
  private readonly open = new Map<FakeSocket, Connection>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, PendingAck>();

  constructor(private readonly appId: string) {}

  /** The apps.connections.open result: a fresh single-use ticket on `wsBaseUrl` (`ws://host:port`). */
  openConnection(wsBaseUrl: string): Result {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return { ok: true, url: `${wsBaseUrl}${LINK_PATH}?ticket=${ticket}&app_id=${this.appId}` };
  }

  /** The HTTP server's `upgrade` handler. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== LINK_PATH) {
      rejectUpgrade(socket, 404, "Not Found");
      return;
    }
    const ticket = url.searchParams.get("ticket") ?? "";
    if (!this.tickets.delete(ticket)) {
      rejectUpgrade(socket, 401, "Unauthorized");
      return;
    }
    if (!acceptHandshake(req, socket)) return;

    const record: FakeSocket = { id: this.sockets.length + 1, openedAt: Date.now() };
    let markClosed = (): void => {};
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const ws = new ServerWebSocket(socket, head, {
      text: (message) => this.onMessage(message),
      closed: (info) => {
        this.open.delete(record);
        Object.assign(record, { closedAt: Date.now(), closedBy: info.by }, info.code !== undefined ? { closeCode: info.code } : {});
        this.rejectPending(record, `the Socket Mode connection closed (${info.by}) before the app acked`);
        markClosed();
      },
    });
    this.sockets.push(record);
    this.open.set(record, { ws, closed });
    ws.sendText(
      JSON.stringify({
        type: "hello",
        num_connections: this.open.size,
        debug_info: { host: DEBUG_HOST, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  connections(): number {
    return this.open.size;
  }

  sendEnvelope(type: SocketEnvelopeType, payload: Record<string, unknown>, opts: SendEnvelopeOptions = {}): Promise<SocketAck> {
    const open = [...this.open];
    const target = opts.connection === undefined ? open.at(-1) : open[opts.connection];
    if (target === undefined) {
      const which = opts.connection === undefined ? "no Socket Mode connection is open" : `no open connection #${opts.connection}`;
      return Promise.reject(new Error(`sendEnvelope(${type}): ${which}`));
    }
    const [record, { ws }] = target;
    const envelopeId = randomUUID();
    const timeoutMs = opts.timeoutMs ?? 5000;
    const envelope = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: opts.acceptsResponsePayload ?? acceptsResponsePayload(type, payload),
      ...(type === "events_api" ? { retry_attempt: 0, retry_reason: "" } : {}),
    };
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope ${envelopeId} within ${timeoutMs}ms`));
      }, timeoutMs);
      this.pending.set(envelopeId, { socket: record, resolve, reject, timer });
      ws.sendText(JSON.stringify(envelope));
    });
  }

  sendDisconnect(reason: string): void {
    const message = JSON.stringify({ type: "disconnect", reason, debug_info: { host: DEBUG_HOST } });
    for (const { ws } of this.open.values()) ws.sendText(message);
  }

  /** Closes every connection with 1001 (going away), as a server shutting down does. */
  async close(): Promise<void> {
    const connections = [...this.open.values()];
    for (const { ws } of connections) ws.close(1001, "going away");
    await Promise.all(connections.map((c) => c.closed));
    this.tickets.clear();
  }

  private onMessage(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return; // Slack ignores what it cannot parse; so does the fake
    }
    if (!isRecord(parsed) || typeof parsed.envelope_id !== "string") return;
    const waiting = this.pending.get(parsed.envelope_id);
    if (waiting === undefined) return;
    this.pending.delete(parsed.envelope_id);
    clearTimeout(waiting.timer);
    waiting.resolve({ envelope_id: parsed.envelope_id, ...("payload" in parsed ? { payload: parsed.payload } : {}) });
  }

  private rejectPending(socket: FakeSocket, why: string): void {
    for (const [id, waiting] of this.pending) {
      if (waiting.socket !== socket) continue;
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(new Error(why));
    }
  }
}

/** Slack lets the ack carry a response for slash commands, view submissions and options requests. */
function acceptsResponsePayload(type: SocketEnvelopeType, payload: Record<string, unknown>): boolean {
  if (type === "slash_commands") return true;
  return type === "interactive" && (payload.type === "view_submission" || payload.type === "block_suggestion");
}
