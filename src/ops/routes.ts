// The operator's HTTP routes: /healthz (the process answers), /readyz (its dependencies work) and
// /metrics (Prometheus text format). The Slack port, which faces the internet, gets only the
// answers a load balancer needs: /healthz, and /readyz saying ready or not without the checks.
import type { ServerResponse } from "node:http";
import type { Route } from "../slack/transport/receiver.js";
import type { BotMetrics } from "./metrics.js";
import type { Readiness, ReadinessReport } from "./readiness.js";

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

const healthz: Route = { path: "/healthz", handle: (_req, res) => json(res, 200, { status: "ok" }) };

function readyz(readiness: Readiness, answer: (report: ReadinessReport) => unknown): Route {
  return {
    path: "/readyz",
    handle: async (_req, res) => {
      const report = await readiness.report();
      json(res, report.status === "ready" || report.status === "degraded" ? 200 : 503, answer(report));
    },
  };
}

/** Everything, for the health port (or the Slack port when the operator asked for that). */
export function opsRoutes(readiness: Readiness, metrics: BotMetrics): readonly Route[] {
  return [
    healthz,
    readyz(readiness, (report) => report),
    {
      path: "/metrics",
      handle: async (_req, res) => {
        const { contentType, body } = await metrics.exposition();
        res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(body);
      },
    },
  ];
}

/** Ok or not ok only, for the Slack port while the rest is served on a port of its own. */
export function statusRoutes(readiness: Readiness): readonly Route[] {
  return [healthz, readyz(readiness, (report) => ({ status: report.status }))];
}
