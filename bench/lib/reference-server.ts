// A yardstick for the ack benchmark, in a process of its own: an HTTP server that reads each request's
// body, spends a fixed amount of CPU on it (`SPIN_MS`, a busy wait on its one thread), and answers
// 200. It stores nothing and calls nothing, so what the same closed-loop load measures against it is
// the best any single-threaded server costing that much per request can do on this machine. Prints
// its port once listening.
import http from "node:http";
import type { AddressInfo } from "node:net";

const spinMs = Number(process.env.SPIN_MS ?? "0");

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: this is the request's cost.
  }
}

const server = http.createServer((request, response) => {
  request.resume();
  request.once("end", () => {
    spin(spinMs);
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"ok":true}');
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
