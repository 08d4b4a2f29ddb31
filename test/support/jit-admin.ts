// Runs jit-admin (or policy:check) as operators do: a child process, in a working directory of its own.
import { spawn } from "node:child_process";
import { entryArgs, type Entry } from "./built.js";

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs jit-admin with only `env` (plus PATH and HOME) in `cwd`, so a developer's own .env never leaks in. */
export function jitAdmin(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Ran> {
  return runEntry("jit-admin", args, env, cwd);
}

/** Runs `entry` the same way; asynchronously, so fakes in the test process can answer it. */
export function runEntry(entry: Entry, args: readonly string[], env: Record<string, string>, cwd: string): Promise<Ran> {
  const child = spawn(process.execPath, [...entryArgs(entry), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
