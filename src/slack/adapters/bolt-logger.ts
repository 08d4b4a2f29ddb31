// Bolt and the Slack SDKs log through @slack/logger's interface; route that into our logger.
// What they log at debug level includes whole request and response bodies (a users.info answer is a
// person's profile: email, name, phone, title), so those bodies are left out: a line keeps its words
// up to the first JSON object or array, and an object passed as a part is not printed at all.
import { LogLevel, type Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../../services/ports.js";

export const BODY_OMITTED = "[body not logged]";

/** From the first `{"`, `[{` or `["` on: where a serialized body starts in the SDKs' messages. */
const SERIALIZED = /(\{\s*"|\[\s*[{["]).*$/s;

function words(part: unknown): string {
  if (part instanceof Error) return part.message.replace(SERIALIZED, BODY_OMITTED);
  if (typeof part === "string") return part.replace(SERIALIZED, BODY_OMITTED);
  if (typeof part === "number" || typeof part === "boolean") return String(part);
  return BODY_OMITTED;
}

function text(parts: unknown[]): string {
  return parts.map(words).join(" ");
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
