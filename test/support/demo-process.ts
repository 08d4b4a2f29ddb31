// `npm run demo` as a person runs it: src/demo/main.ts in a process of its own, its page's URL read
// from what it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

export interface DemoProcess {
  readonly url: string;
  stop(): Promise<void>;
}

export interface DemoExit {
  readonly code: number | null;
  readonly stderr: string;
}

/** The demo's environment: this one's, without AWS_* and Slack endpoints, plus `extra`. */
function demoEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_") && key !== "SLACK_API_URL"));
  return { ...env, JIT_DEMO_PORT: "0", ...extra };
}

function spawnDemo(extra: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/demo/main.ts"], { env: demoEnv(extra), stdio: ["ignore", "pipe", "pipe"] });
}

export async function startDemoProcess(timeoutMs = 30_000): Promise<DemoProcess> {
  const child = spawnDemo({});
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code}) before printing its URL:\n${err}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Runs the demo with `extra` in its environment until it exits on its own. */
export async function demoExit(extra: Record<string, string>): Promise<DemoExit> {
  const child = spawnDemo(extra);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}
