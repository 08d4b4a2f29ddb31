// What keeps the demo away from real systems: it refuses an environment that points the AWS SDK or
// Slack elsewhere, and it runs the bot with no AWS credentials, profiles or config files but its own.

/** Variables the AWS SDK reads on its own (endpoints, credentials, profiles, roles, config files). */
const AWS_VARIABLE = /^AWS_/;
/** Where the SDK or the bot would send calls: the AWS endpoints, global or per service, and Slack's API. */
const ENDPOINT_VARIABLE = /^(AWS_ENDPOINT_URL(_[A-Z0-9_]+)?|SLACK_API_URL)$/;

export class DemoRefused extends Error {}

/** The demo starts only when nothing in its environment names an endpoint: it sets every one itself. */
export function refuseForeignEndpoints(env: NodeJS.ProcessEnv): void {
  const named = Object.keys(env).filter((key) => ENDPOINT_VARIABLE.test(key) && env[key] !== undefined && env[key] !== "");
  if (named.length > 0) {
    throw new DemoRefused(
      `the demo talks only to its own simulators on 127.0.0.1, but ${named.map((key) => `${key}=${env[key]}`).join(", ")} ` +
        "would send calls elsewhere. Unset it and run npm run demo again.",
    );
  }
}

/** Every endpoint the bot's environment names must be one of the simulators, on the loopback address. */
export function checkSimulatorEndpoints(env: Readonly<Record<string, string | undefined>>, simulators: readonly string[]): void {
  for (const [key, value] of Object.entries(env)) {
    if (!ENDPOINT_VARIABLE.test(key) || value === undefined) continue;
    const url = new URL(value);
    if (url.hostname !== "127.0.0.1" || !simulators.some((simulator) => new URL(simulator).origin === url.origin)) {
      throw new DemoRefused(`${key}=${value} is not one of the demo's simulators`);
    }
  }
}

/**
 * Removes every AWS_* variable from `env` (keys, session tokens, profiles, roles, web identity) and
 * points the shared config and credentials files at empty ones, so no profile on this machine is read.
 */
export function withoutAwsCredentials(env: NodeJS.ProcessEnv, emptyFile: string): void {
  for (const key of Object.keys(env)) {
    if (AWS_VARIABLE.test(key)) delete env[key];
  }
  env.AWS_CONFIG_FILE = emptyFile;
  env.AWS_SHARED_CREDENTIALS_FILE = emptyFile;
}
