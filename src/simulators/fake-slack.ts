// Fake Slack for tests: an HTTP server on 127.0.0.1 that speaks Slack's wire protocols, so the real
// @slack/web-api WebClient (and therefore a real Bolt app) works unchanged when pointed at
// `fake.apiUrl` via `slackApiUrl`, and a Bolt app in Socket Mode connects to it over a WebSocket.
// It also serves response_url endpoints (`/response/<key>`), which take the JSON that Bolt's
// `respond()` posts.
//
// This module is the public entry; the parts live beside it:
//   fake-slack-types.ts       the FakeSlack interface and the records it keeps
//   fake-slack-server.ts      HTTP routing, authentication, faults, latency, response_url
//   fake-slack-methods.ts     the Web API method handlers
//   fake-slack-history.ts     conversations.history: time window, pages and cursors
//   fake-slack-workspace.ts   workspace state and its wire representation
//   fake-slack-validation.ts  Block Kit and message limits
//   fake-slack-wire.ts        request decoding and result helpers
//   fake-slack-socket-mode.ts Socket Mode: apps.connections.open, hello, envelopes and acks
//   fake-slack-websocket.ts   the server side of RFC 6455

import { FakeSlackServer } from "./fake-slack-server.js";
import type { FakeSlack, FakeSlackOptions } from "./fake-slack-types.js";

export { FAKE_BOT_SCOPES, FAKE_DEFAULTS } from "./fake-slack-types.js";
export type {
  FakeEphemeral,
  FakeMessage,
  FakeResponse,
  FakeSlack,
  FakeSlackOptions,
  FakeSocket,
  FakeUser,
  FakeView,
  HistoryScope,
  ResponseOrigin,
  SendEnvelopeOptions,
  SlackCall,
  SlackFault,
  SocketAck,
  SocketEnvelopeType,
} from "./fake-slack-types.js";

/** All human-visible text of a message, response body or view: top-level text plus every
 *  `text` string in blocks/attachments (recursively), joined by newlines. */
export function messageText(m: { text?: unknown; blocks?: unknown; attachments?: unknown; title?: unknown } | undefined): string {
  if (m === undefined) return "";
  const out: string[] = [];
  if (typeof m.text === "string") out.push(m.text);
  collectText(m.title, out);
  collectText(m.blocks, out);
  collectText(m.attachments, out);
  return out.join("\n");
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(options);
  await fake.listen();
  return fake;
}

function collectText(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectText(child, out);
  } else if (typeof node === "object" && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === "string" && (key === "text" || key === "pretext" || key === "title")) out.push(value);
      else collectText(value, out);
    }
  }
}
