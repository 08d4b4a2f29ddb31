// Entry point: load configuration, start the bot, stop cleanly on SIGTERM/SIGINT.
import { existsSync } from "node:fs";
import { startBot } from "./bot.js";
import { loadConfig } from "./config/env.js";
import { loadPolicySource } from "./config/policy-file.js";
import { ConfigError } from "./config/problems.js";
import { createLogger } from "./ops/logger.js";
import { warnOpenToOthers } from "./private-files.js";
import { StartupError } from "./startup-error.js";

const DOT_ENV = ".env";

/** `.env` in the working directory, if any; variables already set in the environment win. Says whether there was one. */
function loadDotEnv(): boolean {
  if (!existsSync(DOT_ENV)) return false;
  process.loadEnvFile(DOT_ENV);
  return true;
}

async function main(): Promise<void> {
  const dotEnv = loadDotEnv();
  const config = loadConfig(process.env);
  const policy = loadPolicySource(config.policyFile);
  const { botToken, signingSecret, appToken } = config.slack;
  const logger = createLogger({ level: config.logLevel, secrets: [botToken, signingSecret, appToken] });
  warnOpenToOthers(logger, [
    ...(dotEnv ? [{ path: DOT_ENV, holds: "holds the Slack tokens and signing secret" }] : []),
    { path: config.policyFile, holds: "decides who may get access and who approves" },
  ]);
  const bot = await startBot(config, policy, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal means "now": unfinished work is in SQLite and resumes at the next start.
      logger.warn({ signal }, "second signal; exiting without waiting");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    // stop() bounds each of its waits; this backstop covers a step that hangs anyway.
    setTimeout(
      () => {
        logger.error({ signal }, "shutdown did not finish in time; exiting");
        process.exit(1);
      },
      (config.ops.shutdownTimeoutSeconds + 30) * 1000,
    ).unref();
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: String(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`jit-slack cannot start. ${error.message}\n`);
  } else {
    process.stderr.write(`jit-slack cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
