// An open-loop load: requests leave at evenly spaced moments whatever the answers do, and each is
// timed from the moment it was due, so a stall shows in every request it delays (no coordinated
// omission). Autocannon's own rate limit sends each connection's share of a second as a burst at the
// start of that second, which times bursts rather than a steady rate.
import http from "node:http";
import { processCpuMs } from "./proc-cpu.js";
import { signedHeaders } from "./slack-bodies.js";
import { summarize } from "./stats.js";
import type { LoadOutcome } from "./load-spec.js";

export interface PacedLoad {
  readonly url: string | readonly string[];
  readonly secret: string;
  readonly connections: number;
  readonly rate: number;
  readonly count: number;
  readonly nextBody: () => string;
  /** A process whose CPU time is read at the first due moment (see LoadSpec.watchPid). */
  readonly watchPid?: number;
}

const TIMEOUT_MS = 10_000;

export function pacedLoad(load: PacedLoad): Promise<LoadOutcome> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.connections });
  const targets = [load.url].flat().map((url) => new URL(url));
  const gapMs = 1000 / load.rate;
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let watchedCpuMsAtStart: number | undefined;
  let errors = 0;
  let non2xx = 0;
  let settled = 0;
  return new Promise((resolve) => {
    const started = performance.now() + 20;
    const finish = () => {
      agent.destroy();
      const seconds = (performance.now() - started) / 1000;
      resolve({
        latency: summarize(latencies),
        perSecond: latencies.length / seconds,
        errors,
        non2xx,
        sendLag: summarize(sendLags),
        ...(watchedCpuMsAtStart !== undefined ? { watchedCpuMsAtStart } : {}),
      });
    };
    const settle = () => {
      settled += 1;
      if (settled === load.count) finish();
    };
    const send = (index: number, dueAt: number) => {
      const target = targets[index % targets.length] as URL;
      const body = load.nextBody();
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { ...signedHeaders(load.secret, body), "content-length": Buffer.byteLength(body) },
          timeout: TIMEOUT_MS,
        },
        (response) => {
          response.resume();
          response.once("end", () => {
            if ((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300) latencies.push(performance.now() - dueAt);
            else non2xx += 1;
            settle();
          });
        },
      );
      request.once("timeout", () => request.destroy(new Error("timed out")));
      request.once("error", () => {
        errors += 1;
        settle();
      });
      request.end(body);
      sendLags.push(performance.now() - dueAt);
    };
    let sent = 0;
    const tick = () => {
      if (sent === 0 && load.watchPid !== undefined) watchedCpuMsAtStart = processCpuMs(load.watchPid);
      const now = performance.now();
      while (sent < load.count && started + sent * gapMs <= now) {
        send(sent, started + sent * gapMs);
        sent += 1;
      }
      if (sent < load.count) setTimeout(tick, Math.max(0, started + sent * gapMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
}
