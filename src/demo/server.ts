// The page's HTTP server, on 127.0.0.1 only: the page itself (src/demo/page/, no CDN, no network),
// the workspace as JSON, and one POST per thing a person can do.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FenceEntries, GrantStore } from "../services/ports.js";
import type { FakeAws } from "../simulators/fake-aws.js";
import type { FakeSlack } from "../simulators/fake-slack.js";
import type { SlackDriver } from "../simulators/slack-requests.js";
import { DemoActions } from "./actions.js";
import type { DemoNames } from "./organisation.js";
import { workspaceState } from "./workspace-state.js";

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/page.js": { file: "page.js", type: "text/javascript; charset=utf-8" },
  "/blocks.js": { file: "blocks.js", type: "text/javascript; charset=utf-8" },
  "/page.css": { file: "page.css", type: "text/css; charset=utf-8" },
};
const MAX_BODY = 64 * 1024;

export interface DemoServerOptions {
  readonly port: number;
  readonly slack: FakeSlack;
  readonly aws: FakeAws;
  readonly driver: SlackDriver;
  readonly grants: GrantStore;
  readonly fence: FenceEntries;
  readonly names: DemoNames;
}

type Body = Record<string, unknown>;

export async function startDemoServer(options: DemoServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const actions = new DemoActions(options.slack, options.driver);
  const text = (body: Body, key: string) => (typeof body[key] === "string" ? (body[key] as string) : "");
  const values = (body: Body) => (isRecord(body.values) ? (body.values as Record<string, Record<string, unknown>>) : {});
  const routes: Record<string, (body: Body) => Promise<void> | void> = {
    "/api/command": (b) => actions.command(actions.person(b.user), text(b, "channel"), text(b, "text")),
    "/api/click": (b) =>
      actions.click(actions.person(b.user), { channel: text(b, "channel"), ts: text(b, "ts") }, text(b, "actionId"), text(b, "value")),
    "/api/select": (b) =>
      actions.select(actions.person(b.user), text(b, "viewId"), text(b, "blockId"), text(b, "actionId"), text(b, "value"), values(b)),
    "/api/submit": (b) => actions.submit(actions.person(b.user), text(b, "viewId"), values(b)),
    "/api/close": (b) => actions.close(actions.person(b.user), text(b, "viewId")),
  };
  let port = options.port;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 400, { error: error instanceof Error ? error.message : String(error) }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A page elsewhere that rebinds its name to 127.0.0.1 still sends its own Host: refuse it.
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`)
      return send(res, 421, { error: "wrong host" });
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const page = PAGE_FILES[path];
    if (req.method === "GET" && page !== undefined) {
      res.writeHead(200, { "content-type": page.type, "cache-control": "no-store" });
      res.end(readFileSync(new URL(`./page/${page.file}`, import.meta.url)));
      return;
    }
    if (req.method === "GET" && path === "/api/state") {
      actions.collect();
      return send(res, 200, await workspaceState(options, actions.replies, actions.closedViews, actions.viewErrors));
    }
    const route = routes[path];
    if (req.method !== "POST" || route === undefined) return send(res, 404, { error: "not found" });
    if (!String(req.headers["content-type"]).startsWith("application/json")) return send(res, 415, { error: "JSON only" });
    await route(await readJson(req));
    send(res, 200, { ok: true });
  }
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Body> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError("body too large");
    chunks.push(chunk as Buffer);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  if (!isRecord(parsed)) throw new TypeError("expected a JSON object");
  return parsed;
}

function isRecord(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
