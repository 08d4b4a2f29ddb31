// Starts the playground: the Slack and AWS simulators on 127.0.0.1, the sample organisation, and
// the real bot (loadConfig, loadPolicySource and startBot, as src/main.ts runs it) against them,
// with SQLite in a temporary folder; then the page that shows and drives it all.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBot } from "../bot.js";
import { loadConfig } from "../config/env.js";
import { loadPolicySource } from "../config/policy-file.js";
import { createLogger } from "../ops/logger.js";
import { awsClientEnv, startFakeAws } from "../simulators/fake-aws.js";
import { startFakeSlack } from "../simulators/fake-slack.js";
import { SlackDriver } from "../simulators/slack-requests.js";
import { DEMO_AUDIT_CHANNEL, DEMO_POLICY, seedOrganisation } from "./organisation.js";
import { checkSimulatorEndpoints, refuseForeignEndpoints, withoutAwsCredentials } from "./safety.js";
import { startDemoServer } from "./server.js";

export interface RunningDemo {
  readonly url: string;
  /** The bot's own Slack port (127.0.0.1 only, like every port the demo opens). */
  readonly botPort: number | undefined;
  stop(): Promise<void>;
}

export async function startDemo(options: { port: number }): Promise<RunningDemo> {
  refuseForeignEndpoints(process.env);
  const dir = mkdtempSync(join(tmpdir(), "jit-slack-demo-"));
  const emptyFile = join(dir, "no-aws-config");
  writeFileSync(emptyFile, "");
  withoutAwsCredentials(process.env, emptyFile);

  const slack = await startFakeSlack();
  const aws = await startFakeAws();
  const names = seedOrganisation(slack, aws);
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, DEMO_POLICY);
  const signingSecret = randomBytes(24).toString("hex");
  const env: Record<string, string> = {
    ...awsClientEnv(aws),
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: "0",
    JIT_HTTP_HOST: "127.0.0.1",
    JIT_POLICY_FILE: policyFile,
    JIT_DATABASE_FILE: join(dir, "jit.sqlite"),
    JIT_AUDIT_CHANNEL: DEMO_AUDIT_CHANNEL,
    JIT_ACCESS_PORTAL_URL: "https://portal.demo.invalid/start",
    JIT_SWEEP_INTERVAL_SECONDS: "1",
    JIT_AWS_POLL_INTERVAL_MS: "200",
    JIT_HEALTH_PORT: "0",
    JIT_HEALTH_HOST: "127.0.0.1",
    LOG_LEVEL: "error",
  };
  checkSimulatorEndpoints(env, [aws.url, slack.url]);
  // The SDK clients read AWS_* from the process's environment themselves, as in production.
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith("AWS_")) process.env[key] = value;
  }
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, secrets: [config.slack.botToken, signingSecret] });
  const bot = await startBot(config, loadPolicySource(config.policyFile), logger);
  const driver = new SlackDriver({ url: `http://127.0.0.1:${bot.port}/slack/events`, secret: signingSecret, fake: slack });
  const server = await startDemoServer({
    port: options.port,
    slack,
    aws,
    driver,
    grants: bot.deps.store,
    fence: bot.deps.sessionFence.entries,
    names,
  });
  return {
    url: server.url,
    botPort: bot.port,
    async stop() {
      await server.close();
      await bot.stop();
      await Promise.all([slack.close(), aws.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
