// The HTTP front door: Slack's requests go to Bolt's own HTTPReceiver after checks of ours (the
// signature, checked once here with the window enforced both ways; a signed body of a shape Bolt
// would crash on; a signed request seen before), and a few plain routes (health, metrics) are
// served next to them on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ListenOptions } from "node:net";
import { HTTPReceiver, type App, type Receiver } from "@slack/bolt";
import type { Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../../services/ports.js";
import type { SeenRequests } from "../../services/ports.js";
import { isSslCheck, parseSlackBody, payloadProblem } from "./payload-shape.js";
import { checkSignature, WINDOW_SECONDS } from "./signature.js";

export const SLACK_PATH = "/slack/events";
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
      // Checked in screen(), once: Bolt's check would repeat the HMAC and compare through tsscmp,
      // which draws random bytes and hashes twice more, for every request.
      signatureVerification: false,
    });
  }

  init(app: App): void {
    this.inner.init(app);
  }

  /** Listens on the port at the host (every interface when the host is undefined). */
  start(at: number | ListenOptions): Promise<Server> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(at, () => {
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
    if (path === SLACK_PATH && req.method === "POST") {
      void this.screen(req, res).then((wellFormed) => wellFormed && this.inner.requestListener(req, res));
      return;
    }
    // Bolt handles nothing else: it throws for any other path or method, which its own server
    // catches but which would crash ours.
    res.writeHead(404).end();
  }

  /**
   * Reads the body (Bolt then uses it as read) and lets through only a request that Slack signed
   * inside the window (401 otherwise; 200 to Slack's unsigned SSL check), of a shape Bolt can handle
   * (400 otherwise), and not seen before (401 to an exact replay; 200, without handling it again, if
   * it says it is Slack's retry).
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
    const signed = checkSignature(
      this.options.signingSecret,
      { signature: req.headers["x-slack-signature"], timestamp: req.headers["x-slack-request-timestamp"] },
      text,
      (this.options.now ?? Date.now)(),
    );
    if (!signed.ok && isSslCheck(text, req.headers["content-type"])) {
      // Answered here, not by Bolt, so nothing smuggled in beside it is read.
      res.writeHead(200).end();
      return false;
    }
    if (!signed.ok) {
      this.options.logger.warn({ problem: signed.problem }, "refused a Slack request that is not signed by Slack");
      res.writeHead(401).end();
      return false;
    }
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
      this.options.logger.info(
        { retry: req.headers["x-slack-retry-num"] },
        "a Slack retry of a request already received; not handled twice",
      );
      res.writeHead(200, { "x-slack-no-retry": "1" }).end();
      return false;
    }
    this.options.logger.warn({ timestamp: signed.timestamp }, "refused a replayed Slack request (its signature was seen before)");
    res.writeHead(401).end();
    return false;
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
