#!/usr/bin/env node
// jit-admin: operator commands against the bot's configuration, database and AWS. Wiring only.
import { createInterface } from "node:readline/promises";
import { ConfigError } from "../config/problems.js";
import { NotFound } from "../domain/errors.js";
import { StartupError } from "../startup-error.js";
import { auditExport } from "./audit-export.js";
import { auditKeygen } from "./audit-keygen.js";
import { auditVerify } from "./audit-verify.js";
import { configCheck } from "./config-check.js";
import { loadDotEnv } from "./environment.js";
import { grantsList } from "./grants-list.js";
import { grantsRevoke } from "./grants-revoke.js";
import { migrateCommand } from "./migrate.js";
import { orgRefresh } from "./org-refresh.js";
import { reconcileCommand } from "./reconcile.js";
import { reportCommand } from "./report.js";
import { EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, UsageError, type CliIo } from "./io.js";
import { USAGE } from "./usage.js";

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  "config check": configCheck,
  "grants list": grantsList,
  "grants revoke": grantsRevoke,
  "audit export": auditExport,
  "audit verify": auditVerify,
  "audit keygen": auditKeygen,
  "org refresh": orgRefresh,
  reconcile: reconcileCommand,
  report: reportCommand,
  migrate: migrateCommand,
};

async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.err(USAGE);
    return EXIT_USAGE;
  }
  if (argv.some((arg) => arg === "--help" || arg === "-h") || argv[0] === "help") {
    io.out(USAGE);
    return EXIT_OK;
  }
  const [first = "", second = ""] = argv;
  const single = COMMANDS[first];
  if (single) return single(argv.slice(1), io);
  const name = `${first} ${second}`.trim();
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`Unknown command "${name}".`);
  return command(argv.slice(2), io);
}

function describe(error: unknown): { message: string; code: number } {
  if (error instanceof UsageError) return { message: `${error.message}\nRun jit-admin --help for usage.`, code: EXIT_USAGE };
  if (error instanceof ConfigError || error instanceof StartupError || error instanceof NotFound) {
    return { message: error.message, code: EXIT_PROBLEM };
  }
  return { message: error instanceof Error ? (error.stack ?? error.message) : String(error), code: EXIT_PROBLEM };
}

// A reader that stops early (`jit-admin audit export | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? EXIT_OK);
});

/** Only the word "yes" confirms. */
async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim().toLowerCase() === "yes";
  } finally {
    prompt.close();
  }
}

loadDotEnv();
const io: CliIo = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  ...(process.stdin.isTTY ? { confirm } : {}),
};
run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { message, code } = describe(error);
    process.stderr.write(`jit-admin: ${message}\n`);
    process.exitCode = code;
  },
);
