// The results as a console table and as docs/BENCHMARKS.md.
import type { Machine } from "./machine.js";
import type { BenchResult, Metric } from "./types.js";

export interface Run {
  readonly machine: Machine;
  readonly command: string;
  readonly totalSeconds: number;
  readonly results: readonly BenchResult[];
}

const firstLine = (text: string | undefined): string => (text ?? "unknown error").split("\n")[0] ?? "";

const verdict = (metric: Metric): string => (metric.check ? (metric.check.pass ? "pass" : "FAIL") : "");

function rowsOf(results: readonly BenchResult[]): string[][] {
  return results.flatMap((result) =>
    result.findings
      ? result.findings.metrics.map((m) => [result.benchmark.title, m.name, m.value, m.check?.target ?? "", verdict(m)])
      : [[result.benchmark.title, "did not finish", firstLine(result.error), "", "FAIL"]],
  );
}

export function consoleTable(results: readonly BenchResult[]): string {
  const header = ["Benchmark", "Metric", "Value", "Target", "Result"];
  const rows = [header, ...rowsOf(results)];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** Settings and notes under the table, benchmark by benchmark. */
export function consoleNotes(results: readonly BenchResult[]): string {
  return results
    .flatMap((r) =>
      r.findings
        ? [`${r.benchmark.title} (${r.seconds.toFixed(0)} s):`, ...[...r.findings.settings, ...r.findings.notes].map((n) => `  - ${n}`)]
        : [],
    )
    .join("\n");
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function markdownTable(rows: readonly (readonly string[])[]): string[] {
  const [header, ...body] = rows;
  if (!header) return [];
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `|${header.map(() => " --- ").join("|")}|`,
    ...body.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

function section(result: BenchResult): string[] {
  const { benchmark, findings } = result;
  const lines = [`## ${benchmark.title}`, "", benchmark.about, ""];
  if (!findings) return [...lines, `**Did not finish:** ${firstLine(result.error)}`, ""];
  lines.push(
    ...markdownTable([
      ["Metric", "Value", "Target", "Result"],
      ...findings.metrics.map((m) => [m.name, m.value, m.check?.target ?? "", verdict(m)]),
    ]),
  );
  lines.push("", `Settings: ${findings.settings.join("; ")}. Took ${result.seconds.toFixed(0)} s.`, "");
  for (const note of findings.notes) lines.push(`- ${note}`);
  return [...lines, ""];
}

export function markdown(run: Run): string {
  const { machine } = run;
  return [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (bench/run.ts); do not edit by hand. The bot runs as a child process",
    "against the fake Slack and fake AWS servers of the test suite on 127.0.0.1, so the figures are the",
    "bot's own cost, without network latency; AWS and Slack latency are zero unless said otherwise.",
    "",
    ...markdownTable([
      ["Machine", ""],
      ["CPU", `${machine.cpu}, ${machine.cores} cores`],
      ["Memory", machine.memory],
      ["OS", machine.os],
      ["Node.js", machine.node],
      ["Date", machine.date],
      ["Load before the run", `${machine.loadBefore} (1-minute load average; other work on the machine skews the figures)`],
      ["Source", machine.source],
      ["Command", `\`${run.command}\` (${run.totalSeconds.toFixed(0)} s)`],
    ]),
    "",
    "## Summary",
    "",
    ...markdownTable([["Benchmark", "Metric", "Value", "Target", "Result"], ...rowsOf(run.results)]),
    "",
    ...run.results.flatMap(section),
  ].join("\n");
}
