// The ack benchmark's paced load and its CPU trend: latency counted from each request's scheduled
// send (a stall shows in every request it held up), and the previous run's figures read back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pacedLoad } from "../../bench/lib/paced.js";
import { cpuTrend, readPrevious, writeRun } from "../../bench/lib/trend.js";

const STALL_MS = 200;

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Blocking on purpose: a stalled load generator sends nothing meanwhile.
  }
}

async function answeringServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.once("end", () => response.end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("paced load", () => {
  it("times each request from when it was due, so a stalled generator cannot hide the requests it held up", async () => {
    const server = await answeringServer();
    let built = 0;
    // The generator stalls for STALL_MS while building its 10th body: at 50/s, ten more fall due meanwhile.
    const nextBody = () => {
      built += 1;
      if (built === 10) block(STALL_MS);
      return "x=1";
    };
    try {
      const outcome = await pacedLoad({ url: server.url, secret: "s", connections: 5, rate: 50, count: 40, nextBody });
      assert.equal(outcome.latency.count, 40);
      assert.equal(outcome.errors + outcome.non2xx, 0);
      // Timed from their actual sends every request would look as fast as the server answers.
      assert.ok(outcome.latency.max >= STALL_MS * 0.9, `max ${outcome.latency.max} ms`);
      assert.ok(outcome.latency.mean >= 25, `mean ${outcome.latency.mean} ms: the ~10 held-up requests waited 0–200 ms each`);
      assert.ok((outcome.sendLag?.max ?? 0) >= STALL_MS * 0.9, `the generator's own lateness shows: ${outcome.sendLag?.max} ms`);
    } finally {
      await server.close();
    }
  });

  it("reads the watched process's CPU time at the first due moment", async () => {
    const server = await answeringServer();
    try {
      const outcome = await pacedLoad({
        url: server.url,
        secret: "s",
        connections: 5,
        rate: 200,
        count: 10,
        nextBody: () => "x=1",
        watchPid: process.pid,
      });
      assert.equal(typeof outcome.watchedCpuMsAtStart, "number");
      assert.ok((outcome.watchedCpuMsAtStart ?? -1) >= 0);
    } finally {
      await server.close();
    }
  });
});

describe("CPU trend", () => {
  it("shows the change against the previous run, or says there was none", () => {
    assert.equal(cpuTrend(350, { cpuUsPerRequest: 340, p99Ms: 20, requests: 2500 }), "350 µs/request (prev 340, +3%)");
    assert.equal(cpuTrend(300, { cpuUsPerRequest: 400, p99Ms: 20, requests: 2500 }), "300 µs/request (prev 400, −25%)");
    assert.equal(cpuTrend(350, undefined), "350 µs/request (no previous run)");
  });

  it("reads back what the last run wrote, and ignores a file of another shape", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-trend-"));
    try {
      const file = join(dir, "results", "ack-paced.json");
      assert.equal(readPrevious(file), undefined);
      const run = {
        measuredAt: "2026-12-07T18:00:00.000Z",
        source: "abc1234",
        loadBefore: "1.00 1.00 1.00",
        rows: { "/jit help": { cpuUsPerRequest: 350, p99Ms: 8.4, requests: 2500 } },
      };
      writeRun(file, run);
      assert.deepEqual(readPrevious(file), run);
      writeFileSync(file, JSON.stringify({ rows: { "/jit help": 3 } }));
      assert.equal(readPrevious(file), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
