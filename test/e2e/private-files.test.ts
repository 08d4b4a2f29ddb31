// Files that hold grants, the audit trail, tokens or the policy are the bot's user's only: the SQLite
// database and its -wal and -shm files are created 0600 (and made 0600 when found open), and the bot
// warns at start about a `.env` or policy file that others may read.
import assert from "node:assert/strict";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { afterEach, describe, it } from "node:test";
import { startChildBot, type ChildBot } from "../support/child-bot.js";
import { click, request, statusBecomes } from "../support/flows.js";
import { startTestBot, type TestBot } from "../support/in-process-bot.js";
import { people, startWorld, USES_POSTGRES, type World } from "../support/world.js";

const SQLITE_ONLY = USES_POSTGRES ? "the SQLite file's own permissions; PostgreSQL keeps no file of the bot's" : false;

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe("private files", () => {
  let world: World;
  let bot: TestBot | undefined;
  let child: ChildBot | undefined;

  afterEach(async () => {
    await bot?.stop();
    await child?.kill();
    bot = undefined;
    child = undefined;
    await world.close();
  });

  it("creates the SQLite database and its -wal and -shm files readable and writable by the bot's user only", {
    skip: SQLITE_ONLY,
  }, async () => {
    world = await startWorld();
    bot = await startTestBot(world);
    const requested = await request(bot, world, people.alice.slackId, "prod ReadOnlyAccess 1h file modes");
    await click(bot, people.bob.slackId, "jit_approve", requested);
    await statusBecomes(bot, requested.grantId, "active");
    for (const suffix of ["", "-wal", "-shm"]) assert.equal(modeOf(`${world.databaseFile}${suffix}`), "600", `jit.sqlite${suffix}`);
  });

  it("makes a database file left readable by others owner-only before opening it, and says so", { skip: SQLITE_ONLY }, async () => {
    world = await startWorld();
    writeFileSync(world.databaseFile, "");
    chmodSync(world.databaseFile, 0o644);
    bot = await startTestBot(world);
    assert.equal(modeOf(world.databaseFile), "600");
    const warned = bot.logger.lines.filter((line) => line.level === "warn" && line.message.includes(world.databaseFile));
    assert.equal(warned.length, 1);
    assert.match(warned[0]?.message ?? "", /was readable or writable by others \(mode 644\); it is now 600/);
  });

  it("warns once each at start when .env or the policy file is readable by others, and not once they are private", async () => {
    world = await startWorld();
    chmodSync(world.policyFile, 0o644);
    child = await startChildBot(world, {}, true);
    const warnings = () =>
      (child?.stdout() ?? "")
        .split("\n")
        .filter((line) => line.includes("readable or writable by others"))
        .map((line) => JSON.parse(line) as { level: number; file: string; mode: string; msg: string });
    assert.deepEqual(
      warnings().map(({ level, file, mode }) => ({ level, file, mode })),
      [
        { level: 40, file: ".env", mode: "644" },
        { level: 40, file: world.policyFile, mode: "644" },
      ],
    );
    assert.match(warnings()[0]?.msg ?? "", /holds the Slack tokens and signing secret: chmod 600 it/);
    await child.kill("SIGTERM");

    chmodSync(`${world.dir}/.env`, 0o600);
    chmodSync(world.policyFile, 0o600);
    child = await startChildBot(world, {}, true);
    assert.deepEqual(warnings(), []);
  });
});
