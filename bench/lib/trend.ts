// A benchmark's figures from its previous run, kept in a small committed JSON file it reads before
// measuring and rewrites after, so a row can show its trend ("350 µs/request (prev 340, +3%)").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

const FigureSchema = z.object({ cpuUsPerRequest: z.number(), p99Ms: z.number(), requests: z.number().int() });
const RunSchema = z.object({
  measuredAt: z.string(),
  source: z.string(),
  /** /proc/loadavg's three load averages before the run: a trend across differently loaded runs is weak. */
  loadBefore: z.string(),
  rows: z.record(z.string(), FigureSchema),
});

export type TrendFigure = z.infer<typeof FigureSchema>;
export type TrendRun = z.infer<typeof RunSchema>;

/** The previous run's figures, or undefined when there is none (or the file is not one of ours). */
export function readPrevious(file: string): TrendRun | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = RunSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  return parsed.success ? parsed.data : undefined;
}

export function writeRun(file: string, run: TrendRun): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
}

/** "350 µs/request (prev 340, +2.9%)", or "(no previous run)". */
export function cpuTrend(usPerRequest: number, previous: TrendFigure | undefined): string {
  const now = `${usPerRequest.toFixed(0)} µs/request`;
  if (previous === undefined) return `${now} (no previous run)`;
  const change = ((usPerRequest - previous.cpuUsPerRequest) / previous.cpuUsPerRequest) * 100;
  const sign = change >= 0 ? "+" : "−";
  return `${now} (prev ${previous.cpuUsPerRequest.toFixed(0)}, ${sign}${Math.abs(change).toFixed(0)}%)`;
}
