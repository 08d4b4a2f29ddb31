// The bot as its own process, started the way production starts it (compiled) or the way the
// end-to-end tests do (tsx), timed from spawn to its "running" log line.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { processCpuMs } from "./proc-cpu.js";

export type BotBuild = "tsx" | "compiled";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY: Readonly<Record<BotBuild, readonly string[]>> = {
  tsx: ["--import", import.meta.resolve("tsx"), `${ROOT}src/main.ts`],
  compiled: [`${ROOT}dist/main.js`],
};
const READY_MESSAGE = "jit-slack is running";
const TAIL_LINES = 40;
/** Bots this process started and has not seen exit, so an aborted run leaves none behind. */
const live = new Set<ChildProcess>();

/** SIGKILL for every bot this process started that is still running. */
export function killStartedBots(): void {
  for (const child of live) child.kill("SIGKILL");
}

export interface BotProcess {
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawn to the "jit-slack is running" line. */
  readonly coldStartMs: number;
  /** Resident set size now, in bytes (Linux /proc). */
  rss(): number;
  /** CPU time the process has used so far, all its threads, user and system, in ms (10 ms steps). */
  cpuMs(): number;
  /** How many log lines carried this message so far. */
  logCount(message: string): number;
  /** The log lines with a message listed in `keep`, parsed, oldest first. */
  logRecords(message: string): readonly LogRecord[];
  /** The last lines of output, for diagnosing a failure. */
  tail(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly build: BotBuild;
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly timeoutMs?: number;
  /** Log messages whose lines are kept whole for `logRecords`. */
  readonly keep?: readonly string[];
}

export type LogRecord = Readonly<Record<string, unknown>>;

export async function startBot(options: StartOptions): Promise<BotProcess> {
  const started = performance.now();
  // e.g. BENCH_BOT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the bots a benchmark starts.
  const nodeArgs = (process.env.BENCH_BOT_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...ENTRY[options.build]], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const output = new OutputWatcher(child, options.keep ?? []);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      live.delete(child);
      resolve();
    }),
  );
  let ready: LogRecord;
  try {
    ready = await output.readyLine(options.timeoutMs ?? 30_000, exited);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const coldStartMs = performance.now() - started;
  const pid = child.pid;
  const port = ready.port;
  if (pid === undefined || typeof port !== "number") throw new Error(`bot started without a pid or port:\n${output.tail()}`);
  return {
    pid,
    port,
    coldStartMs,
    rss: () => residentBytes(pid),
    cpuMs: () => processCpuMs(pid),
    logCount: (message) => output.count(message),
    logRecords: (message) => output.records(message),
    tail: () => output.tail(),
    stop: () => stopChild(child, exited),
  };
}

/** Reads the bot's JSON log lines as they come: counts messages and keeps a short tail. */
class OutputWatcher {
  private readonly counts = new Map<string, number>();
  private readonly kept = new Map<string, LogRecord[]>();
  private readonly lines: string[] = [];
  private partial = "";
  private onReady: ((line: LogRecord) => void) | undefined;

  constructor(
    child: ChildProcess,
    private readonly keep: readonly string[],
  ) {
    child.stdout?.on("data", (chunk: Buffer) => this.take(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => this.remember(`stderr: ${chunk.toString().trimEnd()}`));
  }

  readyLine(timeoutMs: number, exited: Promise<void>): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bot not ready after ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs);
      this.onReady = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`bot exited before it was ready:\n${this.tail()}`));
      });
    });
  }

  count(message: string): number {
    return this.counts.get(message) ?? 0;
  }

  records(message: string): readonly LogRecord[] {
    return this.kept.get(message) ?? [];
  }

  tail(): string {
    return this.lines.join("\n");
  }

  private take(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    for (const raw of parts) this.line(raw);
  }

  private line(raw: string): void {
    let parsed: LogRecord;
    try {
      parsed = JSON.parse(raw) as LogRecord;
    } catch {
      this.remember(raw);
      return;
    }
    const message = typeof parsed.msg === "string" ? parsed.msg : "";
    this.counts.set(message, this.count(message) + 1);
    if (this.keep.includes(message)) this.kept.set(message, [...(this.kept.get(message) ?? []), parsed]);
    this.remember(raw);
    if (message === READY_MESSAGE) this.onReady?.(parsed);
  }

  private remember(line: string): void {
    this.lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }
}

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kib === undefined ? Number.NaN : Number(kib) * 1024;
}

/** SIGTERM for a clean shutdown; SIGKILL if it has not exited after five seconds. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
