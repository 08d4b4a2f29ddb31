// Runs a load (see load-spec.ts) in a process of its own and waits for what it measured.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadOutcome, LoadSpec } from "./load-spec.js";

export type { LoadOutcome, LoadSpec } from "./load-spec.js";

const RUNNER = fileURLToPath(new URL("./load-process.ts", import.meta.url));

type Answer = { readonly outcome: LoadOutcome } | { readonly error: string };

export function hammer(spec: LoadSpec): Promise<LoadOutcome> {
  const child = fork(RUNNER, { execArgv: ["--import", import.meta.resolve("tsx")], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    let answered = false;
    child.once("message", (answer: Answer) => {
      answered = true;
      if ("outcome" in answer) resolve(answer.outcome);
      else reject(new Error(`the load generator failed: ${answer.error}`));
    });
    child.once("exit", (code) => {
      if (!answered) reject(new Error(`the load generator exited (code ${code}) without an answer`));
    });
    child.send(spec);
  });
}

/** A load's failed requests: connection errors, non-2xx answers, and those the bot answered "busy". */
export function failures(outcome: LoadOutcome, refused: number): { readonly count: number; readonly text: string } {
  const count = outcome.errors + outcome.non2xx + refused;
  return { count, text: `${count} errors${refused > 0 ? ` (${refused} refused as busy)` : ""}` };
}
