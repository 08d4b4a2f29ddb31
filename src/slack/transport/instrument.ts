// Counts Slack Web API calls and failures by method, as the `fetch` every Web API client of the
// bot sends through (Bolt's client included: it takes the same client options). Each HTTP
// attempt counts, so calls the client retried after a rate limit or a 500 show up too.
import type { FetchFunction } from "@slack/web-api";
import { keepAliveTransport, type SlackAnswer, type SlackTransport } from "./http-transport.js";

export interface SlackCallObserver {
  slackCall(method: string): void;
  /** `error`: Slack's error code (`channel_not_found`, …), `ratelimited`, `http_<status>` or `request_error`. */
  slackError(method: string, error: string): void;
}

/** `chat.postMessage` from `…/api/chat.postMessage`; undefined for anything else (response_url posts). */
function apiMethodOf(url: string | URL): string | undefined {
  return /\/api\/([\w.]+)$/.exec(new URL(url).pathname)?.[1];
}

/** Slack answers errors with HTTP 200 and `{ ok: false, error }`. */
function platformError(answer: SlackAnswer): string | undefined {
  if (typeof answer.parsed !== "object" || answer.parsed === null) return undefined;
  const body = answer.parsed as { ok?: unknown; error?: unknown };
  return body.ok === false ? (typeof body.error === "string" ? body.error : "unknown") : undefined;
}

export function observedFetch(observer: SlackCallObserver, transport: SlackTransport = keepAliveTransport()): FetchFunction {
  return async (url, init) => {
    const method = apiMethodOf(url);
    if (method === undefined) return transport(url, init);
    observer.slackCall(method);
    let answer: SlackAnswer;
    try {
      answer = await transport(url, init);
    } catch (error) {
      observer.slackError(method, "request_error");
      throw error;
    }
    const error = answer.status === 429 ? "ratelimited" : answer.status !== 200 ? `http_${answer.status}` : platformError(answer);
    if (error !== undefined) observer.slackError(method, error);
    return answer;
  };
}
