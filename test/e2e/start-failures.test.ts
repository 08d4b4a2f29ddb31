// A start that fails part way closes what it had made before it gives up, as stop() closes all of
// it: the bot's process exits at once on a failed start, so anything still open or closing then is
// cut off (a Socket Mode connection without its close handshake, database connections mid-session).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { AttemptOutcome } from "../support/start-attempts.js";
import { startWorld, USES_POSTGRES, type World } from "../support/world.js";

const ATTEMPTS = fileURLToPath(new URL("../support/start-attempts.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** Runs the attempts in a process of their own, so nothing of the test's own is counted. */
function runAttempts(world: World, attempts: readonly { name: string; env: Record<string, string> }[]): Promise<AttemptOutcome[]> {
  const whole = attempts.map((attempt) => ({ name: attempt.name, env: world.env(attempt.env) }));
  const child = spawn(process.execPath, ["--import", TSX, ATTEMPTS, JSON.stringify(whole)], {
    cwd: world.dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...world.env() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the attempts exited with ${code}:\n${out}\n${err}`));
      else
        resolve(
          out
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as AttemptOutcome),
        );
    });
  });
}

describe("a start that fails part way", () => {
  let world: World;
  let taken: Server;
  let outcomes: AttemptOutcome[];
  const outcome = (name: string) => {
    const found = outcomes.find((candidate) => candidate.name === name);
    assert.ok(found, `no outcome for ${name}`);
    return found;
  };

  before(async () => {
    world = await startWorld();
    const key = world.aws.addKmsKey();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const takenPort = (taken.address() as { port: number }).port;
    outcomes = await runAttempts(world, [
      { name: "AWS", env: { JIT_AUDIT_KMS_KEY_ID: key.arn, JIT_IDENTITY_STORE_ID: "d-0000000000" } },
      { name: "database", env: { JIT_DATABASE_FILE: `${world.dir}/missing/dir/jit.sqlite` } },
      ...(USES_POSTGRES ? [{ name: "database role", env: { JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: "false" } }] : []),
      { name: "health port", env: { JIT_AUDIT_KMS_KEY_ID: key.arn, JIT_HEALTH_HOST: "192.0.2.1" } },
      { name: "health port in Socket Mode", env: { SLACK_APP_TOKEN: world.slack.appToken, JIT_HEALTH_HOST: "192.0.2.1" } },
      { name: "bot token", env: { SLACK_BOT_TOKEN: "xoxb-revoked" } },
      { name: "app token", env: { SLACK_APP_TOKEN: "xapp-revoked" } },
      { name: "Slack port", env: { PORT: String(takenPort) } },
      { name: "started and stopped", env: { JIT_AUDIT_KMS_KEY_ID: key.arn } },
      { name: "started and stopped in Socket Mode", env: { SLACK_APP_TOKEN: world.slack.appToken } },
    ]);
  });
  after(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    await world.close();
  });

  const failures: readonly [string, RegExp][] = [
    ["AWS", /JIT_IDENTITY_STORE_ID/],
    ["database", /Cannot open the database JIT_DATABASE_FILE=/],
    ["health port", /Cannot listen on JIT_HEALTH_HOST=192\.0\.2\.1/],
    ["health port in Socket Mode", /Cannot listen on JIT_HEALTH_HOST=192\.0\.2\.1/],
    ["bot token", /Slack did not accept SLACK_BOT_TOKEN/],
    ["app token", /Slack did not accept SLACK_APP_TOKEN/],
    ["Slack port", /Cannot listen on PORT=/],
  ];
  for (const [name, error] of failures) {
    it(`closes everything it had opened when the ${name} step fails, before it gives up`, () => {
      const failed = outcome(name);
      assert.match(failed.error ?? "(it started)", error);
      assert.deepEqual(failed.open, []);
    });
  }

  it("closes the database connections it had opened when the PostgreSQL role could alter the audit trail", {
    skip: !USES_POSTGRES && "PostgreSQL only",
  }, () => {
    const failed = outcome("database role");
    assert.match(failed.error ?? "(it started)", /could alter the audit trail/);
    assert.deepEqual(failed.open, []);
  });

  it("leaves nothing open once stopped, over HTTP and in Socket Mode", () => {
    for (const name of ["started and stopped", "started and stopped in Socket Mode"]) {
      const stopped = outcome(name);
      assert.equal(stopped.error, undefined);
      assert.deepEqual(stopped.open, [], name);
    }
  });
});
