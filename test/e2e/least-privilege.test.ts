// Least privilege for the audit trail. On PostgreSQL the tables' owner migrates and the bot runs as a
// role that can only append to and read the audit trail: it refuses to start as a role that could
// alter it, and works fully as one that cannot. On SQLite the files are its owner's alone.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import pg from "pg";
import { generateSigningKey } from "../../src/audit/signing-key.js";
import { click, deny, eventually, request, waitForDm } from "../support/flows.js";
import { startTestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { superuser, TEST_SERVER_URL } from "../support/test-database.js";
import { people, startWorld, USES_POSTGRES, type World } from "../support/world.js";
import { withWorldStore } from "../support/world-store.js";

const POSTGRES_ONLY = USES_POSTGRES ? false : "PostgreSQL specific: runs in the suite's PostgreSQL leg";
const SQLITE_ONLY = USES_POSTGRES ? "SQLite specific: runs in the suite's SQLite leg" : false;

/** The world's database as `role` reaches it. */
function urlAs(world: World, role: string): string {
  if (world.database.kind !== "postgres") throw new Error("a PostgreSQL world");
  const url = new URL(world.database.url);
  url.username = role;
  return url.toString();
}

/** Runs one statement as `role`; resolves with the error message, or "ok". */
async function attempt(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
    return "ok";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end();
  }
}

describe("least privilege on PostgreSQL", { skip: POSTGRES_ONLY }, () => {
  let world: World;
  const suffix = randomBytes(4).toString("hex");
  const owner = `jit_owner_${suffix}`;
  const runtime = `jit_bot_${suffix}`;

  before(async () => {
    world = await startWorld();
    const database = new URL(urlAs(world, "postgres")).pathname.slice(1);
    await superuser(
      TEST_SERVER_URL ?? "",
      `CREATE ROLE ${owner} LOGIN; CREATE ROLE ${runtime} LOGIN; ALTER DATABASE ${database} OWNER TO ${owner}`,
    );
  });

  after(async () => {
    await world?.close();
    await superuser(TEST_SERVER_URL ?? "", `DROP ROLE IF EXISTS ${runtime}; DROP ROLE IF EXISTS ${owner}`);
  });

  it("refuses to start as the tables' owner, naming what the role could do and how to fix it", async () => {
    await assert.rejects(startTestBot(world, { DATABASE_URL: urlAs(world, owner) }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `^The PostgreSQL role in DATABASE_URL could alter the audit trail: the role ${owner} owns audit_checkpoints \\(or is a member of its owner\\), so it can drop or disable the append-only triggers; `,
        ),
      );
      assert.match(error.message, /owns audit_events .*; .*owns audit_head/);
      assert.match(
        error.message,
        /DATABASE_MIGRATION_URL or jit-admin migrate; or set JIT_ALLOW_PRIVILEGED_DATABASE_ROLE=true to start anyway\.$/,
      );
      return true;
    });
  });

  it("refuses to start as a superuser unless told to", async () => {
    await assert.rejects(startTestBot(world, { DATABASE_URL: urlAs(world, "postgres") }), /the role postgres is a superuser\./);
    const allowed = await startTestBot(world, { DATABASE_URL: urlAs(world, "postgres"), JIT_ALLOW_PRIVILEGED_DATABASE_ROLE: "true" });
    await allowed.stop();
    assert.ok(
      allowed.logger.lines.some(
        (line) => line.level === "warn" && /is a superuser; allowed by JIT_ALLOW_PRIVILEGED_DATABASE_ROLE=true/.test(line.message),
      ),
    );
  });

  it("says before the first start, through jit-admin migrate, that a role of its own cannot alter the trail", async () => {
    const asOwner = await jitAdmin(["migrate"], world.env({ DATABASE_URL: urlAs(world, owner) }), world.dir);
    assert.equal(asOwner.code, 1, asOwner.stdout + asOwner.stderr);
    assert.match(asOwner.stdout, /The bot would refuse to start: the role jit_owner_\w+ owns audit_checkpoints/);

    const split = await jitAdmin(
      ["migrate"],
      world.env({ DATABASE_URL: urlAs(world, runtime), DATABASE_MIGRATION_URL: urlAs(world, owner) }),
      world.dir,
    );
    assert.equal(split.code, 0, split.stdout + split.stderr);
    assert.match(
      split.stdout,
      /is at schema version \d+, migrated as DATABASE_MIGRATION_URL's role, which granted DATABASE_URL's role what the bot needs\./,
    );
    assert.match(split.stdout, /The bot's database role cannot alter the audit trail\./);
  });

  it("runs every step as a role that may only append to and read the audit trail, which refuses that role any change to it", async () => {
    const key = join(world.dir, "audit-signing.pem");
    generateSigningKey(key, undefined);
    const bot = await startTestBot(world, {
      DATABASE_URL: urlAs(world, runtime),
      DATABASE_MIGRATION_URL: urlAs(world, owner),
      JIT_AUDIT_SIGNING_KEY_FILE: key,
    });
    try {
      const first = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h least privilege");
      await click(bot, people.bob.slackId, "jit_approve", first);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      const second = await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 30m look");
      await deny(bot, world, people.bob.slackId, second);
      await waitForDm(world, people.alice.slackId, /denied/);
      await eventually(
        async () => (await withWorldStore(world, (opened) => opened.outbox.undelivered(1))).length === 0,
        8000,
        "the audit outbox delivered",
      );
    } finally {
      await bot.stop();
    }
    assert.deepEqual(bot.logger.errors(), []);
    const [records, checkpoint] = await withWorldStore(world, async (opened) => [
      await opened.audit.head(),
      await opened.checkpoints.latest(),
    ]);
    assert.equal(checkpoint?.seq, records?.seq, "the shutdown checkpoint was signed and stored");

    const as = urlAs(world, runtime);
    assert.equal(
      await attempt(as, "UPDATE audit_events SET delivered_at = delivered_at WHERE seq = 1"),
      "ok",
      "the delivery mark is the bot's to set",
    );
    for (const sql of [
      "INSERT INTO fence_entries (principal_id, account_id, permission_set, fenced_at, lift_at, grant_id) SELECT 'p-alice', account_id, permission_set, 1, 2, id FROM grants LIMIT 1",
      "UPDATE fence_entries SET lift_at = 3",
      "SELECT * FROM fence_entries",
      "DELETE FROM fence_entries",
    ]) {
      assert.equal(await attempt(as, sql), "ok", `the session fence's entries are the bot's to keep: ${sql}`);
    }
    for (const sql of [
      "UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = 1",
      "UPDATE audit_events SET detail = '{}' WHERE seq = 1",
      "DELETE FROM audit_events WHERE seq = 1",
      "TRUNCATE audit_events",
      "UPDATE audit_checkpoints SET hash = hash",
      "DELETE FROM audit_checkpoints",
      "DELETE FROM audit_head",
    ]) {
      assert.match(await attempt(as, sql), /^permission denied for table audit_/, sql);
    }
    for (const sql of [
      "DROP TRIGGER audit_events_no_update ON audit_events",
      "ALTER TABLE audit_events DISABLE TRIGGER USER",
      "DROP FUNCTION refuse_audit_change() CASCADE",
    ]) {
      assert.match(await attempt(as, sql), /^must be owner of (relation|table|function) /, sql);
    }
    assert.match(
      await attempt(as, "CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"),
      /^permission denied for schema public$/,
    );
    assert.match(
      await attempt(as, "SET session_replication_role = replica"),
      /^permission denied to set parameter "session_replication_role"$/,
    );
    assert.match(await attempt(as, "UPDATE audit_head SET seq = 0"), /audit_head only moves forward/);
  });
});

describe("least privilege on SQLite", { skip: SQLITE_ONLY }, () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world.close();
  });

  it("creates the database file and its journal readable and writable by their owner only", async () => {
    const bot = await startTestBot(world);
    try {
      assert.equal(statSync(world.databaseFile).mode & 0o777, 0o600);
      assert.equal(statSync(`${world.databaseFile}-wal`).mode & 0o777, 0o600);
    } finally {
      await bot.stop();
    }
    assert.ok(!bot.logger.lines.some((line) => /may be read or written by group or others/.test(line.message)));
  });

  it("makes a database file others may read or write owner-only at start, and warns", async () => {
    chmodSync(world.databaseFile, 0o644);
    const bot = await startTestBot(world);
    await bot.stop();
    assert.equal(statSync(world.databaseFile).mode & 0o777, 0o600);
    assert.ok(
      bot.logger.lines.some(
        (line) =>
          line.level === "warn" &&
          line.message === `the database file ${world.databaseFile} was readable or writable by others (mode 644); it is now 600`,
      ),
    );
  });
});
