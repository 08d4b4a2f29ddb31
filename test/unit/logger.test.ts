// Logs are JSON lines that never carry the bot token, the signing secret or the app-level token,
// whether we log them by mistake or the Slack SDKs print them at debug level.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LogLevel, WebClient } from "@slack/web-api";
import { createLogger } from "../../src/ops/logger.js";
import { boltLogger } from "../../src/slack/adapters/bolt-logger.js";
import { startFakeSlack, type FakeSlack } from "../../src/simulators/fake-slack.js";

const BOT_TOKEN = "xoxb-1111-2222-abcdefABCDEF";
const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const APP_TOKEN = "xapp-1-A0-3333-secretpart";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: "trace",
    secrets: [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN],
    destination: { write: (line: string) => lines.push(line) },
  });
  const output = () => lines.join("");
  return { logger, lines, output };
}

function assertClean(output: string): void {
  for (const secret of [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, "abcdefABCDEF", "secretpart"]) {
    assert.ok(!output.includes(secret), `the log contains ${secret}:\n${output}`);
  }
}

describe("createLogger", () => {
  it("writes one JSON object per line with the level, message and context", () => {
    const { logger, lines } = capture();
    logger.info({ grantId: "jit-abcd2345" }, "access requested");
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    assert.equal(line.level, 30);
    assert.equal(line.msg, "access requested");
    assert.equal(line.grantId, "jit-abcd2345");
  });

  it("redacts fields that hold secrets, at the top level and one level down", () => {
    const { logger, output } = capture();
    logger.info({ token: BOT_TOKEN, config: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, appToken: APP_TOKEN } }, "config");
    logger.info({ headers: { authorization: `Bearer ${BOT_TOKEN}` } }, "headers");
    assertClean(output());
    assert.match(output(), /"token":"\[redacted\]"/);
  });

  it("masks the configured secrets and token-shaped text wherever they appear in a line", () => {
    const { logger, output } = capture();
    logger.error({ err: `request failed: Authorization: Bearer ${BOT_TOKEN}` }, `secret is ${SIGNING_SECRET}`);
    logger.warn({ nested: { deeper: { value: `use ${APP_TOKEN}` } } }, "app token");
    logger.info({}, "some other workspace's token xoxb-999-888-zzz and a key AKIAABCDEFGHIJKLMNOP");
    assertClean(output());
    assert.ok(!output().includes("xoxb-999-888-zzz"));
    assert.ok(!output().includes("AKIAABCDEFGHIJKLMNOP"));
  });

  it("masks a secret even where JSON escaping changed how it is written", () => {
    const quoted = 'se"cret\\value-123';
    const lines: string[] = [];
    const logger = createLogger({ level: "info", secrets: [quoted], destination: { write: (line: string) => lines.push(line) } });
    logger.info({ value: quoted }, "quoted");
    assert.ok(!lines.join("").includes(JSON.stringify(quoted).slice(1, -1)), lines.join(""));
  });

  it("masks email addresses wherever they appear, but not a role session name inside an ARN", () => {
    const { logger, output } = capture();
    logger.info(
      { err: "No IAM Identity Center user has the email Alice.Smith+jit@example.co.uk." },
      "lookup failed for <bob@corp.example>",
    );
    logger.info({ callerArn: "arn:aws:sts::123456789012:assumed-role/jit/jit-slack@ip-10-0-0-1.ec2.internal" }, "connected");
    assert.ok(!output().includes("Alice.Smith+jit@example.co.uk") && !output().includes("bob@corp.example"), output());
    assert.match(output(), /the email \[email\]\./);
    assert.match(output(), /assumed-role\/jit\/jit-slack@ip-10-0-0-1\.ec2\.internal/);
  });

  it("leaves the bodies Bolt and the SDKs log out of the line, keeping its words", () => {
    const { logger, output } = capture();
    const slack = boltLogger(logger, LogLevel.DEBUG);
    slack.debug(`http request result: {"ok":true,"user":{"id":"U0ALICE","profile":{"real_name":"Alice Smith","phone":"+44 1234"}}}`);
    slack.debug("http request body:", { user: "U0ALICE", profile: { title: "CFO" } });
    slack.debug('Received a message on the WebSocket: [{"type":"slash_commands"}]');
    slack.debug("apiCall('users.info') start");
    for (const text of ["real_name", "Alice Smith", "+44 1234", "CFO", "slash_commands"])
      assert.ok(!output().includes(text), `the log contains ${text}`);
    assert.match(output(), /"msg":"http request result: \[body not logged\]"/);
    assert.match(output(), /"msg":"http request body: \[body not logged\]"/);
    assert.match(output(), /"msg":"Received a message on the WebSocket: \[body not logged\]"/);
    assert.match(output(), /apiCall\('users\.info'\) start/);
  });

  it("masks what Bolt and the SDKs log through bolt-logger, objects included", () => {
    const { logger, output } = capture();
    const slack = boltLogger(logger, LogLevel.DEBUG);
    slack.debug("http request headers:", { Authorization: `Bearer ${BOT_TOKEN}` });
    slack.debug(`Received a message on the WebSocket: {"token":"${APP_TOKEN}"}`);
    slack.info(new Error(`invalid signature; secret ${SIGNING_SECRET}`));
    assertClean(output());
  });
});

describe("the Web API client logging at debug level through bolt-logger", () => {
  let slack: FakeSlack;
  before(async () => {
    slack = await startFakeSlack({ botToken: BOT_TOKEN });
  });
  after(() => slack.close());

  it("never prints the bot token, in requests, headers or failures", async () => {
    const { logger, output } = capture();
    const client = new WebClient(BOT_TOKEN, {
      slackApiUrl: slack.apiUrl,
      logger: boltLogger(logger, LogLevel.DEBUG),
      retryConfig: { retries: 0 },
    });
    await client.auth.test();
    await client.chat.postMessage({ channel: "C0AUDIT", text: `the token is ${BOT_TOKEN}` });
    slack.failNext("chat.postMessage", { status: 500 });
    await assert.rejects(client.chat.postMessage({ channel: "C0AUDIT", text: "again", token: BOT_TOKEN }));
    assert.match(output(), /http request headers/, "the client did log at debug level");
    assertClean(output());
  });

  it("never prints the profile users.info answers with", async () => {
    slack.addUser({ id: "U0PROFILE", email: "pat@example.com", name: "pat" });
    const { logger, output } = capture();
    const client = new WebClient(BOT_TOKEN, {
      slackApiUrl: slack.apiUrl,
      logger: boltLogger(logger, LogLevel.DEBUG),
      retryConfig: { retries: 0 },
    });
    const answer = await client.users.info({ user: "U0PROFILE" });
    assert.equal(answer.user?.profile?.email, "pat@example.com");
    assert.match(output(), /http request result/);
    assert.ok(!output().includes("pat@example.com") && !output().includes("profile"), output());
  });
});
