// How the Slack clients (Web API calls, response_url replies) reach Slack: node:http(s) on keep-alive
// agents, the answer read once and parsed once. Node 20's WHATWG fetch builds a Request, web streams
// and an abort controller for every call, and counting Slack's errors meant cloning the answer to
// parse it a second time; under a burst of requests that cost the bot more than the rest of the call.
import http from "node:http";
import https from "node:https";
import type { FetchFunction } from "@slack/web-api";

// The shapes the Web API client asks of a fetch (the package does not export them by name).
type FetchRequestInit = NonNullable<Parameters<FetchFunction>[1]>;
type FetchResponse = Awaited<ReturnType<FetchFunction>>;
type FetchHeaders = FetchResponse["headers"];

/** An answer with its body already read: `parsed` is the JSON it held, or undefined if it held none. */
export interface SlackAnswer extends FetchResponse {
  readonly parsed: unknown;
}

export type SlackTransport = (url: string | URL, init?: FetchRequestInit) => Promise<SlackAnswer>;

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 } as const;

/** One set of keep-alive agents per transport; a body other than a string (a file upload) goes through `fallback`. */
export function keepAliveTransport(fallback: typeof globalThis.fetch = globalThis.fetch): SlackTransport {
  const agents = { "http:": new http.Agent(AGENT_OPTIONS), "https:": new https.Agent(AGENT_OPTIONS) };
  return async (url, init = {}) => {
    const target = typeof url === "string" ? new URL(url) : url;
    const agent = target.protocol === "http:" || target.protocol === "https:" ? agents[target.protocol] : undefined;
    if (!agent || (init.body !== undefined && typeof init.body !== "string")) return readWhole(await fallback(target, init as RequestInit));
    return send(target, agent, init);
  };
}

function send(target: URL, agent: http.Agent, init: FetchRequestInit): Promise<SlackAnswer> {
  const { signal, body } = init;
  const headers: Record<string, string> = { ...init.headers };
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body as string));
  return new Promise<SlackAnswer>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      { agent, method: init.method ?? "GET", headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.once("error", fail);
        answer.once("end", () => {
          signal?.removeEventListener("abort", onAbort);
          const status = answer.statusCode ?? 0;
          resolve(slackAnswer(target.href, status, answer.statusMessage ?? "", rawHeaders(answer.rawHeaders), Buffer.concat(chunks)));
        });
      },
    );
    const onAbort = () => request.destroy(abortReason(signal));
    function fail(error: Error) {
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    request.once("error", fail);
    request.end(body);
  });
}

async function readWhole(response: Response): Promise<SlackAnswer> {
  const headers = new Map<string, string>();
  response.headers.forEach((value, name) => headers.set(name, value));
  return slackAnswer(response.url, response.status, response.statusText, headers, Buffer.from(await response.arrayBuffer()));
}

function slackAnswer(url: string, status: number, statusText: string, headers: Map<string, string>, body: Buffer): SlackAnswer {
  const text = body.toString("utf8");
  const parsed = parseJson(text);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    url,
    headers: lookup(headers),
    parsed,
    text: async () => text,
    json: async () => (parsed === undefined ? JSON.parse(text) : parsed),
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Header names in lower case; a repeated header's values joined as fetch joins them. */
function rawHeaders(raw: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return headers;
}

function lookup(headers: Map<string, string>): FetchHeaders {
  return {
    get: (name: string) => headers.get(name.toLowerCase()) ?? null,
    entries: () => headers.entries(),
  };
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException("This operation was aborted", "AbortError");
}
