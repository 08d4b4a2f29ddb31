// /healthz, /readyz and /metrics: on a port of their own (loopback unless opened), the Slack port
// answering only ok or not ok; readiness names each dependency and answers 503 with an error code
// when the database, AWS or Slack does not work, the error's text going to the log only.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, renameSync } from "node:fs";
import { afterEach, describe, it } from "node:test";
import { createServer } from "node:net";
import { networkInterfaces } from "node:os";
import Database from "better-sqlite3";
import { FAKE_DEFAULTS } from "../../src/simulators/fake-slack.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { databaseName, superuser, TEST_SERVER_URL } from "../support/test-database.js";
import { startWorld, USES_POSTGRES, type World } from "../support/world.js";

interface Readyz {
  status: string;
  checks: Record<string, { ok: boolean; ms: number; checkedAt: string; error?: string }>;
}

async function get(port: number | undefined, path: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && !address.internal && address.family === "IPv4")?.address;
}

/** What the log says about a failing check: its detail, which /readyz itself never shows. */
function loggedFailure(bot: TestBot, check: string): string {
  const line = bot.logger.lines.find(
    (candidate) => candidate.level === "warn" && (candidate.context as { check?: string }).check === check,
  );
  return String((line?.context as { err?: unknown } | undefined)?.err ?? "");
}

async function readyz(bot: TestBot): Promise<{ status: number; body: Readyz }> {
  const answer = await get(bot.bot.healthPort, "/readyz");
  assert.equal(answer.type, "application/json");
  return { status: answer.status, body: JSON.parse(answer.body) as Readyz };
}

const SQLITE_ONLY = USES_POSTGRES ? "SQLite file specific: the PostgreSQL leg checks the database its own way below" : false;
const POSTGRES_ONLY = USES_POSTGRES ? false : "PostgreSQL specific: runs in the suite's PostgreSQL leg";

/** The world's PostgreSQL database name; only tests skipped on SQLite ask for it. */
function postgresDatabase(world: World): string {
  assert.equal(world.database.kind, "postgres");
  return world.database.kind === "postgres" ? databaseName(world.database.url) : "";
}

/** Ends every session on the world's database, so the bot's pool reconnects with the database's current settings. */
async function endSessions(world: World): Promise<void> {
  await superuser(TEST_SERVER_URL ?? "", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [
    postgresDatabase(world),
  ]);
}

describe("health and readiness", () => {
  let world: World;
  let bot: TestBot | undefined;

  const start = async (env: Record<string, string> = {}) => {
    world = await startWorld();
    bot = await startTestBot(world, env);
    return bot;
  };
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await world.close();
  });

  it("in HTTP mode, serves /readyz and /metrics on a port of their own, and only ok or not ok on the Slack port", async () => {
    const running = await start();
    assert.notEqual(running.bot.healthPort, running.bot.port);
    assert.deepEqual(await get(running.bot.port, "/healthz"), { status: 200, type: "application/json", body: '{"status":"ok"}' });
    assert.deepEqual(await get(running.bot.port, "/readyz"), { status: 200, type: "application/json", body: '{"status":"ready"}' });
    assert.equal((await get(running.bot.port, "/metrics")).status, 404);
    assert.deepEqual(await get(running.bot.healthPort, "/healthz"), { status: 200, type: "application/json", body: '{"status":"ok"}' });
    assert.match((await get(running.bot.healthPort, "/metrics")).body, /^# HELP /m);
    const ready = await readyz(running);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, "ready");
    assert.deepEqual(Object.keys(ready.body.checks).sort(), ["aws", "database", "session-fence", "slack"]);
    for (const check of Object.values(ready.body.checks)) {
      assert.equal(check.ok, true);
      assert.equal(typeof check.ms, "number");
      assert.ok(!Number.isNaN(Date.parse(check.checkedAt)));
    }
  });

  it("on the Slack port, says not ready without naming the check or its error", async () => {
    const running = await start();
    world.aws.failNext("ListPermissionSets", {
      code: "AccessDeniedException",
      message: "User: arn:aws:sts::111122223333:assumed-role/jit/x is not authorized",
      status: 400,
    });
    assert.deepEqual(await get(running.bot.port, "/readyz"), { status: 503, type: "application/json", body: '{"status":"not ready"}' });
  });

  it("listens for /readyz and /metrics on loopback only, unless JIT_HEALTH_HOST opens it", {
    skip: outsideAddress() === undefined ? "no address but loopback on this machine" : false,
  }, async () => {
    const running = await start();
    const outside = outsideAddress() ?? "";
    await assert.rejects(fetch(`http://${outside}:${running.bot.healthPort}/metrics`), "nothing answers on the machine's other addresses");
    assert.equal((await get(running.bot.healthPort, "/metrics")).status, 200);
    await running.stop();
    bot = undefined;
    await world.close();

    const opened = await start({ JIT_HEALTH_HOST: "0.0.0.0" });
    assert.equal((await fetch(`http://${outside}:${opened.bot.healthPort}/metrics`)).status, 200);
  });

  it("serves everything on the Slack port when JIT_HEALTH_PORT names PORT", async () => {
    const port = String(await freePort());
    const running = await start({ PORT: port, JIT_HEALTH_PORT: port });
    assert.equal(running.bot.healthPort, running.bot.port);
    assert.equal(running.bot.port, Number(port));
    assert.equal((await readyz(running)).body.status, "ready");
    assert.deepEqual(Object.keys((await readyz(running)).body.checks).sort(), ["aws", "database", "session-fence", "slack"]);
    assert.match((await get(running.bot.port, "/metrics")).body, /^# HELP /m);
  });

  it("asks AWS and Slack at most once per few seconds however often it is probed", async () => {
    const running = await start();
    const before = { aws: world.aws.callsOf("ListPermissionSets").length, slack: world.slack.callsOf("auth.test").length };
    await Promise.all([readyz(running), readyz(running), readyz(running)]);
    await readyz(running);
    assert.equal(world.aws.callsOf("ListPermissionSets").length - before.aws, 1);
    assert.equal(world.slack.callsOf("auth.test").length - before.slack, 1);
  });

  it("answers 503 naming AWS and its error code, never AWS's text, when AWS refuses the bot's credentials", async () => {
    const running = await start();
    const text =
      "User: arn:aws:sts::111122223333:assumed-role/jit-slack/jit-slack@bot-host is not authorized to perform: sso:ListPermissionSets";
    world.aws.failNext("ListPermissionSets", { code: "AccessDeniedException", message: text, status: 400 });
    const answer = await get(running.bot.healthPort, "/readyz");
    const ready = { status: answer.status, body: JSON.parse(answer.body) as Readyz };
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, "not ready");
    assert.equal(ready.body.checks.aws?.ok, false);
    assert.equal(ready.body.checks.aws?.error, "AccessDeniedException");
    for (const leak of ["111122223333", "jit-slack@bot-host", "assumed-role", "not authorized"])
      assert.ok(!answer.body.includes(leak), `the answer shows ${leak}`);
    assert.match(
      loggedFailure(running, "aws"),
      /ListPermissionSets failed: AccessDeniedException: User: arn:aws:sts::111122223333/,
      "the log has the detail",
    );
    assert.equal(ready.body.checks.database?.ok, true);
    assert.equal(ready.body.checks.slack?.ok, true);
  });

  it("answers 503 within its timeout when AWS does not answer", async () => {
    const running = await start();
    world.aws.setLatency(5_000, "ListPermissionSets");
    const started = Date.now();
    const ready = await readyz(running);
    assert.ok(Date.now() - started < 3_000, "the probe does not wait for AWS");
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.aws?.error, "timeout");
    assert.match(loggedFailure(running, "aws"), /no answer within 2000 ms/);
  });

  it("answers 503 naming Slack when auth.test fails", async () => {
    const running = await start();
    world.slack.failNext("auth.test", { error: "invalid_auth" });
    const ready = await readyz(running);
    assert.equal(ready.status, 503);
    assert.deepEqual(Object.fromEntries(Object.entries(ready.body.checks).map(([name, check]) => [name, check.error ?? "ok"])), {
      database: "ok",
      aws: "ok",
      "session-fence": "ok",
      slack: "invalid_auth",
    });
    assert.match(loggedFailure(running, "slack"), /auth\.test failed: .*invalid_auth/);
  });

  it("answers 503 naming the database when its file is made read-only, and recovers when it is writable again", {
    skip: SQLITE_ONLY,
  }, async () => {
    const running = await start();
    const file = world.databaseFile;
    chmodSync(file, 0o444);
    try {
      const ready = await readyz(running);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.database?.error, "read_only");
      assert.match(loggedFailure(running, "database"), /jit\.sqlite is read-only \(mode 444\)/);
    } finally {
      chmodSync(file, 0o644);
    }
    running.clock.advance(1_000);
    assert.equal((await readyz(running)).status, 200);
  });

  it("answers 503 naming the database when its file is replaced under the running bot", { skip: SQLITE_ONLY }, async () => {
    const running = await start();
    const file = world.databaseFile;
    copyFileSync(file, `${file}.restored`);
    renameSync(`${file}.restored`, file);
    const ready = await readyz(running);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.database?.error, "file_replaced");
    assert.match(loggedFailure(running, "database"), /no longer the file the bot opened \(replaced or moved\); restart the bot/);
  });

  it("answers 503 naming the database when another process holds its write lock", { skip: SQLITE_ONLY }, async () => {
    const running = await start();
    const other = new Database(world.databaseFile);
    other.exec("BEGIN IMMEDIATE");
    try {
      const ready = await readyz(running);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.database?.error, "SQLITE_BUSY");
      assert.match(loggedFailure(running, "database"), /database is locked/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("answers 503 naming the database when PostgreSQL sessions turn read-only, and recovers when they are writable again", {
    skip: POSTGRES_ONLY,
  }, async () => {
    const running = await start();
    const name = postgresDatabase(world);
    await superuser(TEST_SERVER_URL ?? "", `ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    await endSessions(world);
    try {
      const ready = await readyz(running);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.database?.error, "read_only");
      assert.match(loggedFailure(running, "database"), /PostgreSQL sessions are read-only/);
    } finally {
      await superuser(TEST_SERVER_URL ?? "", `ALTER DATABASE ${name} RESET default_transaction_read_only`);
      await endSessions(world);
    }
    running.clock.advance(1_000);
    assert.equal((await readyz(running)).status, 200);
  });

  it("answers 503 naming the database when it is dropped under the running bot", { skip: POSTGRES_ONLY }, async () => {
    const running = await start();
    await superuser(TEST_SERVER_URL ?? "", `DROP DATABASE ${postgresDatabase(world)} WITH (FORCE)`);
    const ready = await readyz(running);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.database?.error, "3D000");
    assert.match(loggedFailure(running, "database"), /database "jit_test_\w+" does not exist/);
    assert.equal(ready.body.checks.aws?.ok, true);
  });

  it("in Socket Mode, serves them on a port of its own", async () => {
    const running = await start({ SLACK_APP_TOKEN: FAKE_DEFAULTS.appToken });
    assert.equal(running.bot.port, undefined);
    assert.equal(typeof running.bot.healthPort, "number");
    assert.equal((await get(running.bot.healthPort, "/healthz")).status, 200);
    assert.equal((await readyz(running)).status, 200);
    assert.match((await get(running.bot.healthPort, "/metrics")).body, /^# HELP /m);
    assert.equal((await get(running.bot.healthPort, "/slack/events")).status, 404);
  });

  it("in HTTP mode with JIT_HEALTH_PORT naming a port, serves them there", async () => {
    const port = await freePort();
    const running = await start({ JIT_HEALTH_PORT: String(port) });
    assert.equal(running.bot.healthPort, port);
    assert.equal((await get(port, "/readyz")).status, 200);
    assert.equal((await get(port, "/metrics")).status, 200);
    assert.equal((await get(running.bot.port, "/metrics")).status, 404);
  });
});
