// The machine, runtime and source a benchmark run describes.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly os: string;
  readonly node: string;
  readonly date: string;
  readonly source: string;
  /** The 1-minute load average when the run began. */
  readonly loadBefore: string;
}

function distribution(): string | undefined {
  if (!existsSync("/etc/os-release")) return undefined;
  const line = readFileSync("/etc/os-release", "utf8")
    .split("\n")
    .find((l) => l.startsWith("PRETTY_NAME="));
  return line?.slice("PRETTY_NAME=".length).replace(/^"|"$/g, "");
}

/** The commit measured, and whether the working tree differed from it. */
function sourceRevision(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    // bench/ too: a benchmark's own code decides what its figures mean.
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bench"], { encoding: "utf8" }).trim() !== "";
    return dirty ? `${commit} with uncommitted changes in src/ or bench/` : commit;
  } catch {
    return "unknown (not a git checkout)";
  }
}

export function describeMachine(): Machine {
  const processors = cpus();
  const kernel = `${type()} ${release()}`;
  const distro = distribution();
  return {
    cpu: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: distro ? `${distro} (${kernel})` : kernel,
    node: process.version,
    date: new Date().toISOString(),
    source: sourceRevision(),
    loadBefore: (loadavg()[0] ?? 0).toFixed(2),
  };
}

/** CPU time of all cores so far (from os.cpus()): busy (user, nice, system, irq) and in all. */
export function coreTimes(): { readonly busyMs: number; readonly totalMs: number } {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    const busy = times.user + times.nice + times.sys + times.irq;
    busyMs += busy;
    totalMs += busy + times.idle;
  }
  return { busyMs, totalMs };
}
