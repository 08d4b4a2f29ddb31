// A PostgreSQL server for the benchmarks: the one JIT_BENCH_DATABASE_URL names, or a throwaway one
// started with scripts/postgres-for-tests.sh in a temporary directory on a free port.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../scripts/postgres-for-tests.sh", import.meta.url));

export interface PostgresServer {
  readonly url: string;
  /** "JIT_BENCH_DATABASE_URL" or "a throwaway server started for this run". */
  readonly origin: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** pg_ctl of the newest installed server, as the cluster's owner (the script's rule as root): command and arguments. */
function pgCtl(args: string[]): [string, string[]] {
  const version =
    readdirSync("/usr/lib/postgresql")
      .sort((a, b) => Number(a) - Number(b))
      .at(-1) ?? "";
  const bin = `/usr/lib/postgresql/${version}/bin/pg_ctl`;
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

export async function postgresServer(): Promise<PostgresServer> {
  const given = process.env.JIT_BENCH_DATABASE_URL;
  if (given) return { url: given, origin: "JIT_BENCH_DATABASE_URL", stop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), "jit-bench-pg-"));
  const port = await freePort();
  const { stdout } = await run("bash", [SCRIPT, dir, String(port)]);
  const [command, args] = pgCtl(["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]);
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync(command, args, { stdio: "ignore" });
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // bench/run.ts exits at once when a benchmark overruns its backstop: never leave the server running.
  process.once("exit", stopNow);
  return {
    url: stdout.trim().split("\n").at(-1) ?? "",
    origin: `a throwaway server on port ${port} (scripts/postgres-for-tests.sh)`,
    async stop() {
      stopNow();
      process.removeListener("exit", stopNow);
    },
  };
}
