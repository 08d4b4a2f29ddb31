// Runs the real bot (startBot, as main.ts does) inside the test process, with a clock the test moves.
import assert from "node:assert/strict";
import { afterEach, beforeEach } from "node:test";
import { startBot, type RunningBot } from "../../src/bot.js";
import { loadConfig } from "../../src/config/env.js";
import { loadPolicySource } from "../../src/config/policy-file.js";
import type { Clock } from "../../src/domain/clock.js";
import type { Logger } from "../../src/services/ports.js";
import { SlackDriver } from "../../src/simulators/slack-requests.js";
import { SIGNING_SECRET, startWorld, type World, type WorldSetup } from "./world.js";

export class TestClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly context: object;
}

export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(context: object, message: string) {
    this.lines.push({ level: "debug", message, context });
  }
  info(context: object, message: string) {
    this.lines.push({ level: "info", message, context });
  }
  warn(context: object, message: string) {
    this.lines.push({ level: "warn", message, context });
  }
  error(context: object, message: string) {
    this.lines.push({ level: "error", message, context });
  }
  errors(): LogLine[] {
    return this.lines.filter((line) => line.level === "error");
  }
}

export interface TestBot {
  readonly bot: RunningBot;
  readonly driver: SlackDriver;
  readonly clock: TestClock;
  readonly logger: RecordingLogger;
  /** Waits until the work every request so far started (after its ack too) has finished: where a test waits out what a refused request might have done. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The SDKs read AWS_* from process.env themselves, as they do in production. */
export async function startTestBot(world: World, env: Record<string, string> = {}): Promise<TestBot> {
  const fullEnv = world.env(env);
  for (const [key, value] of Object.entries(fullEnv)) {
    if (key.startsWith("AWS_")) process.env[key] = value;
  }
  const config = loadConfig(fullEnv);
  const policy = loadPolicySource(config.policyFile);
  const clock = new TestClock();
  const logger = new RecordingLogger();
  return testBot(world, await startBot(config, policy, logger, clock), clock, logger);
}

/** A started bot with what a test drives and reads it by. */
export function testBot(world: World, bot: RunningBot, clock: TestClock, logger: RecordingLogger): TestBot {
  const driver = new SlackDriver({ url: `http://127.0.0.1:${bot.port}/slack/events`, secret: SIGNING_SECRET, fake: world.slack });
  const settled = async () => assert.ok(await bot.settled(10_000), "the bot's work in progress did not finish within 10 s");
  return { bot, driver, clock, logger, settled, stop: () => bot.stop() };
}

/** Gives each test in the enclosing suite its own fake Slack, fake AWS and freshly started bot. */
export function freshBotForEachTest(
  use: (world: World, bot: TestBot) => void,
  env: Record<string, string> = {},
  policy?: string,
  setup?: WorldSetup,
): void {
  let running: { world: World; bot: TestBot } | undefined;
  beforeEach(async () => {
    const world = await startWorld(policy, setup);
    const bot = await startTestBot(world, env);
    running = { world, bot };
    use(world, bot);
  });
  afterEach(async () => {
    await running?.bot.stop();
    await running?.world.close();
    running = undefined;
  });
}
