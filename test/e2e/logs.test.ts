// Logs are JSON lines that carry grant ids and never the bot token, the signing secret, the
// app-level token, nor anyone's email or Slack profile, even at LOG_LEVEL=trace, where Bolt and
// the Slack SDKs log every request.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SocketDriver } from "../../src/simulators/slack-requests.js";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { click, request, waitForDm } from "../support/flows.js";
import { AUDIT, people, SIGNING_SECRET, startWorld, type World } from "../support/world.js";

interface LogLine {
  level: number;
  msg: string;
  grantId?: string;
}

describe("logs", () => {
  let world: World;
  let bot: ChildBot | undefined;

  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await bot?.kill();
    bot = undefined;
    await world.close();
  });

  const secrets = () => [world.slack.botToken, world.slack.appToken, SIGNING_SECRET];
  const parsed = (child: ChildBot): LogLine[] =>
    child
      .stdout()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as LogLine);

  function assertNoSecrets(child: ChildBot): void {
    const output = child.stdout() + child.stderr();
    for (const secret of secrets()) assert.ok(!output.includes(secret), `the logs contain ${secret}`);
  }

  it("in HTTP mode at trace level: JSON lines with grant ids, and no secret, through a whole grant and its failures", async () => {
    bot = await startChildBot(world, { LOG_LEVEL: "trace" });
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h logging test");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await waitForDm(world, people.alice.slackId, /Access granted/);
    world.slack.failNext("auth.test", { error: "invalid_auth" });
    assert.equal((await fetch(`http://127.0.0.1:${bot.healthPort}/readyz`)).status, 503);
    assert.equal((await fetch(`http://127.0.0.1:${bot.healthPort}/metrics`)).status, 200);
    assert.equal(await bot.kill("SIGTERM"), 0);

    const lines = parsed(bot);
    assert.ok(
      lines.some((line) => line.level === 10 || line.level === 20),
      "Bolt and the SDKs did log at debug level",
    );
    assert.ok(lines.some((line) => line.msg === "access requested" && line.grantId === requested.grantId));
    assertNoSecrets(bot);
  });

  for (const level of ["debug", "trace"]) {
    it(`at ${level} level: no email address and no Slack profile, through a request, an approval and the audit feed`, async () => {
      bot = await startChildBot(world, { LOG_LEVEL: level });
      const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h no profiles in logs");
      await click(bot, people.bob.slackId, "jit_approve", requested);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      await world.slack.waitFor(() => world.slack.messagesIn(AUDIT).length > 0, 5_000, "the audit feed posted");
      assert.equal(await bot.kill("SIGTERM"), 0);

      const output = bot.stdout() + bot.stderr();
      assert.ok(world.slack.callsOf("users.info").length > 0, "the bot did look people up");
      assert.ok(
        parsed(bot).some((line) => /http request result/.test(line.msg)),
        "the Web API client did log its answers",
      );
      for (const person of Object.values(people)) assert.ok(!output.includes(person.email), `the logs contain ${person.email}`);
      assert.doesNotMatch(output, /[\w.+-]+@example\.com/);
      assert.doesNotMatch(output, /"profile"|real_name|display_name/, "no part of a profile");
    });
  }

  it("in Socket Mode at trace level: no secret, the app-level token included", async () => {
    bot = await startChildBot(world, { LOG_LEVEL: "trace", SLACK_APP_TOKEN: world.slack.appToken });
    await world.slack.waitForSocket(5_000);
    const slack = new SocketDriver({ fake: world.slack });
    const sent = await slack.command(people.alice.slackId, "request prod ReadOnlyAccess 1h socket logging test");
    await sent.waitForResponse();
    assert.equal((await fetch(`http://127.0.0.1:${bot.healthPort}/readyz`)).status, 200);
    assert.equal(await bot.kill("SIGTERM"), 0);
    assert.ok(
      parsed(bot).some((line) => /WebSocket/.test(line.msg)),
      "the Socket Mode client did log its traffic",
    );
    assertNoSecrets(bot);
  });
});
