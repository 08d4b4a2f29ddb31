// `npm test`: the whole suite on SQLite, then the end-to-end suite (and the unit tests that need a
// server) again on PostgreSQL, so both engines pass the same tests. The PostgreSQL leg uses
// JIT_TEST_DATABASE_URL if set, else a throwaway cluster started here (scripts/postgres-for-tests.sh).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const POSTGRES_BIN = "/usr/lib/postgresql";
/** Extra arguments for node --test, e.g. `npm test -- --test-name-pattern=expiry`. */
const EXTRA_ARGS = process.argv.slice(2);

interface Leg {
  readonly name: string;
  readonly files: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

interface LegResult {
  readonly name: string;
  readonly code: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly seconds: number;
}

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith(".test.ts"))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * The files that take longest (a run's per-file times, slowest first). node --test starts files in
 * the order given, two at a time; starting the longest first keeps both slots busy to the end
 * instead of leaving one long file running alone at the tail (longest-processing-time-first).
 */
const LONGEST_FIRST = [
  "test/e2e/replicas.test.ts",
  "test/e2e/crash-recovery.test.ts",
  "test/e2e/process.test.ts",
  "test/e2e/admin-cli.test.ts",
  "test/e2e/demo-browser.test.ts",
  "test/e2e/rule-options.test.ts",
  "test/e2e/audit-checkpoints.test.ts",
  "test/e2e/adversarial-load.test.ts",
  "test/e2e/rejections.test.ts",
  "test/e2e/audit-feed-delivery.test.ts",
  "test/e2e/audit-bundle.test.ts",
  "test/e2e/adversarial-interactions.test.ts",
  "test/e2e/adversarial-forms.test.ts",
  "test/e2e/admission.test.ts",
  "test/e2e/modal-contract.test.ts",
  "test/e2e/graceful-shutdown.test.ts",
];

function longestFirst(files: readonly string[]): string[] {
  const gone = LONGEST_FIRST.filter((file) => !existsSync(join(ROOT, file)));
  if (gone.length > 0) throw new Error(`LONGEST_FIRST in test/run-suite.ts names files that are gone: ${gone.join(", ")}`);
  const rank = (file: string) => {
    const at = LONGEST_FIRST.indexOf(file);
    return at === -1 ? LONGEST_FIRST.length : at;
  };
  return [...files].sort((a, b) => rank(a) - rank(b));
}

/** Unit tests that talk to a PostgreSQL server: they skip themselves without one, so they belong in that leg. */
function needsServer(file: string): boolean {
  return readFileSync(join(ROOT, file), "utf8").includes("JIT_TEST_DATABASE_URL");
}

let running: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;

/** Runs one leg with its output streamed through, and reads the reporter's closing counts. */
function runLeg(leg: Leg): Promise<LegResult> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...EXTRA_ARGS, ...leg.files],
    // Piped so the counts can be read; colours kept when a person is watching.
    { cwd: ROOT, env: process.stdout.isTTY ? { FORCE_COLOR: "1", ...leg.env } : leg.env, stdio: ["ignore", "pipe", "inherit"] },
  );
  running = child;
  let tail = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve) => {
    child.once("close", (code, signal) => {
      running = undefined;
      const counts: Record<string, number> = {};
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the reporter's ANSI colour codes (ESC [ … m)
      const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
      for (const match of plain.matchAll(/^\S+ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
        counts[match[1] ?? ""] = Number(match[2]);
      }
      resolve({ name: leg.name, code: code ?? (signal ? 128 : 1), counts, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function summary(result: LegResult): string {
  const { tests, pass, fail, skipped, cancelled, todo } = result.counts;
  const verdict = result.code === 0 ? "passed" : "FAILED";
  const counts =
    tests === undefined
      ? "no test counts reported"
      : `${pass ?? 0}/${tests} passed, ${fail ?? 0} failed, ${cancelled ?? 0} cancelled, ${skipped ?? 0} skipped, ${todo ?? 0} todo`;
  return `${result.name} leg ${verdict}: ${counts} in ${result.seconds.toFixed(1)} s (exit ${result.code})`;
}

/** The newest installed PostgreSQL server's bin directory, if Debian's postgresql package is installed. */
function postgresBin(): string | undefined {
  if (!existsSync(POSTGRES_BIN)) return undefined;
  const versions = readdirSync(POSTGRES_BIN)
    .filter((version) => existsSync(join(POSTGRES_BIN, version, "bin", "initdb")))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest ? join(POSTGRES_BIN, newest, "bin") : undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Cluster {
  readonly url: string;
  stop(): void;
}

/** Starts a throwaway cluster in a temporary directory; stop() shuts it down and removes it. */
async function startCluster(bin: string): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "jit-slack-pg-"));
  const started = spawnSync("bash", [join(ROOT, "scripts/postgres-for-tests.sh"), dir, String(await freePort())], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    // As root the cluster belongs to the postgres user, who alone may stop it.
    const asOwner = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
    const command = [...asOwner, join(bin, "pg_ctl"), "-D", join(dir, "data"), "stop", "-m", "immediate"];
    spawnSync(command[0] ?? "", command.slice(1), { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  const url = started.stdout?.trim().split("\n").at(-1) ?? "";
  if (started.status !== 0 || !url.startsWith("postgres://")) {
    stop();
    throw new Error(`scripts/postgres-for-tests.sh failed (exit ${started.status}); see its output above`);
  }
  return { url, stop };
}

function warnSkipped(): void {
  const line = "!".repeat(78);
  console.warn(
    [
      "",
      line,
      "!! The PostgreSQL half of the test suite was SKIPPED: no PostgreSQL server is installed",
      `!! (no ${POSTGRES_BIN}/*/bin/initdb) and JIT_TEST_DATABASE_URL is not set. To run it:`,
      "!!   apt-get install -y postgresql          (then npm test starts a throwaway server itself)",
      "!!   or JIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres npm test",
      "!!   with a server you started: scripts/postgres-for-tests.sh <dir> 55432",
      line,
      "",
    ].join("\n"),
  );
}

async function main(): Promise<number> {
  const { JIT_TEST_DATABASE_URL: givenUrl, ...baseEnv } = process.env;
  const unit = testFiles("test/unit");
  const e2e = testFiles("test/e2e");
  const results: LegResult[] = [];

  results.push(await runLeg({ name: "SQLite", files: longestFirst([...unit, ...e2e]), env: baseEnv }));
  console.log(`\n# ${summary(results[0] as LegResult)}\n`);
  if (interrupted) return 130;

  let cluster: Cluster | undefined;
  let url = givenUrl;
  if (!url) {
    const bin = postgresBin();
    if (bin) {
      cluster = await startCluster(bin);
      url = cluster.url;
      console.log(`# Started a throwaway PostgreSQL for the tests at ${url}`);
    } else if (process.env.CI) {
      console.error(
        `# The PostgreSQL leg cannot run: CI is set, but no PostgreSQL server is installed (${POSTGRES_BIN}/*/bin/initdb) ` +
          "and JIT_TEST_DATABASE_URL is not set. Install the postgresql package (see .ci/run) or set JIT_TEST_DATABASE_URL.",
      );
      return 1;
    } else {
      warnSkipped();
    }
  }
  const stopCluster = () => cluster?.stop();
  process.once("exit", stopCluster);
  try {
    if (url) {
      const files = longestFirst([...e2e, ...unit.filter(needsServer)]);
      results.push(await runLeg({ name: "PostgreSQL", files, env: { ...baseEnv, JIT_TEST_DATABASE_URL: url } }));
    }
  } finally {
    stopCluster();
  }
  console.log("");
  for (const result of results) console.log(`# ${summary(result)}`);
  if (!url) console.log("# PostgreSQL leg SKIPPED (no server; see the warning above)");
  if (interrupted) return 130;
  return results.every((result) => result.code === 0) ? 0 : 1;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted = signal;
    running?.kill(signal);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
