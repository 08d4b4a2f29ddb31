// jit-admin as operators run it: a child process in its own working directory, against a database
// the bot filled through real Slack flows, with fake Slack and fake AWS still listening for revocations.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { auditRows, click, deny, eventually, request, waitForDm } from "../support/flows.js";
import { jitAdmin, type Ran } from "../support/jit-admin.js";
import { tamperedCopy, type TamperedCopy } from "../support/tamper.js";
import { startTestBot } from "../support/in-process-bot.js";
import { databaseUrl, TEST_SERVER_URL } from "../support/test-database.js";
import { DEFAULT_POLICY, people, PROD, SANDBOX, SIGNING_SECRET, startWorld, USES_POSTGRES, type World } from "../support/world.js";
import { worldSql } from "../support/world-store.js";

/** Spreadsheet formula, commas and quotes: everything a CSV export must survive. */
const JUSTIFICATION = '=HYPERLINK("http://evil.example","INC-42"), "quoted"';

const scratchDirs: string[] = [];
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "jit-admin-"));
  scratchDirs.push(dir);
  return dir;
}

describe("jit-admin", () => {
  let world: World;
  let active: string;
  let denied: string;
  const copies: TamperedCopy[] = [];
  const run = (...args: string[]) => jitAdmin(args, world.env(), world.dir);

  before(async () => {
    world = await startWorld();
    const bot = await startTestBot(world);
    try {
      const first = await request(bot, world, people.alice.slackId, `prod AdministratorAccess 2h ${JUSTIFICATION}`);
      await click(bot, people.bob.slackId, "jit_approve", first);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      active = first.grantId;
      const second = await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 30m look at logs");
      await deny(bot, world, people.bob.slackId, second);
      await waitForDm(world, people.alice.slackId, /denied/);
      denied = second.grantId;
    } finally {
      await bot.stop();
    }
  });

  after(async () => {
    await Promise.all(copies.splice(0).map((copy) => copy.drop()));
    await world.close();
    for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe("config check", () => {
    it("passes the bot's configuration, read from .env as the bot reads it, without printing secrets", async () => {
      const scratch = scratchDir();
      writeFileSync(
        join(scratch, ".env"),
        Object.entries(world.env())
          .map(([key, value]) => `${key}=${value}`)
          .join("\n"),
      );
      const ran = await jitAdmin(["config", "check"], {}, scratch);
      assert.equal(ran.code, 0, ran.stderr);
      const database = USES_POSTGRES ? "PostgreSQL postgres://\\S+/jit_test_\\w+" : "SQLite .*jit\\.sqlite";
      assert.match(ran.stdout, new RegExp(`^Environment: OK \\(HTTP on port 0; database ${database}; audit channel C0AUDIT\\)$`, "m"));
      assert.match(ran.stdout, /^Policy .*policy\.yaml: OK \(2 accounts, 2 permission sets, 1 rule\)$/m);
      assert.ok(!ran.stdout.includes(SIGNING_SECRET) && !ran.stdout.includes(world.slack.botToken));
    });

    it("names every problem in the environment and the policy, and exits 1", async () => {
      const policyFile = join(world.dir, "broken-policy.yaml");
      writeFileSync(policyFile, DEFAULT_POLICY.replace("maxDuration: 4h", "maxDuration: forever"));
      const env = world.env({ JIT_AUDIT_CHANNEL: "#audit", JIT_POLICY_FILE: policyFile });
      delete (env as Record<string, string | undefined>).SLACK_BOT_TOKEN;
      const ran = await jitAdmin(["config", "check"], env, world.dir);
      assert.equal(ran.code, 1);
      assert.match(ran.stdout, /Environment: 2 problems/);
      assert.match(ran.stdout, /- SLACK_BOT_TOKEN: required/);
      assert.match(ran.stdout, /- JIT_AUDIT_CHANNEL: must be a Slack channel id/);
      assert.match(ran.stdout, /broken-policy\.yaml: 1 problem\n {2}- rules\[0\]\.maxDuration: "forever" is not a duration/);

      const json = await jitAdmin(["config", "check", "--json"], env, world.dir);
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stdout) as { ok: boolean; environment: { problems: string[] }; policy: { problems: string[] } };
      assert.equal(report.ok, false);
      assert.equal(report.environment.problems.length, 2);
      assert.equal(report.policy.problems.length, 1);
      assert.match(report.policy.problems[0] ?? "", /^rules\[0\]\.maxDuration: "forever" is not a duration/);
    });

    it("checks the policy at the default path even when the environment is empty", async () => {
      const ran = await jitAdmin(["config", "check"], {}, scratchDir());
      assert.equal(ran.code, 1);
      assert.match(ran.stdout, /Policy policy\.yaml: 1 problem\n {2}- cannot be read/);
    });
  });

  describe("usage", () => {
    it("exits 2 with a pointer to --help for an unknown command, option or missing argument", async () => {
      for (const args of [
        ["grants", "frobnicate"],
        ["audit", "verify", "--bogus"],
        ["grants", "revoke"],
        ["audit", "export", "--format", "xml"],
        ["audit", "export", "--since", "yesterday"],
      ]) {
        const ran = await run(...args);
        assert.equal(ran.code, 2, `${args.join(" ")}: ${ran.stderr}`);
        assert.match(ran.stderr, /Run jit-admin --help for usage/, args.join(" "));
        assert.equal(ran.stdout, "");
      }
    });

    it("prints help with exit 0 when asked", async () => {
      const ran = await run("--help");
      assert.equal(ran.code, 0);
      assert.match(ran.stdout, /grants revoke <grant-id>/);
    });
  });

  describe("grants list", () => {
    it("lists every grant, or with --active only those holding access", async () => {
      const all = await run("grants", "list");
      assert.equal(all.code, 0, all.stderr);
      assert.match(
        all.stdout,
        new RegExp(`${active}\\s+active\\s+U0ALICE \\(alice@example\\.com\\)\\s+${PROD}\\s+AdministratorAccess\\s+2h`),
      );
      assert.match(all.stdout, new RegExp(`${denied}\\s+denied`));

      const onlyActive = await run("grants", "list", "--active", "--json");
      assert.equal(onlyActive.code, 0);
      const grants = JSON.parse(onlyActive.stdout) as Array<{ id: string; status: string; decidedBy: string }>;
      assert.deepEqual(
        grants.map((g) => [g.id, g.status, g.decidedBy]),
        [[active, "active", people.bob.slackId]],
      );
    });

    it("exits 1 naming the file when the database does not exist", async () => {
      const ran = await jitAdmin(["grants", "list"], world.env({ JIT_DATABASE_FILE: join(world.dir, "nope.sqlite") }), world.dir);
      assert.equal(ran.code, 1);
      assert.match(ran.stderr, /There is no database at JIT_DATABASE_FILE=.*nope\.sqlite/);
    });

    it("exits 1 naming the database when PostgreSQL has no such database", {
      skip: USES_POSTGRES ? false : "PostgreSQL specific: runs in the suite's PostgreSQL leg",
    }, async () => {
      const ran = await jitAdmin(
        ["grants", "list"],
        world.env({ DATABASE_URL: databaseUrl(TEST_SERVER_URL ?? "", "jit_nope") }),
        world.dir,
      );
      assert.equal(ran.code, 1);
      assert.match(ran.stderr, /Cannot open the database DATABASE_URL: .*database "jit_nope" does not exist/);
    });
  });

  describe("audit export", () => {
    it("writes every record as CSV, formula-safe, with the chain hashes", async () => {
      const ran = await run("audit", "export", "--since", "2020-01-01", "--format", "csv");
      assert.equal(ran.code, 0, ran.stderr);
      const lines = ran.stdout.split("\r\n").filter(Boolean);
      assert.match(lines[0] ?? "", /^seq,time,action,actor,actor_email,grant_id,/);
      assert.equal(lines.length - 1, (await auditRows(world)).length);
      const approved = lines.find((line) => line.includes(",approved,"));
      assert.match(approved ?? "", new RegExp(`,approved,U0BOB,bob@example\\.com,${active},${PROD},AdministratorAccess,`));
      assert.ok(
        ran.stdout.includes(`,"'=HYPERLINK(""http://evil.example"",""INC-42""), ""quoted""",`),
        "the formula is defused and quoted",
      );
      assert.ok(!/(^|,)"?=/m.test(ran.stdout), "no cell starts with a formula");
      assert.match(ran.stderr, /Exported \d+ audit records/);
    });

    it("writes JSON to a file, and nothing from before --since", async () => {
      const out = join(world.dir, "audit.json");
      const ran = await run("audit", "export", "--format", "json", "--output", out);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(ran.stdout, "");
      assert.equal(statSync(out).mode & 0o777, 0o600, "the export is readable by its owner only");
      const records = JSON.parse(readFileSync(out, "utf8")) as Array<{
        seq: number;
        action: string;
        actorId: string;
        detail: Record<string, unknown>;
        hash: string;
      }>;
      assert.deepEqual(
        records.map((r) => r.seq),
        (await auditRows(world)).map((r) => r.seq),
      );
      const requested = records.find((r) => r.action === "requested");
      assert.equal(requested?.detail.justification, JUSTIFICATION);
      assert.equal(requested?.detail.actorEmail, people.alice.email);

      const future = await run("audit", "export", "--format", "json", "--since", "2999-01-01");
      assert.deepEqual(JSON.parse(future.stdout), []);
    });

    it("makes an existing file it overwrites readable by its owner only", async () => {
      const out = join(world.dir, "review.csv");
      writeFileSync(out, "an older export");
      chmodSync(out, 0o644);
      const ran = await run("audit", "export", "--output", out);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      assert.match(readFileSync(out, "utf8"), /^seq,time,action,/);
    });
  });

  describe("audit verify", () => {
    /** A jit-admin that reads a copy of the bot's database tampered with as `sql` says. */
    async function tampered(name: string, sql: string): Promise<(...args: string[]) => Promise<Ran>> {
      const copy = await tamperedCopy(world, name, { sql });
      copies.push(copy);
      return (...args) => jitAdmin([...args, ...copy.args], world.env(copy.env), world.dir);
    }

    it("finds the bot's trail intact", async () => {
      const ran = await run("audit", "verify");
      assert.equal(ran.code, 0, ran.stderr);
      const count = (await auditRows(world)).length;
      assert.match(ran.stdout, new RegExp(`^The audit trail is intact: ${count} records, #1 to #${count}; last hash [0-9a-f]{64}$`, "m"));
      const json = await run("audit", "verify", "--json");
      assert.equal((JSON.parse(json.stdout) as { ok: boolean; records: number }).records, count);
    });

    it("names an edited record", async () => {
      const verify = await tampered("edited", "UPDATE audit_events SET detail = replace(detail, 'INC-42', 'routine') WHERE seq = 1");
      const ran = await verify("audit", "verify");
      assert.equal(ran.code, 1);
      assert.match(ran.stdout, /broken at record #1: its content does not match its hash \(edited after it was written\)/);
    });

    it("names an approval whose approver was changed", async () => {
      const verify = await tampered("approver", "UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE action = 'approved'");
      const seq = (await auditRows(world)).find((row) => row.action === "approved")?.seq;
      const ran = await verify("audit", "verify", "--json");
      assert.equal(ran.code, 1);
      const report = JSON.parse(ran.stdout) as { ok: boolean; chain: unknown; problems: unknown[] };
      assert.equal(report.ok, false);
      assert.deepEqual(report.chain, {
        ok: false,
        intactRecords: (seq ?? 0) - 1,
        firstBad: { seq, problem: "its content does not match its hash (edited after it was written)" },
      });
      assert.deepEqual(report.problems, [
        { firstSeq: seq, lastSeq: seq, problem: `record #${seq}: its content does not match its hash (edited after it was written)` },
      ]);
    });

    it("names the record after a deleted one", async () => {
      const verify = await tampered("deleted", "DELETE FROM audit_events WHERE seq = 2");
      const ran = await verify("audit", "verify");
      assert.equal(ran.code, 1);
      assert.match(ran.stdout, /broken at record #3: expected record #2 here, found #3: record #2 is missing \(deleted\)/);
    });

    it("names the first of two reordered records", async () => {
      const verify = await tampered(
        "reordered",
        "UPDATE audit_events SET seq = 1000000 WHERE seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 1000000;",
      );
      const ran = await verify("audit", "verify");
      assert.equal(ran.code, 1);
      assert.match(ran.stdout, /broken at record #2: /);
    });

    it("names the end of a trail whose last records were deleted", async () => {
      const count = (await auditRows(world)).length;
      const verify = await tampered("truncated", `DELETE FROM audit_events WHERE seq > ${count - 2}`);
      const ran = await verify("audit", "verify");
      assert.equal(ran.code, 1);
      assert.match(
        ran.stdout,
        new RegExp(`broken at record #${count - 1}: the database issued records up to #${count} but the trail ends at #${count - 2}`),
      );
    });
  });

  describe("grants revoke", () => {
    it("refuses a grant that is not active, and one that does not exist, with exit 1", async () => {
      const notActive = await run("grants", "revoke", denied, "--as", "ops-erin");
      assert.equal(notActive.code, 1);
      assert.match(
        notActive.stderr,
        new RegExp(`Grant ${denied} is denied; only a grant approved, being granted, active or being revoked`),
      );
      const missing = await run("grants", "revoke", "jit-nothere", "--as", "ops-erin");
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /There is no grant jit-nothere/);
      assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 0);
    });

    it("removes the assignment in AWS through the bot's path, tells the requester, and audits the admin", async () => {
      const target = { accountId: PROD, permissionSetArn: world.permissionSets.AdministratorAccess, principalId: world.principals.alice };
      assert.ok(world.aws.hasAssignment(target));
      const ran = await run("grants", "revoke", active, "--as", "ops-erin");
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(
        ran.stdout,
        new RegExp(`Revoked ${active}: the AWS assignment was removed \\(request \\S+\\)\\. Audited as cli:ops-erin\\.`),
      );

      assert.equal(world.aws.hasAssignment(target), false);
      assert.equal(world.aws.callsOf("DeleteAccountAssignment").length, 1);
      await waitForDm(world, people.alice.slackId, /has ended/);

      const rows = await auditRows(world, active);
      assert.deepEqual(rows.map((r) => r.action).slice(-2), ["revocation_started", "revoked"]);
      const started = rows.at(-2);
      assert.equal(started?.actorId, "cli:ops-erin");
      assert.equal(started?.detail.reason, "admin");
      assert.equal(started?.detail.osUser, userInfo().username, "the OS user who ran it, whatever --as said");
      assert.equal(started?.detail.host, hostname());
      assert.equal(rows.at(-1)?.detail.assignmentRemoved, true);

      const verified = await run("audit", "verify");
      assert.equal(verified.code, 0, "the chain still holds after the CLI appended to it");

      const again = await run("grants", "revoke", active, "--as", "ops-erin", "--json");
      assert.equal(again.code, 1);
      assert.deepEqual(JSON.parse(again.stdout), {
        ok: false,
        grantId: active,
        status: "revoked",
        error: `Grant ${active} is revoked; only a grant approved, being granted, active or being revoked can be revoked.`,
      });
    });
  });

  describe("grants revoke, before the grant is active", () => {
    it("cancels a grant approved but not yet granted in AWS, creating nothing, and audits the admin", async () => {
      // AWS fails the user lookup for one whole attempt, so the approved grant waits for the sweep.
      world.aws.failNext("GetUserId", { code: "InternalServerException", message: "try later", status: 500 }, 5);
      const bot = await startTestBot(world);
      let grantId: string;
      try {
        const requested = await request(bot, world, people.alice.slackId, "sandbox AdministratorAccess 1h while AWS is down");
        await click(bot, people.bob.slackId, "jit_approve", requested);
        await eventually(
          async () => bot.logger.lines.some((line) => line.message.startsWith("provisioning interrupted")),
          8000,
          "the interrupted attempt",
        );
        grantId = requested.grantId;
      } finally {
        await bot.stop();
      }
      const creates = world.aws.callsOf("CreateAccountAssignment").length;

      const ran = await run("grants", "revoke", grantId, "--as", "ops-erin");
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, new RegExp(`Cancelled ${grantId} before anything was created in AWS\\. Audited as cli:ops-erin\\.`));
      const last = (await auditRows(world, grantId)).at(-1);
      assert.equal(last?.action, "cancelled");
      assert.equal(last?.actorId, "cli:ops-erin");
      assert.equal(last?.detail.status, "cancelled");
      assert.equal(world.aws.callsOf("CreateAccountAssignment").length, creates);
      await waitForDm(world, people.alice.slackId, /withdrawn by a jit-slack admin/);
    });
  });

  describe("reconcile", () => {
    it("finds no drift while the grants and AWS agree", async () => {
      const ran = await run("reconcile", "--dry-run");
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /No drift: the grants and AWS agree/);
    });

    it("reports an assignment the bot left behind on a dry run (exit 1), and deletes it on a real run", async () => {
      // A grant recorded as failed although AWS went on to create its assignment.
      const target = { accountId: SANDBOX, permissionSetArn: world.permissionSets.ReadOnlyAccess, principalId: world.principals.alice };
      world.aws.addAssignment(target);
      await worldSql(world, "UPDATE grants SET status = 'failed', principal_id = ? WHERE id = ?", [world.principals.alice, denied]);
      await worldSql(
        world,
        `INSERT INTO operations (grant_id, kind, account_id, permission_set, principal_id, state, request_id, created_at, updated_at)
         VALUES (?, 'create', ?, 'ReadOnlyAccess', ?, 'succeeded', 'req-late', ?, ?)`,
        [denied, SANDBOX, world.principals.alice, Date.now(), Date.now()],
      );

      const dry = await run("reconcile", "--dry-run", "--json");
      assert.equal(dry.code, 1);
      const report = JSON.parse(dry.stdout) as { orphans: Array<{ accountId: string; principalId: string }>; missing: unknown[] };
      assert.deepEqual(
        report.orphans.map((o) => [o.accountId, o.principalId]),
        [[SANDBOX, world.principals.alice]],
      );
      assert.deepEqual(report.missing, []);
      assert.ok(world.aws.hasAssignment(target), "a dry run deletes nothing");

      const real = await run("reconcile");
      assert.equal(real.code, 0, real.stderr);
      assert.match(real.stdout, /outlived their grant \(deleted\)/);
      assert.equal(world.aws.hasAssignment(target), false);
      assert.ok((await auditRows(world, denied)).some((r) => r.action === "orphan_removed"));
    });
  });
});
