// The process's logger: one JSON object per line on stdout (pino). Secrets are kept out twice over:
// fields known to hold them are redacted by path, and every line is scrubbed of the configured
// secrets and of anything shaped like a Slack token, AWS key id or webhook URL before it is
// written, so text the Slack SDKs log at debug level cannot leak them either. People's email
// addresses are masked in every line too: logs go to more places, and are kept longer, than the
// audit trail, where an email belongs.
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import { REDACTED, redactSecrets } from "../audit/detail.js";

export type LogLevelName = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

const REDACT_PATHS = [
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "appToken",
  "*.appToken",
  "signingSecret",
  "*.signingSecret",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  '*.headers["x-slack-signature"]',
];

/**
 * An email address standing on its own (after a quote, space or `<`, not inside a path): an ARN's
 * role session name `…/jit-slack@host.example` is left as it is.
 */
const EMAIL = /(?<![\w.%+\-/@])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const EMAIL_MASK = "[email]";

/** Shorter values are not worth scrubbing literally: they would mangle ordinary words. */
const SHORTEST_SECRET = 8;

/** A function that masks `secrets` (as written, and as JSON-escaped), token-shaped text and email addresses in a line. */
function secretScrubber(secrets: readonly (string | undefined)[]): (line: string) => string {
  const literals = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < SHORTEST_SECRET) continue;
    literals.add(secret);
    literals.add(JSON.stringify(secret).slice(1, -1));
  }
  return (line) => {
    let masked = line;
    for (const literal of literals) {
      if (masked.includes(literal)) masked = masked.split(literal).join(REDACTED);
    }
    return redactSecrets(masked).replace(EMAIL, EMAIL_MASK);
  };
}

export interface LoggerOptions {
  readonly level: LogLevelName;
  /** Values never to print: the bot token, the signing secret, the app-level token. */
  readonly secrets: readonly (string | undefined)[];
  /** Where lines go; stdout (synchronously, so nothing is lost at exit) by default. */
  readonly destination?: { write(line: string): unknown };
}

export function createLogger(options: LoggerOptions): PinoLogger {
  const scrub = secretScrubber(options.secrets);
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  const stream: DestinationStream = { write: (line: string) => void out.write(scrub(line)) };
  return pino({ level: options.level, redact: { paths: REDACT_PATHS, censor: REDACTED } }, stream);
}
