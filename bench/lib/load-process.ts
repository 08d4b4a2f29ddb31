// The load generator's own process: it takes one LoadSpec over IPC, runs it and sends back the
// outcome. Apart from the bench's process, where the fake Slack and AWS answer the bot's calls, so
// that work never delays the moment an answer to the load is seen.
import autocannon from "autocannon";
import type { LoadOutcome, LoadSpec } from "./load-spec.js";
import { pacedLoad } from "./paced.js";
import { bodyMaker, signedHeaders } from "./slack-bodies.js";
import { summarize } from "./stats.js";

function closedLoop(spec: LoadSpec, nextBody: () => string): Promise<LoadOutcome> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        // Autocannon takes an array of URLs too; its types only say string.
        url: spec.url as string,
        method: "POST",
        connections: spec.connections,
        ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSeconds ?? 10 }),
        timeout: 10,
        requests: [
          {
            setupRequest: (request) => {
              const body = nextBody();
              return { ...request, method: "POST", headers: signedHeaders(spec.secret, body), body };
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        resolve({
          latency: summarize(latencies),
          perSecond: latencies.length / result.duration,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

function run(spec: LoadSpec): Promise<LoadOutcome> {
  const nextBody = bodyMaker(spec.bodies);
  if (spec.rate === undefined) return closedLoop(spec, nextBody);
  const count = spec.amount ?? Math.round(spec.rate * (spec.durationSeconds ?? 10));
  return pacedLoad({
    url: spec.url,
    secret: spec.secret,
    connections: spec.connections,
    rate: spec.rate,
    count,
    nextBody,
    ...(spec.watchPid !== undefined ? { watchPid: spec.watchPid } : {}),
  });
}

process.once("message", (spec: LoadSpec) => {
  run(spec).then(
    (outcome) => process.send?.({ outcome }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
  );
});
