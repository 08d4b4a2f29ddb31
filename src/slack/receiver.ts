// The HTTP front door: Slack's requests go to Bolt's own HTTPReceiver after checks Bolt does not
// make (a timestamp too far in the future, a signed body of a shape Bolt would crash on, a signed
// request seen before), and a few plain routes (health, metrics) are served next to them on the
// same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { HTTPReceiver, isValidSlackRequest, type App, type Receiver } from "@slack/bolt";
import type { Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../services/ports.js";
import type { SeenRequests } from "../store/seen-requests.js";
import { parseSlackBody, payloadProblem } from "./payload-shape.js";

export const SLACK_PATH = "/slack/events";
/** Slack's replay window. Bolt enforces it for old timestamps only; we enforce it both ways. */
const WINDOW_SECONDS = 5 * 60;
/** Bolt's own default body limit. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface Route {
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface GuardedReceiverOptions {
  readonly signingSecret: string;
  readonly slackLogger: SlackLogger;
  readonly logger: Logger;
  readonly routes?: readonly Route[];
  /** Where signatures are remembered for the replay window; a request whose signature is there is refused. */
  readonly seen: SeenRequests;
  readonly now?: () => number;
}

export class GuardedHttpReceiver implements Receiver {
  private readonly inner: HTTPReceiver;
  private server: Server | undefined;

  constructor(private readonly options: GuardedReceiverOptions) {
    this.inner = new HTTPReceiver({
      signingSecret: options.signingSecret,
      endpoints: SLACK_PATH,
      logger: options.slackLogger,
    });
  }

  init(app: App): void {
    this.inner.init(app);
  }

  start(port: number): Promise<Server> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, () => {
        server.off("error", reject);
        resolve(server);
      });
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    const route = req.method === "GET" ? this.options.routes?.find((candidate) => candidate.path === path) : undefined;
    if (route) {
      Promise.resolve(route.handle(req, res)).catch((error: unknown) => {
        this.options.logger.error({ path, err: String(error) }, "route failed");
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (path === SLACK_PATH && this.fromTheFuture(req)) {
      this.options.logger.warn({ timestamp: req.headers["x-slack-request-timestamp"] }, "refused a Slack request timestamped in the future");
      res.writeHead(401).end();
      return;
    }
    if (path === SLACK_PATH && req.method === "POST") {
      void this.screen(req, res).then((wellFormed) => wellFormed && this.inner.requestListener(req, res));
      return;
    }
    // Bolt handles nothing else: it throws for any other path or method, which its own server
    // catches but which would crash ours.
    res.writeHead(404).end();
  }

  /** `Infinity` is past Bolt's staleness check too, so it counts as the future. */
  private fromTheFuture(req: IncomingMessage): boolean {
    const header = req.headers["x-slack-request-timestamp"];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    const now = Math.floor((this.options.now ?? Date.now)() / 1000);
    return timestamp > now + WINDOW_SECONDS;
  }

  /**
   * Reads the body (Bolt then uses it as read); answers 400 to a correctly signed body Bolt could not
   * handle, and 401 to a correctly signed request already seen (an exact replay inside the window;
   * 200 if it says it is Slack's retry, handled no more than the replay). Anything unsigned goes on
   * to Bolt, which refuses it with 401.
   */
  private async screen(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      const tooLarge = error instanceof BodyTooLarge;
      if (!res.headersSent) res.writeHead(tooLarge ? 413 : 400).end();
      if (tooLarge) this.options.logger.warn({ limit: BODY_LIMIT_BYTES }, "refused a Slack request body over the size limit");
      return false;
    }
    Object.assign(req, { rawBody: raw });
    const text = raw.toString();
    const signed = this.signature(req, text);
    if (!signed) return true;
    const parsed = parseSlackBody(text, req.headers["content-type"]);
    const problem = "problem" in parsed ? parsed.problem : payloadProblem(parsed.body);
    if (problem !== undefined) {
      this.options.logger.warn({ problem }, "refused a signed Slack request of an unexpected shape");
      res.writeHead(400).end();
      return false;
    }
    let first: boolean;
    try {
      first = await this.options.seen.firstSight(signed.signature, (signed.timestamp + WINDOW_SECONDS) * 1000);
    } catch (error) {
      this.options.logger.error({ err: String(error) }, "cannot tell whether a Slack request was seen before; refused it");
      res.writeHead(503).end();
      return false;
    }
    if (first) return true;
    if (req.headers["x-slack-retry-num"] !== undefined) {
      // Slack asking again for what it already delivered: it is being handled, and saying so stops
      // further retries. The header is not signed, so a replay carrying it gains only this 200.
      this.options.logger.info({ retry: req.headers["x-slack-retry-num"] }, "a Slack retry of a request already received; not handled twice");
      res.writeHead(200, { "x-slack-no-retry": "1" }).end();
      return false;
    }
    this.options.logger.warn({ timestamp: signed.timestamp }, "refused a replayed Slack request (its signature was seen before)");
    res.writeHead(401).end();
    return false;
  }

  /** The request's signature and timestamp if Slack signed it (and it is inside the window), else undefined. */
  private signature(req: IncomingMessage, body: string): { signature: string; timestamp: number } | undefined {
    const { "x-slack-signature": signature, "x-slack-request-timestamp": header } = req.headers;
    if (typeof signature !== "string" || typeof header !== "string") return undefined;
    const timestamp = Number(header);
    const valid = isValidSlackRequest({
      signingSecret: this.options.signingSecret,
      body,
      headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
      nowMilliseconds: (this.options.now ?? Date.now)(),
    });
    return valid ? { signature, timestamp } : undefined;
  }
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    req.once("aborted", () => reject(new Error("request aborted")));
  });
}
