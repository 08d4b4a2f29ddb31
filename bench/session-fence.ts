// Revocation with the session fence: 1,000 grants on one role expiring in the same second, the fence
// on (three SCPs: more users than they can name, so the role is fenced as a whole), against the fake
// AWS's realistic mode (deletions IN_PROGRESS 1-5 s, 20 calls/s).
import { readFileSync, writeFileSync } from "node:fs";
import type { FakeAwsCall } from "../src/simulators/fake-aws.js";
import { SCP_CONTENT_LIMIT } from "../src/simulators/fake-aws.js";
import { fenceDenies, fencePolicies } from "../test/support/fence-sessions.js";
import { PROD } from "../test/support/world.js";
import { auditActionCounts, firstAuditTimes, grantsByIds, statusCounts } from "./lib/bot-db.js";
import { startBot } from "./lib/bot-process.js";
import { seedExpiringBurst, type SeededGrant } from "./lib/expiring-grants.js";
import { latencyLine, seconds, summarize } from "./lib/stats.js";
import type { Benchmark, Findings, Metric } from "./lib/types.js";
import { waitUntil } from "./lib/wait.js";
import { startBenchWorld } from "./lib/world.js";
import { boundMs, fakeAwsSetting, firstDeletes, hardTimeoutMs, type RevocationSetup } from "./revocation-figures.js";

const SETUP: RevocationSetup = {
  grants: 1000,
  awsRateLimit: 20,
  botCallsPerSecond: 20,
  sweepSeconds: 1,
  callsPerRevocation: 1,
  pollIntervalMs: 1000,
  leadMs: 8_000,
  operationMs: { min: 1_000, max: 5_000 },
};
/** Issue 20: a burst's older sessions are denied within this of the expiry, whatever the deletions' pace. */
const FENCED_WITHIN_MS = 5_000;
/** The bot paces its Organizations calls at this (src/fence-setup.ts). */
const ORGANIZATIONS_PER_SECOND = 5;
/** Organizations answers calls over its limit with this (the fake's SSO Admin with ThrottlingException). */
const THROTTLED = new Set(["ThrottlingException", "TooManyRequestsException"]);
const POLICY_WRITES = new Set(["CreatePolicy", "UpdatePolicy"]);

export const sessionFenceBenchmark: Benchmark = {
  id: "fence",
  title: "Revocation with the session fence",
  about:
    `${SETUP.grants} active grants on one role (ReadOnlyAccess on one account), each person on their own assignment, ` +
    "are written into the database before the bot starts, all expiring within the same second, with the session fence " +
    "on (`sessionFence.mode: scp`, the three default policies attached to the root, created by the first write; " +
    "`whenFull: fence-role`, the default). The fake AWS runs in its realistic mode (each deletion IN_PROGRESS for 1–5 s; " +
    `at most ${SETUP.awsRateLimit} Identity Center calls in any sliding second, ThrottlingException beyond). Measured: ` +
    "expiry to every grant's `session_fenced` record (the fence ahead of the deletion) against the 5 s target, time " +
    "until all are revoked against the bound the deletions set, the Organizations calls and policy writes the burst " +
    "cost (from the fake's call log), and what the final policies do: each user's session opened before the revocation " +
    "is evaluated against them (IAM's SCP rules, test/support/iam-scp-evaluator.ts).",
  async run(): Promise<Findings> {
    const bench = await startBenchWorld(SETUP.grants);
    const { aws } = bench.world;
    writeFileSync(bench.world.policyFile, `sessionFence:\n  mode: scp\n${readFileSync(bench.world.policyFile, "utf8")}`);
    const seeded = await seedExpiringBurst(bench, SETUP.leadMs);
    const firstExpiry = Math.min(...seeded.map((g) => g.expiresAt));
    // The realistic mode throttles Identity Center alone: Organizations has quotas of its own, and the
    // bot paces its Organizations calls itself.
    if (SETUP.operationMs) {
      aws.setRealistic({ operationMs: SETUP.operationMs, callsPerSecond: SETUP.awsRateLimit, maxOutstandingCreations: 10, seed: 1 });
    }
    const env = bench.env({
      JIT_AWS_CALLS_PER_SECOND: String(SETUP.botCallsPerSecond),
      JIT_SWEEP_INTERVAL_SECONDS: String(SETUP.sweepSeconds),
      JIT_AWS_POLL_INTERVAL_MS: String(SETUP.pollIntervalMs),
    });
    const bot = await startBot({ build: "tsx", env, cwd: bench.world.dir });
    const readyAt = Date.now();
    const firstCall = aws.calls.length;
    try {
      const file = bench.world.databaseFile;
      const done = () => (statusCounts(file).revoked ?? 0) >= SETUP.grants && firstAuditTimes(file, "session_fenced").size >= SETUP.grants;
      const timedOut = await waitUntil(done, firstExpiry + hardTimeoutMs(SETUP) - Date.now(), "every grant revoked and fenced", 250).then(
        () => false,
        () => true,
      );
      return fenceFindings({ bench, seeded, calls: aws.calls.slice(firstCall), readyAt, coldStartMs: bot.coldStartMs, timedOut });
    } finally {
      await bot.stop();
      await bench.close();
    }
  },
};

interface FenceRun {
  readonly bench: Awaited<ReturnType<typeof startBenchWorld>>;
  readonly seeded: readonly SeededGrant[];
  /** The fake AWS's calls from the bot's ready line on (start-up's checks come before it). */
  readonly calls: readonly FakeAwsCall[];
  readonly readyAt: number;
  readonly coldStartMs: number;
  readonly timedOut: boolean;
}

function countBy(calls: readonly FakeAwsCall[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
  return [...counts].map(([operation, n]) => `${operation} ${n}`).join(", ");
}

function fenceFindings(run: FenceRun): Findings {
  const { bench, seeded, calls } = run;
  const { aws } = bench.world;
  const file = bench.world.databaseFile;
  const n = SETUP.grants;
  const firstExpiry = Math.min(...seeded.map((g) => g.expiresAt));
  const organizations = calls.filter((call) => call.service === "organizations");
  const accepted = organizations.filter((call) => call.error === undefined);
  const writes = accepted.filter((call) => POLICY_WRITES.has(call.operation));
  const bound = boundMs(SETUP);
  // The fence's own bound: the policy writes made until the last grant was fenced, one after another
  // at the bot's Organizations pace (the later ones move the bound after each deletion).
  const lastFenced = Math.max(...firstAuditTimes(file, "session_fenced").values());
  const writesToFence = writes.filter((call) => call.at <= lastFenced).length;
  const fenceBoundMs = (writesToFence / ORGANIZATIONS_PER_SECOND) * 1000;

  const grants = grantsByIds(
    file,
    seeded.map((g) => g.id),
  );
  const revoked = grants.filter((g) => g.status === "revoked");
  const allRevoked = run.timedOut ? Number.NaN : Math.max(...revoked.map((g) => g.endedAt ?? Number.NaN)) - firstExpiry;
  const fencedAt = firstAuditTimes(file, "session_fenced");
  const toFenced = summarize(seeded.map((g) => (fencedAt.get(g.id) ?? Number.NaN) - g.expiresAt).filter(Number.isFinite));
  const toRevoked = summarize(revoked.map((g) => (g.endedAt ?? Number.NaN) - (g.expiresAt ?? Number.NaN)));
  const allFenced = Math.max(...fencedAt.values()) - firstExpiry;
  const deletedAt = firstDeletes(calls);
  const fencedToDelete = summarize(
    seeded.map((g) => (deletedAt.get(g.principalId) ?? Number.NaN) - (fencedAt.get(g.id) ?? Number.NaN)).filter(Number.isFinite),
  );

  const permissionSetArn = bench.world.permissionSets.ReadOnlyAccess;
  const stillAssigned = seeded.filter((g) => aws.hasAssignment({ accountId: PROD, permissionSetArn, principalId: g.principalId }));
  const openedAt = firstExpiry - 60_000;
  const notDenied = seeded.filter(
    (g) => !fenceDenies(aws, { principalId: g.principalId, accountId: PROD, permissionSetName: "ReadOnlyAccess", issuedAt: openedAt }),
  );
  const unrecorded = seeded.filter((g) => !fencedAt.has(g.id));
  const lost = n - revoked.length + stillAssigned.length + notDenied.length + unrecorded.length;
  const policies = fencePolicies(aws);
  const largest = Math.max(...policies.map((content) => content.length));
  const retries = auditActionCounts(file, "revocation_retry");
  const surfaced = Object.values(retries).reduce((sum, count) => sum + count, 0);
  const full = Object.values(auditActionCounts(file, "session_fence_full")).reduce((sum, count) => sum + count, 0);
  const wholeRoles = Object.values(auditActionCounts(file, "session_fence_whole_role")).reduce((sum, count) => sum + count, 0);

  const metrics: Metric[] = [
    {
      name: `All ${n} fenced (session_fenced, ahead of the deletion), from the first expiry`,
      value:
        `${seconds(allFenced)} (target ${seconds(FENCED_WITHIN_MS)}, ratio ${(allFenced / FENCED_WITHIN_MS).toFixed(2)}; ` +
        `bound ${seconds(fenceBoundMs)}: the ${writesToFence} policy writes until then at ${ORGANIZATIONS_PER_SECOND}/s)`,
      check: { target: `≤ ${seconds(FENCED_WITHIN_MS)}`, pass: allFenced <= FENCED_WITHIN_MS },
    },
    {
      name: `All ${n} revoked, from the first expiry`,
      value:
        `${seconds(allRevoked)}, bound ${seconds(bound)} (${n * SETUP.callsPerRevocation} calls at ${SETUP.awsRateLimit}/s), ` +
        `ratio ${(allRevoked / bound).toFixed(2)}`,
      check: { target: `≤ ${seconds(bound * 1.1)} (ratio ≤ 1.10)`, pass: allRevoked <= bound * 1.1 },
    },
    {
      name: "Extra AWS calls per revocation for the fence (Organizations, accepted)",
      value:
        `${(accepted.length / n).toFixed(3)} (${accepted.length} for ${n} revocations: ${countBy(accepted)}); ` +
        `${writes.length} policy writes, ${(writes.length / n).toFixed(3)} per revocation`,
      check: { target: "< 1 policy write per revocation (coalesced)", pass: writes.length < n },
    },
    { name: "Expiry → session_fenced recorded", value: `${latencyLine(toFenced)} (${toFenced.count} grants)` },
    {
      name: "session_fenced → DeleteAccountAssignment accepted (how far the fence runs ahead of the deletion)",
      value: `${latencyLine(fencedToDelete)} (${fencedToDelete.count} grants)`,
    },
    { name: "Expiry → grant revoked", value: `${latencyLine(toRevoked)} (${toRevoked.count} grants)` },
    {
      name: "First expiry → last session_fenced",
      value: seconds(allFenced),
    },
    {
      name: "Lost (not revoked, assignment left, no session_fenced record, or older session not denied)",
      value: `${lost} (${n - revoked.length} not revoked, ${stillAssigned.length} assigned, ${unrecorded.length} unrecorded, ${notDenied.length} not denied)`,
      check: { target: "0", pass: lost === 0 },
    },
    {
      name: "Fence policies",
      value:
        `${policies.length} policies, the largest ${largest} characters (limit ${SCP_CONTENT_LIMIT}); ${full} session_fence_full; ` +
        `${wholeRoles} session_fence_whole_role`,
      check: { target: `≤ ${SCP_CONTENT_LIMIT} characters, 0 full`, pass: largest <= SCP_CONTENT_LIMIT && full === 0 },
    },
    {
      name: "Throttling errors surfaced (revocation_retry audit rows)",
      value: `${surfaced} (by code: ${JSON.stringify(retries)})`,
      check: { target: "0", pass: surfaced === 0 },
    },
    {
      name: "Calls the fake AWS throttled (absorbed by retries)",
      value: `${calls.filter((c) => c.error !== undefined && THROTTLED.has(c.error)).length} (Organizations ${organizations.filter((c) => c.error !== undefined && THROTTLED.has(c.error)).length})`,
    },
  ];
  return {
    metrics,
    settings: [
      `${n} active grants seeded into SQLite, expiring over one second from ${SETUP.leadMs / 1000} s after seeding, all on ReadOnlyAccess in one account (session duration 1 h)`,
      `sessionFence.mode: scp with the default three policies on the root, whenFull: fence-role; the bot's Organizations calls are paced at ${ORGANIZATIONS_PER_SECOND}/s (src/fence-setup.ts)`,
      fakeAwsSetting(SETUP),
      `JIT_AWS_CALLS_PER_SECOND=${SETUP.botCallsPerSecond}, JIT_SWEEP_INTERVAL_SECONDS=${SETUP.sweepSeconds}, JIT_AWS_POLL_INTERVAL_MS=${SETUP.pollIntervalMs}; hard timeout ${seconds(hardTimeoutMs(SETUP))}`,
    ],
    notes: [
      `AWS calls from the bot's ready line to the end: ${countBy(calls)}.`,
      `Organizations calls, accepted or not: ${countBy(organizations)}.`,
      "In the realistic mode the fake throttles Identity Center (SSO Admin and Identity Store) only; the bot paces Organizations itself.",
      `The bot was ready ${seconds(firstExpiry - run.readyAt)} before the first expiry (cold start ${seconds(run.coldStartMs)}).`,
      `${run.timedOut ? "Stopped by the hard timeout; grant" : "Grant"} states at the end: ${JSON.stringify(statusCounts(file))}.`,
    ],
  };
}
