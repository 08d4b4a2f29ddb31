// Bolt and the Slack SDKs log through @slack/logger's interface; route that into our logger.
import { LogLevel, type Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../services/ports.js";

function text(parts: unknown[]): string {
  return parts.map((part) => (part instanceof Error ? part.message : typeof part === "string" ? part : JSON.stringify(part))).join(" ");
}

export function boltLogger(logger: Logger, level: LogLevel = LogLevel.INFO): SlackLogger {
  let current = level;
  let name = "slack";
  return {
    debug: (...parts: unknown[]) => logger.debug({ component: name }, text(parts)),
    info: (...parts: unknown[]) => logger.info({ component: name }, text(parts)),
    warn: (...parts: unknown[]) => logger.warn({ component: name }, text(parts)),
    error: (...parts: unknown[]) => logger.error({ component: name }, text(parts)),
    setLevel: (next: LogLevel) => {
      current = next;
    },
    getLevel: () => current,
    setName: (next: string) => {
      name = next;
    },
  };
}
