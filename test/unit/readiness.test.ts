// Readiness: every check named in the report, each bounded by the timeout, answers reused for a
// while, failures reported by code with the detail in the log, and "stopping" once shutdown has begun.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CheckFailed, Readiness, type ReadinessCheck } from "../../src/ops/readiness.js";
import { RecordingLogger } from "../support/in-process-bot.js";
import { FakeClock, T0 } from "../support/store-fixtures.js";

const quiet = () => new RecordingLogger();

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
    const report = await new Readiness(
      [counting("database", () => undefined), counting("aws", async () => undefined)],
      1_000,
      quiet(),
    ).report();
    assert.equal(report.status, "ready");
    assert.deepEqual(Object.keys(report.checks), ["database", "aws"]);
    assert.equal(report.checks.database?.ok, true);
    assert.equal(report.checks.database?.error, undefined);
  });

  it("is not ready when one check throws or rejects, and says which", async () => {
    const readiness = new Readiness(
      [
        counting("database", () => {
          throw new Error("database is locked");
        }),
        counting("slack", async () => undefined),
      ],
      1_000,
      quiet(),
    );
    const report = await readiness.report();
    assert.equal(report.status, "not ready");
    assert.equal(report.checks.database?.error, "error", "an error without a code of its own");
    assert.equal(report.checks.slack?.ok, true);
  });

  it("gives up on a check at the timeout and aborts it", async () => {
    let aborted = false;
    const hanging = counting("aws", (signal) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise<void>(() => undefined);
    });
    const started = Date.now();
    const report = await new Readiness([hanging], 100, quiet()).report();
    assert.ok(Date.now() - started < 500);
    assert.equal(report.checks.aws?.error, "timeout");
    assert.ok(aborted);
  });

  it("reuses an answer for the check's cache time, and shares one run between concurrent probes", async () => {
    const slow = counting("aws", () => new Promise<void>((resolve) => setTimeout(resolve, 20)), 60);
    const clock = new FakeClock(T0);
    const readiness = new Readiness([slow], 1_000, quiet(), clock);
    await Promise.all([readiness.report(), readiness.report(), readiness.report()]);
    clock.advance(59);
    await readiness.report();
    assert.equal(slow.calls, 1);
    clock.advance(1);
    await readiness.report();
    assert.equal(slow.calls, 2);
  });

  it("reports a failure by its code only, and logs the detail once, without secrets, until it changes", async () => {
    let failing = true;
    const aws = counting(
      "aws",
      () => {
        if (!failing) return;
        throw Object.assign(
          new Error("User: arn:aws:sts::111122223333:assumed-role/jit/host-1 is not authorized; token xoxb-1234-5678-abcdef"),
          {
            code: "AccessDeniedException",
          },
        );
      },
      0,
    );
    const logger = new RecordingLogger();
    const readiness = new Readiness([aws], 1_000, logger);
    const report = await readiness.report();
    assert.equal(report.checks.aws?.error, "AccessDeniedException");
    assert.ok(!JSON.stringify(report).includes("111122223333"), "no account id in the answer");
    await readiness.report();
    const warned = logger.lines.filter((line) => line.level === "warn");
    assert.equal(warned.length, 1, "the same failure is logged once");
    assert.deepEqual(warned[0]?.context, {
      check: "aws",
      code: "AccessDeniedException",
      err: "User: arn:aws:sts::111122223333:assumed-role/jit/host-1 is not authorized; token [redacted]",
    });
    failing = false;
    await readiness.report();
    assert.deepEqual(logger.lines.at(-1), { level: "info", message: "readiness check aws passes again", context: { check: "aws" } });
  });

  it("shows a code only when it is a short word, never text such as a host name or an account id", async () => {
    const codes = ["invalid_auth", "3D000", "sso.us-east-1.amazonaws.com", "111122223333", "arn:aws:sso:::instance/ssoins-1"];
    const checks = codes.map((code, i) =>
      counting(`c${i}`, () => {
        throw new CheckFailed(code, "detail");
      }),
    );
    const report = await new Readiness(checks, 1_000, quiet()).report();
    assert.deepEqual(
      Object.values(report.checks).map((check) => check.error),
      ["invalid_auth", "3D000", "error", "error", "error"],
    );
  });

  it("reports stopping, without running the checks, once shutdown begins", async () => {
    const check = counting("database", () => undefined);
    const readiness = new Readiness([check], 1_000, quiet());
    readiness.stop();
    assert.deepEqual(await readiness.report(), { status: "stopping", checks: {} });
    assert.equal(check.calls, 0);
  });
});
