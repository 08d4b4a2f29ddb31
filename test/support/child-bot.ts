// Runs the bot as its own process (src/main.ts, as `npm start` does after building), so a test can
// SIGKILL it and start it again on the same database.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SlackDriver } from "../fakes/slack-requests.js";
import { SIGNING_SECRET, type World } from "./world.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ChildBot {
  readonly process: ChildProcess;
  readonly driver: SlackDriver;
  readonly port: number;
  stdout(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ExitedBot {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnBot(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Starts the bot and resolves once it logs that it is running. */
export async function startChildBot(world: World, env: Record<string, string> = {}): Promise<ChildBot> {
  const child = spawnBot(world.env({ LOG_LEVEL: "info", ...env }));
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start in 20s:\n${out}\n${err}`)), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const running = out.split("\n").find((line) => line.includes('"jit-slack is running"'));
      if (running) {
        clearTimeout(timer);
        resolve((JSON.parse(running) as { port: number }).port);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before starting:\n${out}\n${err}`));
    });
  });
  return {
    process: child,
    port,
    driver: new SlackDriver({ url: `http://127.0.0.1:${port}/slack/events`, secret: SIGNING_SECRET, fake: world.slack }),
    stdout: () => out,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the bot expecting it to refuse to start; resolves with its exit code and output. */
export function runBotToExit(env: Record<string, string>): Promise<ExitedBot> {
  const child = spawnBot(env);
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
