// A small HTTP server for the operator's routes on a port of their own (JIT_HEALTH_PORT, on
// JIT_HEALTH_HOST: loopback unless the operator opens it).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../services/ports.js";
import type { Route } from "../slack/transport/receiver.js";

export interface RouteServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function serveRoutes(routes: readonly Route[], port: number, host: string, logger: Logger): Promise<RouteServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const route = routes.find((candidate) => candidate.path === path);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    Promise.resolve(route.handle(req, res)).catch((error: unknown) => {
      logger.error({ path, err: String(error) }, "route failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
