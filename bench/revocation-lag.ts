// Revocation lag: 1,000 grants expiring in the same second, against an AWS that throttles above 20 calls/s.
import { statusCounts } from "./lib/bot-db.js";
import { startBot } from "./lib/bot-process.js";
import { seedExpiringBurst } from "./lib/expiring-grants.js";
import type { Benchmark, Findings } from "./lib/types.js";
import { waitUntil } from "./lib/wait.js";
import { startBenchWorld } from "./lib/world.js";
import { hardTimeoutMs, revocationFindings, type RevocationSetup } from "./revocation-figures.js";

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

export const revocationLag: Benchmark = {
  id: "revocation",
  title: "Revocation lag",
  about:
    `${SETUP.grants} active grants, each on its own assignment that exists in the fake AWS, are written into the ` +
    `database before the bot starts, all expiring within the same second. The fake AWS runs in its realistic mode (each ` +
    `deletion IN_PROGRESS for 1–5 s, as Identity Center keeps them for seconds) and accepts at most ` +
    `${SETUP.awsRateLimit} calls in any sliding second and answers ThrottlingException beyond. Measured per grant: ` +
    `expiry to the first accepted \`DeleteAccountAssignment\`, and expiry to the grant being marked revoked (after ` +
    `a batched status listing says SUCCEEDED); overall: time to the first deletion, time until all are revoked ` +
    `against the bound the rate limit sets (${SETUP.callsPerRevocation} call per revocation: the deletion; one status listing a second confirms a batch), revocations lost, and ` +
    `throttling that got past the retries.`,
  async run(): Promise<Findings> {
    const bench = await startBenchWorld(SETUP.grants);
    const { aws } = bench.world;
    const seeded = await seedExpiringBurst(bench, SETUP.leadMs);
    const firstExpiry = Math.min(...seeded.map((g) => g.expiresAt));
    aws.setRateLimit(SETUP.awsRateLimit);
    if (SETUP.operationMs) {
      aws.setRealistic({ operationMs: SETUP.operationMs, callsPerSecond: SETUP.awsRateLimit, maxOutstandingCreations: 10, seed: 1 });
    }
    const firstCall = aws.calls.length;
    const env = bench.env({
      JIT_AWS_CALLS_PER_SECOND: String(SETUP.botCallsPerSecond),
      JIT_SWEEP_INTERVAL_SECONDS: String(SETUP.sweepSeconds),
      JIT_AWS_POLL_INTERVAL_MS: String(SETUP.pollIntervalMs),
    });
    const bot = await startBot({ build: "tsx", env, cwd: bench.world.dir, keep: ["sweep"] });
    const readyAt = Date.now();
    try {
      let timedOut = false;
      const revokedAll = () => (statusCounts(bench.world.databaseFile).revoked ?? 0) >= SETUP.grants;
      await waitUntil(revokedAll, firstExpiry + hardTimeoutMs(SETUP) - Date.now(), "every grant to be revoked", 250).catch(() => {
        timedOut = true;
      });
      return revocationFindings({ setup: SETUP, bench, bot, seeded, calls: aws.calls.slice(firstCall), readyAt, timedOut });
    } finally {
      await bot.stop();
      await bench.close();
    }
  },
};
