// Run as its own process by test/e2e/start-failures.test.ts: tries startBot once per attempt named
// in argv (JSON: each one's whole environment), stopping any that starts, and prints per attempt what
// the process still has open once startBot has rejected (or stop() resolved): main.ts exits at once
// then, cutting off whatever is still open.
import { Server, Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { startBot } from "../../src/bot.js";
import { loadConfig } from "../../src/config/env.js";
import { loadPolicyFile } from "../../src/config/policy-file.js";
import { RecordingLogger } from "./in-process-bot.js";

export interface AttemptOutcome {
  readonly name: string;
  /** The error startBot rejected with, or undefined when it started (and was stopped). */
  readonly error: string | undefined;
  /** Servers, connections and timers open after one turn of the event loop. */
  readonly open: string[];
}

/**
 * Connections not yet closed by this side (stdio aside), servers, timers. A connection whose end
 * this side has sent is closed as far as it goes: PostgreSQL's driver, say, resolves its end() once
 * it has said goodbye, before the server's side of the close arrives.
 */
function stillOpen(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const stdio: unknown[] = [process.stdin, process.stdout, process.stderr];
  const sockets = handles
    .filter((handle): handle is Socket => handle instanceof Socket && !stdio.includes(handle) && !handle.writableEnded)
    .map((socket) => `connection to port ${socket.remotePort ?? "?"}`);
  const servers = handles.filter((handle): handle is Server => handle instanceof Server).map(() => "server");
  const timers = process.getActiveResourcesInfo().filter((resource) => resource === "Timeout" || resource === "Immediate");
  return [...sockets, ...servers, ...timers];
}

const attempts = JSON.parse(process.argv[2] ?? "[]") as { name: string; env: Record<string, string> }[];
for (const attempt of attempts) {
  const env = attempt.env;
  let error: string | undefined;
  try {
    const bot = await startBot(loadConfig(env), loadPolicyFile(env.JIT_POLICY_FILE ?? ""), new RecordingLogger());
    await bot.stop();
  } catch (failure) {
    error = (failure as Error).message;
  }
  // One turn, for handles whose close has completed to be released.
  await delay(0);
  const outcome: AttemptOutcome = { name: attempt.name, error, open: stillOpen() };
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}
