// Runs the bot as its own process (src/main.ts, bundled by built.ts), so a test can
// SIGKILL it and start it again on the same database.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SlackDriver } from "../../src/simulators/slack-requests.js";
import { entryArgs } from "./built.js";
import { SIGNING_SECRET, type World } from "./world.js";

export interface ChildBot {
  readonly process: ChildProcess;
  readonly driver: SlackDriver;
  readonly port: number;
  /** Where /healthz, /readyz and /metrics are served. */
  readonly healthPort: number;
  stdout(): string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ExitedBot {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs in a scratch directory so a developer's own `.env` never leaks into a test. */
function spawnBot(env: Record<string, string>, cwd: string): ChildProcess {
  return spawn(process.execPath, entryArgs("main"), {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Starts the bot and resolves once it logs that it is running. With `viaDotEnv` the configuration
 * is written to `.env` in its working directory instead of being passed in the environment.
 */
export async function startChildBot(world: World, env: Record<string, string> = {}, viaDotEnv = false): Promise<ChildBot> {
  const fullEnv = world.env({ LOG_LEVEL: "info", ...env });
  if (viaDotEnv) {
    writeFileSync(
      join(world.dir, ".env"),
      Object.entries(fullEnv)
        .map(([key, value]) => `${key}=${value}`)
        .join("\n"),
    );
  }
  const child = spawnBot(viaDotEnv ? {} : fullEnv, world.dir);
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ports = await new Promise<{ port: number; healthPort: number }>((resolve, reject) => {
    // Generous: a loaded two-core machine has taken over 20 s to compile and start a child bot.
    const timer = setTimeout(() => reject(new Error(`bot did not start in 45s:\n${out}\n${err}`)), 45_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const running = out.split("\n").find((line) => line.includes('"jit-slack is running"'));
      if (running) {
        clearTimeout(timer);
        resolve(JSON.parse(running) as { port: number; healthPort: number });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before starting:\n${out}\n${err}`));
    });
  });
  return {
    process: child,
    port: ports.port,
    healthPort: ports.healthPort,
    driver: new SlackDriver({ url: `http://127.0.0.1:${ports.port}/slack/events`, secret: SIGNING_SECRET, fake: world.slack }),
    stdout: () => out,
    stderr: () => err,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the bot expecting it to refuse to start; resolves with its exit code and output. */
export function runBotToExit(env: Record<string, string>, cwd: string): Promise<ExitedBot> {
  const child = spawnBot(env, cwd);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
