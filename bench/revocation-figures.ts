// The revocation benchmark's figures, from the fake AWS's call record, the database and the bot's log.
import type { FakeAwsCall } from "../src/simulators/fake-aws.js";
import { PROD } from "../test/support/world.js";
import { auditActionCounts, grantsByIds, statusCounts } from "./lib/bot-db.js";
import type { BotProcess } from "./lib/bot-process.js";
import type { SeededGrant } from "./lib/expiring-grants.js";
import { latencyLine, ms, seconds, summarize } from "./lib/stats.js";
import type { Findings, Metric } from "./lib/types.js";
import type { BenchWorld } from "./lib/world.js";

export interface RevocationSetup {
  readonly grants: number;
  readonly awsRateLimit: number;
  readonly botCallsPerSecond: number;
  readonly sweepSeconds: number;
  /** DeleteAccountAssignment; its confirmation shares a status listing with the other deletions of that second. */
  readonly callsPerRevocation: number;
  /** JIT_AWS_POLL_INTERVAL_MS; the test world's 10 ms when not given. */
  readonly pollIntervalMs?: number;
  /** Time for the bot to start before the first grant expires. */
  readonly leadMs: number;
  /** The fake's realistic mode: how long each deletion stays IN_PROGRESS (uniform in [min, max]); one status otherwise. */
  readonly operationMs?: { readonly min: number; readonly max: number };
}

/** How the fake AWS answers, for the settings line. */
export function fakeAwsSetting(setup: Pick<RevocationSetup, "awsRateLimit" | "operationMs">): string {
  const operations = setup.operationMs
    ? `realistic mode: each operation IN_PROGRESS for ${seconds(setup.operationMs.min)}–${seconds(setup.operationMs.max)} (seeded, uniform), Identity Center's calls under one throttle`
    : "latency 0, one IN_PROGRESS status per operation";
  return `fake AWS: at most ${setup.awsRateLimit} calls in any sliding second (ThrottlingException beyond), ${operations}`;
}

/** The least time the AWS rate limit allows for all the revocations. */
export const boundMs = (setup: RevocationSetup): number => ((setup.grants * setup.callsPerRevocation) / setup.awsRateLimit) * 1000;
export const hardTimeoutMs = (setup: RevocationSetup): number => boundMs(setup) * 2 + 30_000;

export interface RevocationRun {
  readonly setup: RevocationSetup;
  readonly bench: BenchWorld;
  readonly bot: BotProcess;
  readonly seeded: readonly SeededGrant[];
  /** Every call the fake AWS received from the bot's start on. */
  readonly calls: readonly FakeAwsCall[];
  readonly readyAt: number;
  readonly timedOut: boolean;
}

const LOG_FIELDS = new Set(["level", "time", "pid", "hostname", "msg"]);

/** The bot's "sweep" log lines from the first expiry on: when, and the counts each logged. */
function sweepsSummary(bot: BotProcess, firstExpiry: number): string {
  const sweeps = bot
    .logRecords("sweep")
    .filter((record) => typeof record.time === "number" && record.time >= firstExpiry - 1000)
    .map((record) => {
      const counts = Object.entries(record).filter(([key, value]) => !LOG_FIELDS.has(key) && typeof value === "number");
      return `+${seconds(Number(record.time) - firstExpiry)} ${counts.map(([key, value]) => `${key}=${String(value)}`).join(" ")}`;
    });
  if (sweeps.length === 0) return "none logged";
  return `${sweeps.slice(0, 12).join("; ")}${sweeps.length > 12 ? `; … ${sweeps.length} in all` : ""}`;
}

function operationCounts(calls: readonly FakeAwsCall[]): string {
  const counts = new Map<string, { ok: number; throttled: number }>();
  for (const call of calls) {
    const entry = counts.get(call.operation) ?? { ok: 0, throttled: 0 };
    if (call.error === "ThrottlingException") entry.throttled += 1;
    else entry.ok += 1;
    counts.set(call.operation, entry);
  }
  return [...counts].map(([op, c]) => `${op} ${c.ok} accepted, ${c.throttled} throttled`).join("; ");
}

/** When the fake AWS first accepted a DeleteAccountAssignment for each principal. */
export function firstDeletes(calls: readonly FakeAwsCall[]): Map<string, number> {
  const deleteAt = new Map<string, number>();
  for (const call of calls) {
    const principal = call.input.PrincipalId;
    if (
      call.operation === "DeleteAccountAssignment" &&
      call.error === undefined &&
      typeof principal === "string" &&
      !deleteAt.has(principal)
    ) {
      deleteAt.set(principal, call.at);
    }
  }
  return deleteAt;
}

export function revocationFindings(run: RevocationRun): Findings {
  const { setup, bench, bot, seeded, calls } = run;
  const file = bench.world.databaseFile;
  const bound = boundMs(setup);
  const firstExpiry = Math.min(...seeded.map((g) => g.expiresAt));
  const deleteAt = firstDeletes(calls);
  const revoked = grantsByIds(
    file,
    seeded.map((g) => g.id),
  ).filter((g) => g.status === "revoked");
  const toDelete = summarize(seeded.map((g) => (deleteAt.get(g.principalId) ?? Number.NaN) - g.expiresAt).filter(Number.isFinite));
  const toRevoked = summarize(revoked.map((g) => (g.endedAt ?? Number.NaN) - (g.expiresAt ?? Number.NaN)));
  const firstDelete = Math.min(...deleteAt.values()) - firstExpiry;
  const allDone = run.timedOut ? Number.NaN : Math.max(...revoked.map((g) => g.endedAt ?? Number.NaN)) - firstExpiry;
  const permissionSetArn = bench.world.permissionSets.ReadOnlyAccess;
  const stillAssigned = seeded.filter((g) =>
    bench.world.aws.hasAssignment({ accountId: PROD, permissionSetArn, principalId: g.principalId }),
  ).length;
  const lost = setup.grants - revoked.length + stillAssigned;
  const retries = auditActionCounts(file, "revocation_retry");
  const surfaced = (retries.ThrottlingException ?? 0) + bot.logCount("sweep step failed");
  const metrics: Metric[] = [
    { name: "Expiry → DeleteAccountAssignment accepted", value: `${latencyLine(toDelete)} (${toDelete.count} grants)` },
    { name: "Expiry → grant revoked (deletion confirmed)", value: `${latencyLine(toRevoked)} (${toRevoked.count} grants)` },
    {
      name: "First expiry → first DeleteAccountAssignment",
      value: `${ms(firstDelete)} ms`,
      check: { target: "≤ 1 s", pass: firstDelete <= 1000 },
    },
    {
      name: `All ${setup.grants} revoked, from the first expiry`,
      value: `${seconds(allDone)}, bound ${seconds(bound)} (${setup.grants * setup.callsPerRevocation} calls at ${setup.awsRateLimit}/s), ratio ${(allDone / bound).toFixed(2)}`,
      check: { target: `≤ ${seconds(bound * 1.1)} (ratio ≤ 1.10)`, pass: allDone <= bound * 1.1 },
    },
    { name: "Lost revocations (not revoked, or assignment still in AWS)", value: String(lost), check: { target: "0", pass: lost === 0 } },
    {
      name: "Throttling errors surfaced (revocation_retry audit rows, failed sweep steps)",
      value: `${surfaced} (all revocation_retry rows by code: ${JSON.stringify(retries)})`,
      check: { target: "0", pass: surfaced === 0 },
    },
    {
      name: "Deletion status calls (List…DeletionStatus + Describe…DeletionStatus)",
      value: `${calls.filter((c) => c.error === undefined && /AccountAssignmentDeletionStatus$/.test(c.operation)).length} for ${setup.grants} deletions`,
    },
    {
      name: "Calls the fake AWS throttled (absorbed by retries)",
      value: String(calls.filter((c) => c.error === "ThrottlingException").length),
    },
  ];
  return {
    metrics,
    settings: [
      `${setup.grants} active grants seeded into SQLite, expiring over one second from ${setup.leadMs / 1000} s after seeding, each on its own assignment`,
      fakeAwsSetting(setup),
      `JIT_AWS_CALLS_PER_SECOND=${setup.botCallsPerSecond}, JIT_SWEEP_INTERVAL_SECONDS=${setup.sweepSeconds}, JIT_AWS_POLL_INTERVAL_MS=${setup.pollIntervalMs ?? 10}; hard timeout ${seconds(hardTimeoutMs(setup))}`,
    ],
    notes: [
      `Sweeps that found work (the bot's "sweep" log lines, from the first expiry): ${sweepsSummary(bot, firstExpiry)}.`,
      `AWS calls from the bot's start to the end: ${operationCounts(calls)}.`,
      `The bot was ready ${seconds(firstExpiry - run.readyAt)} before the first expiry (cold start ${seconds(bot.coldStartMs)}).`,
      "The fake applies a deletion when a status check (a listing or a describe) reports SUCCEEDED; in AWS it proceeds on its own once DeleteAccountAssignment is accepted.",
      `${run.timedOut ? "Stopped by the hard timeout; grant" : "Grant"} states at the end: ${JSON.stringify(statusCounts(file))}.`,
    ],
  };
}
