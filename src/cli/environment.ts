// Configuration, logging and the database for admin commands, loaded the way the bot loads them.
import { existsSync } from "node:fs";
import { pino } from "pino";
import { loadConfig, type Config } from "../config/env.js";
import { systemClock } from "../domain/clock.js";
import { createLogger } from "../ops/logger.js";
import type { Logger } from "../services/ports.js";
import { openStore } from "../runtime.js";
import type { StoreBackend } from "../store/backend.js";
import { StartupError } from "../startup-error.js";

/** `.env` in the working directory, as src/main.ts reads it; variables already set win. */
export function loadDotEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

/** Warnings and errors as JSON lines on stderr, so stdout carries only the command's result. */
export function cliLogger(): Logger {
  return createLogger({ level: "warn", secrets: [], destination: pino.destination({ dest: 2, sync: true }) });
}

/**
 * Opens the bot's database. A SQLite file must exist: opening a mistyped path would create an empty
 * database and report on nothing. `source` names where the path came from, for the message.
 */
async function openExistingStore(file: string, source: string): Promise<StoreBackend> {
  if (file !== ":memory:" && !existsSync(file)) {
    throw new StartupError(
      `There is no database at ${source}=${file}. Run jit-admin where the bot runs, or name the file with --database.`,
    );
  }
  return openStore({ kind: "sqlite", file }, systemClock, cliLogger());
}

/** The database the bot is configured with: DATABASE_URL (PostgreSQL) or JIT_DATABASE_FILE. */
export async function openConfiguredStore(config: Config): Promise<StoreBackend> {
  return config.database.kind === "sqlite"
    ? openExistingStore(config.database.file, "JIT_DATABASE_FILE")
    : openStore(config.database, systemClock);
}

/** `--database <file>` (a SQLite file, needing no other configuration, e.g. a copy handed to an auditor), else the configured database. */
export async function openAdminStore(
  env: Readonly<Record<string, string | undefined>>,
  databaseOption: string | undefined,
): Promise<StoreBackend> {
  return databaseOption ? openExistingStore(databaseOption, "--database") : openConfiguredStore(loadConfig(env));
}
