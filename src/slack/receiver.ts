// The HTTP front door: Slack's requests go to Bolt's own HTTPReceiver after a check Bolt does not
// make (a timestamp too far in the future), and a few plain routes (health, metrics) are served
// next to them on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { HTTPReceiver, type App, type Receiver } from "@slack/bolt";
import type { Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../services/ports.js";

export const SLACK_PATH = "/slack/events";
/** Slack's replay window. Bolt enforces it for old timestamps only; we enforce it both ways. */
const WINDOW_SECONDS = 5 * 60;

export interface Route {
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface GuardedReceiverOptions {
  readonly signingSecret: string;
  readonly slackLogger: SlackLogger;
  readonly logger: Logger;
  readonly routes?: readonly Route[];
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
    this.inner.requestListener(req, res);
  }

  private fromTheFuture(req: IncomingMessage): boolean {
    const header = req.headers["x-slack-request-timestamp"];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    const now = Math.floor((this.options.now ?? Date.now)() / 1000);
    return Number.isFinite(timestamp) && timestamp > now + WINDOW_SECONDS;
  }
}
