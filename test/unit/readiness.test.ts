// Readiness: every check named in the report, each bounded by the timeout, answers reused for a
// while, and "stopping" once shutdown has begun.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Readiness, type ReadinessCheck } from "../../src/ops/readiness.js";

function counting(name: string, run: ReadinessCheck["run"], cacheMs = 5_000): ReadinessCheck & { calls: number } {
  const check = {
    name,
    cacheMs,
    calls: 0,
    run(signal: AbortSignal) {
      check.calls += 1;
      return run(signal);
    },
  };
  return check;
}

describe("Readiness", () => {
  it("is ready when every check passes, naming each one", async () => {
    const report = await new Readiness([counting("database", () => undefined), counting("aws", async () => undefined)], 1_000).report();
    assert.equal(report.status, "ready");
    assert.deepEqual(Object.keys(report.checks), ["database", "aws"]);
    assert.equal(report.checks.database?.ok, true);
    assert.equal(report.checks.database?.error, undefined);
  });

  it("is not ready when one check throws or rejects, and says why", async () => {
    const readiness = new Readiness(
      [
        counting("database", () => {
          throw new Error("database is locked");
        }),
        counting("slack", async () => undefined),
      ],
      1_000,
    );
    const report = await readiness.report();
    assert.equal(report.status, "not ready");
    assert.deepEqual(report.checks.database?.error, "database is locked");
    assert.equal(report.checks.slack?.ok, true);
  });

  it("gives up on a check at the timeout and aborts it", async () => {
    let aborted = false;
    const hanging = counting("aws", (signal) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise<void>(() => undefined);
    });
    const started = Date.now();
    const report = await new Readiness([hanging], 100).report();
    assert.ok(Date.now() - started < 500);
    assert.equal(report.checks.aws?.error, "no answer within 100 ms");
    assert.ok(aborted);
  });

  it("reuses an answer for the check's cache time, and shares one run between concurrent probes", async () => {
    const slow = counting("aws", () => new Promise<void>((resolve) => setTimeout(resolve, 20)), 60);
    const readiness = new Readiness([slow], 1_000);
    await Promise.all([readiness.report(), readiness.report(), readiness.report()]);
    await readiness.report();
    assert.equal(slow.calls, 1);
    await new Promise((resolve) => setTimeout(resolve, 70));
    await readiness.report();
    assert.equal(slow.calls, 2);
  });

  it("never puts a token in the report", async () => {
    const leaky = counting("slack", () => {
      throw new Error("refused xoxb-1234-5678-abcdef");
    });
    const report = await new Readiness([leaky], 1_000).report();
    assert.equal(report.checks.slack?.error, "refused [redacted]");
  });

  it("reports stopping, without running the checks, once shutdown begins", async () => {
    const check = counting("database", () => undefined);
    const readiness = new Readiness([check], 1_000);
    readiness.stop();
    assert.deepEqual(await readiness.report(), { status: "stopping", checks: {} });
    assert.equal(check.calls, 0);
  });
});
