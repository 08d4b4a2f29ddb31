// Runs jit-admin as operators do: a child process, in a working directory of its own.
import { spawn } from "node:child_process";
import { entryArgs } from "./built.js";

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs jit-admin with only `env` (plus PATH and HOME) in `cwd`, so a developer's own .env never leaks in. */
export function jitAdmin(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Ran> {
  const child = spawn(process.execPath, [...entryArgs("jit-admin"), ...args], {
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
