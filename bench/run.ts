// `npm run bench [-- <id>… [--write]]`: runs the benchmarks (all, or those named: ack, approval,
// revocation, fence, scale, replicas, creation-quota, checkpoints, org-refresh, options, report), prints a table, and writes docs/BENCHMARKS.md after a full run (or with
// --write). Not part of `npm test`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { accessReportBenchmark } from "./access-report.js";
import { ackLatency } from "./ack-latency.js";
import { approvalLatency } from "./approval-latency.js";
import { checkpointCost } from "./checkpoint-cost.js";
import { creationQuotaBenchmark } from "./creation-quota.js";
import { killStartedBots } from "./lib/bot-process.js";
import { describeMachine } from "./lib/machine.js";
import { consoleNotes, consoleTable, markdown } from "./lib/report.js";
import type { Benchmark, BenchResult } from "./lib/types.js";
import { orgRefreshBenchmark } from "./org-refresh.js";
import { pickerOptions } from "./picker-options.js";
import { replicasBenchmark } from "./replicas.js";
import { revocationLag } from "./revocation-lag.js";
import { scale } from "./scale.js";
import { sessionFenceBenchmark } from "./session-fence.js";

const BENCHMARKS: readonly Benchmark[] = [
  ackLatency,
  approvalLatency,
  revocationLag,
  sessionFenceBenchmark,
  scale,
  replicasBenchmark,
  creationQuotaBenchmark,
  checkpointCost,
  orgRefreshBenchmark,
  pickerOptions,
  accessReportBenchmark,
];
const DOC = fileURLToPath(new URL("../docs/BENCHMARKS.md", import.meta.url));
/** Each benchmark bounds itself; this is the backstop if one hangs anyway. */
const BENCHMARK_TIMEOUT_MS = 8 * 60_000;

function select(args: readonly string[]): readonly Benchmark[] {
  const ids = args.filter((arg) => !arg.startsWith("--"));
  const unknown = ids.filter((id) => !BENCHMARKS.some((b) => b.id === id));
  if (unknown.length > 0) {
    throw new Error(`Unknown benchmark ${unknown.join(", ")}. Choose from: ${BENCHMARKS.map((b) => b.id).join(", ")}.`);
  }
  return ids.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => ids.includes(b.id));
}

async function runOne(benchmark: Benchmark): Promise<BenchResult> {
  process.stderr.write(`▶ ${benchmark.title}…\n`);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result after ${BENCHMARK_TIMEOUT_MS / 1000} s`)), BENCHMARK_TIMEOUT_MS);
  });
  try {
    const findings = await Promise.race([benchmark.run(), backstop]);
    return { benchmark, findings, error: undefined, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`  ${benchmark.title} did not finish: ${message}\n`);
    return { benchmark, findings: undefined, error: message, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
    process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const chosen = select(args);
  const machine = describeMachine();
  const started = performance.now();
  const results: BenchResult[] = [];
  for (const benchmark of chosen) results.push(await runOne(benchmark));
  const totalSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${consoleTable(results)}\n\n${consoleNotes(results)}\n\n`);
  const full = chosen.length === BENCHMARKS.length || args.includes("--write");
  if (full) {
    const command = `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`;
    writeFileSync(DOC, markdown({ machine, command, totalSeconds, results }));
    process.stdout.write(`Wrote ${DOC} (${totalSeconds.toFixed(0)} s).\n`);
  } else {
    process.stdout.write(`docs/BENCHMARKS.md left as it was: a partial run writes it only with --write.\n`);
  }
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => {
    killStartedBots();
    process.exit(code);
  },
  (error: unknown) => {
    killStartedBots();
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
