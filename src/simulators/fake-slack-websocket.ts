// The server side of RFC 6455 WebSockets, just enough for Socket Mode: the opening handshake,
// text messages (fragmented or not), ping -> pong, and the close handshake. No extensions are
// negotiated, so undici's offer of permessage-deflate is declined by leaving it out of the reply.

import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;
/** How long to wait for the peer's close frame before dropping the TCP connection. */
const CLOSE_TIMEOUT_MS = 1000;

export interface WebSocketClosed {
  by: "client" | "server" | "network";
  /** Status code of the close frame that began the handshake; absent if there was none. */
  code?: number;
}

export interface WebSocketEvents {
  text(message: string): void;
  closed(info: WebSocketClosed): void;
}

/** Answers an HTTP upgrade request: 101 with Sec-WebSocket-Accept, or 400 if it is not a WebSocket handshake. */
export function acceptHandshake(req: IncomingMessage, socket: Duplex): boolean {
  const key = req.headers["sec-websocket-key"];
  const upgrade = (req.headers.upgrade ?? "").toLowerCase();
  if (upgrade !== "websocket" || typeof key !== "string" || req.headers["sec-websocket-version"] !== "13") {
    rejectUpgrade(socket, 400, "Bad Request");
    return false;
  }
  const accept = createHash("sha1")
    .update(key + HANDSHAKE_GUID)
    .digest("base64");
  const response = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${accept}`];
  socket.write(`${response.join("\r\n")}\r\n\r\n`);
  return true;
}

export function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
  size: number;
}

export class ServerWebSocket {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] | undefined;
  private fragmentOpcode = OP.text as number;
  private closing: WebSocketClosed | undefined;
  private done = false;
  /** Set after a protocol error: nothing more from this peer is read. */
  private discarding = false;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Duplex,
    head: Buffer,
    private readonly events: WebSocketEvents,
  ) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    // http.Server sockets allow half-open connections: a peer's FIN alone would never close ours.
    socket.on("end", () => socket.end());
    socket.on("close", () => this.finish(this.closing ?? { by: "network" }));
    if (head.length) this.receive(head);
  }

  get open(): boolean {
    return this.closing === undefined && !this.done;
  }

  sendText(text: string): void {
    if (this.open) this.socket.write(frame(OP.text, Buffer.from(text, "utf8")));
  }

  /** Starts the close handshake; the TCP connection ends when the peer answers, or after a timeout. */
  close(code: number, reason = ""): void {
    if (!this.open) return;
    this.closing = { by: "server", code };
    this.socket.write(frame(OP.close, closePayload(code, reason)));
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  private receive(chunk: Buffer): void {
    if (this.discarding) return;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = readFrame(this.buffer);
      if (parsed === undefined) return;
      if (parsed === "protocol_error") {
        this.fail();
        return;
      }
      this.buffer = this.buffer.subarray(parsed.size);
      this.onFrame(parsed);
      if (this.discarding) return;
    }
  }

  private onFrame(f: Frame): void {
    switch (f.opcode) {
      case OP.text:
      case OP.binary:
        if (this.fragments !== undefined) return this.fail();
        if (f.fin) return this.deliver(f.opcode, f.payload);
        this.fragments = [f.payload];
        this.fragmentOpcode = f.opcode;
        return;
      case OP.continuation:
        if (this.fragments === undefined) return this.fail();
        this.fragments.push(f.payload);
        if (f.fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = undefined;
          this.deliver(this.fragmentOpcode, whole);
        }
        return;
      case OP.ping:
        if (this.open) this.socket.write(frame(OP.pong, f.payload));
        return;
      case OP.pong:
        return;
      case OP.close:
        return this.onClose(f.payload);
      default:
        return this.fail();
    }
  }

  private onClose(payload: Buffer): void {
    if (this.closing === undefined) {
      // The client began the handshake: echo its status code, then end the connection (the server's job).
      this.closing = { by: "client", ...(payload.length >= 2 ? { code: payload.readUInt16BE(0) } : {}) };
      this.socket.write(frame(OP.close, payload.subarray(0, 2)));
    }
    this.socket.end();
  }

  private deliver(opcode: number, payload: Buffer): void {
    // Slack only ever exchanges JSON text; binary messages are ignored as SocketModeClient ignores them.
    if (opcode === OP.text && this.open) this.events.text(payload.toString("utf8"));
  }

  private fail(): void {
    this.discarding = true;
    if (this.closing === undefined) {
      this.closing = { by: "server", code: 1002 };
      this.socket.write(frame(OP.close, closePayload(1002, "protocol error")));
    }
    this.socket.end();
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  private finish(info: WebSocketClosed): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.closeTimer);
    this.events.closed(info);
  }
}

/** Parses one client frame; client frames must be masked and, with no extension agreed, have RSV bits clear. */
function readFrame(buf: Buffer): Frame | "protocol_error" | undefined {
  if (buf.length < 2) return undefined;
  const first = buf.readUInt8(0);
  const second = buf.readUInt8(1);
  if ((first & 0x70) !== 0 || (second & 0x80) === 0) return "protocol_error";
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const size = offset + 4 + length;
  if (buf.length < size) return undefined;
  const mask = buf.subarray(offset, offset + 4);
  const payload = Buffer.from(buf.subarray(offset + 4, size));
  for (let i = 0; i < payload.length; i++) payload.writeUInt8(payload.readUInt8(i) ^ mask.readUInt8(i % 4), i);
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload, size };
}

/** A server frame: final, unmasked. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  header.writeUInt8(0x80 | opcode, 0);
  if (length < 126) {
    header.writeUInt8(length, 1);
  } else if (length < 0x10000) {
    header.writeUInt8(126, 1);
    header.writeUInt16BE(length, 2);
  } else {
    header.writeUInt8(127, 1);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

function closePayload(code: number, reason: string): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}
