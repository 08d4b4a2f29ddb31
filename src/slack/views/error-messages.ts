// The one place errors become words for the person in Slack.
import { isAppError } from "../../domain/errors.js";
import type { Logger } from "../../services/ports.js";
import { escapeMrkdwn } from "./escape.js";

const PREFIX = {
  InvalidInput: ":warning:",
  PolicyDenied: ":no_entry:",
  NotFound: ":mag:",
  Conflict: ":information_source:",
  ProviderError: ":x: AWS refused or failed:",
} as const;

export function userMessage(error: unknown, logger: Logger, context: object): string {
  if (isAppError(error)) return `${PREFIX[error.kind]} ${escapeMrkdwn(error.message)}`;
  logger.error({ ...context, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, "unexpected error");
  return ":x: Something went wrong on our side. The team running jit-slack can find the details in its logs.";
}
