// SIGTERM and SIGINT stop the bot cleanly: work in progress finishes (or, past the deadline, is
// parked for the next start), the audit channel gets what it has not received, and the process
// exits 0.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { auditRows, click, eventually, request, waitForDm } from "../support/flows.js";
import { pauseAt, type Pause } from "../support/pause.js";
import { people, PROD, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore } from "../support/world-store.js";

describe("graceful shutdown", () => {
  let world: World;
  const running: ChildBot[] = [];
  const pauses: Pause[] = [];

  beforeEach(async () => {
    world = await startWorld();
    // AWS applies a change once it accepts it, whether or not anyone asks for its status.
    world.aws.setInProgressPolls(0);
  });
  afterEach(async () => {
    pauses.splice(0).forEach((pause) => pause.release());
    await Promise.all(running.splice(0).map((bot) => bot.kill()));
    await world.close();
  });

  const start = async (env: Record<string, string> = {}) => {
    const bot = await startChildBot(world, env);
    running.push(bot);
    return bot;
  };
  const statusOf = async (grantId: string) => (await withWorldStore(world, (opened) => opened.store.get(grantId)))?.status;
  const logLines = (bot: ChildBot) =>
    bot
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; grants?: unknown });
  const aliceAdmin = () => ({
    accountId: PROD,
    permissionSetArn: world.permissionSets.AdministratorAccess,
    principalId: world.principals.alice,
  });

  it("finishes an approval whose AWS call is in flight at SIGTERM, then exits 0", async () => {
    const bot = await start({ JIT_SHUTDOWN_TIMEOUT_SECONDS: "10" });
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h shutdown test");
    const pause = pauseAt(world.aws, "CreateAccountAssignment");
    pauses.push(pause);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await pause.reached;

    const exited = bot.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(bot.process.exitCode, null, "still waiting for the approval to finish");
    pause.release();
    const started = Date.now();
    assert.equal(await exited, 0);
    assert.ok(Date.now() - started < 5_000);

    assert.equal(await statusOf(requested.grantId), "active");
    assert.ok(world.aws.hasAssignment(aliceAdmin()));
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.ok(
      (await auditRows(world)).every((row) => row.delivered),
      "the audit channel got every record before the exit",
    );
    const messages = logLines(bot).map((line) => line.msg);
    assert.ok(messages.includes("work in progress finished"), messages.join(" | "));
    assert.equal(messages.at(-1), "stopped");
  });

  it("parks an approval AWS has not answered by the deadline, exits 0, and the next start finishes it", async () => {
    const bot = await start({ JIT_SHUTDOWN_TIMEOUT_SECONDS: "1" });
    const requested = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h shutdown test");
    const pause = pauseAt(world.aws, "CreateAccountAssignment");
    pauses.push(pause);
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await pause.reached;

    const started = Date.now();
    assert.equal(await bot.kill("SIGTERM"), 0);
    assert.ok(Date.now() - started < 8_000, `exited after ${Date.now() - started} ms`);
    const parked = logLines(bot).find((line) => /parked in the database/.test(line.msg));
    assert.deepEqual(parked?.grants, [requested.grantId], "the log names the grant left half-done");
    assert.equal(await statusOf(requested.grantId), "provisioning");

    // AWS goes on to apply the creation it had accepted; the next start finds it instead of repeating it
    // (once the parked work's leases have lapsed, which a PostgreSQL replica waits out).
    pause.release();
    await deadBotLeasesRunOut(world);
    await start();
    await eventually(async () => (await statusOf(requested.grantId)) === "active", 10_000, "the grant to become active");
    await waitForDm(world, people.alice.slackId, /Access granted/);
    assert.equal(world.aws.assignments().length, 1);
    assert.equal(world.aws.callsOf("CreateAccountAssignment").length, 1);
  });

  it("on SIGINT with nothing in flight, posts what the audit channel has not received and exits 0 at once", async () => {
    const bot = await start();
    await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h shutdown test");
    const started = Date.now();
    assert.equal(await bot.kill("SIGINT"), 0);
    assert.ok(Date.now() - started < 5_000, `exited after ${Date.now() - started} ms, not after the 20 s allowed for work in progress`);
    assert.ok((await auditRows(world)).every((row) => row.delivered));
  });
});
