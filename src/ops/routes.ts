// The operator's HTTP routes: /healthz (the process answers), /readyz (its dependencies work) and
// /metrics (Prometheus text format).
import type { ServerResponse } from "node:http";
import type { Route } from "../slack/receiver.js";
import type { BotMetrics } from "./metrics.js";
import type { Readiness } from "./readiness.js";

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

export function opsRoutes(readiness: Readiness, metrics: BotMetrics): readonly Route[] {
  return [
    { path: "/healthz", handle: (_req, res) => json(res, 200, { status: "ok" }) },
    {
      path: "/readyz",
      handle: async (_req, res) => {
        const report = await readiness.report();
        json(res, report.status === "ready" ? 200 : 503, report);
      },
    },
    {
      path: "/metrics",
      handle: async (_req, res) => {
        const { contentType, body } = await metrics.exposition();
        res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(body);
      },
    },
  ];
}
