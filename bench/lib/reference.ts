// Starts reference-server.ts (see there) with a given CPU cost per request and stops it again.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("./reference-server.ts", import.meta.url));

export interface ReferenceServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startReferenceServer(spinMs: number): Promise<ReferenceServer> {
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), SERVER], {
    env: { PATH: process.env.PATH ?? "", SPIN_MS: String(spinMs) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  // An aborted run (the bench's backstop) exits without stop(): the server must not outlive it.
  const orphaned = () => child.kill("SIGKILL");
  process.once("exit", orphaned);
  void exited.then(() => process.off("exit", orphaned));
  const [line] = (await Promise.race([once(child.stdout, "data"), exited.then(() => [undefined])])) as [Buffer | undefined];
  const port = Number(String(line ?? "").trim());
  if (!Number.isInteger(port) || port <= 0) {
    child.kill("SIGKILL");
    throw new Error(`the reference server did not start (it printed ${JSON.stringify(String(line ?? ""))})`);
  }
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
