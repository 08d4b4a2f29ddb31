// Signed checkpoints against someone who can write the database but does not hold the key: the bot
// signs the chain's head, and `jit-admin audit verify --public-key` catches a rewritten and re-hashed
// record, a cut-off tail with the counters reset, a record deleted from the middle with the chain
// re-hashed, and a checkpoint forged without the key; a crash before a checkpoint loses nothing.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WebClient } from "@slack/web-api";
import { statementBytes } from "../../src/audit/checkpoint.js";
import { fileSigner } from "../../src/audit/signing-key.js";
import { startChildBot } from "../support/child-bot.js";
import { auditRows, click, deny, eventually, request, waitForDm } from "../support/flows.js";
import { startTestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { tamperedCopy, type TamperedCopy, type Tampering } from "../support/tamper.js";
import { AUDIT, people, startWorld, type World } from "../support/world.js";
import { deadBotLeasesRunOut, withWorldStore } from "../support/world-store.js";

const JUSTIFICATION = "INC-7 prod deploy";
/** Checkpoints only when a test asks (and at start and shutdown), so their places are known. */
const ONLY_WHEN_ASKED = { JIT_AUDIT_CHECKPOINT_RECORDS: "100000", JIT_AUDIT_CHECKPOINT_MINUTES: "1440" };

interface Keys {
  readonly privateFile: string;
  readonly publicFile: string;
}

async function keygen(world: World, name = "audit-signing"): Promise<Keys> {
  const privateFile = join(world.dir, `${name}.pem`);
  const ran = await jitAdmin(["audit", "keygen", "--out", privateFile], {}, world.dir);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, new RegExp(`Wrote the private key to .*${name}\\.pem \\(mode 0600\\)`));
  return { privateFile, publicFile: join(world.dir, `${name}.pub.pem`) };
}

const checkpointSeqs = (world: World) => withWorldStore(world, async (opened) => (await opened.checkpoints.all()).map((c) => c.seq));

describe("signed audit checkpoints", () => {
  let world: World;
  let keys: Keys;
  let approvedSeq: number;
  let lastSeq: number;
  let anchorFile: string;
  const copies: TamperedCopy[] = [];
  /** jit-admin audit verify with the public key, on the world's database or a tampered copy of it. */
  const verify = async (copy?: TamperedCopy, ...extra: string[]) =>
    jitAdmin(["audit", "verify", "--public-key", keys.publicFile, ...extra, ...(copy?.args ?? [])], world.env(copy?.env), world.dir);
  const tampered = async (name: string, tampering: Tampering) => {
    const copy = await tamperedCopy(world, name, tampering);
    copies.push(copy);
    return copy;
  };

  before(async () => {
    world = await startWorld();
    keys = await keygen(world);
    anchorFile = join(world.dir, "audit-anchor.jsonl");
    const bot = await startTestBot(world, {
      JIT_AUDIT_SIGNING_KEY_FILE: keys.privateFile,
      JIT_AUDIT_ANCHOR_FILE: anchorFile,
      ...ONLY_WHEN_ASKED,
    });
    try {
      const first = await request(bot, world, people.alice.slackId, `prod AdministratorAccess 1h ${JUSTIFICATION}`);
      assert.equal((await bot.bot.checkpoint())?.seq, 1);
      await click(bot, people.bob.slackId, "jit_approve", first);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      await bot.bot.checkpoint();
      const second = await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 30m look at logs");
      await deny(bot, world, people.bob.slackId, second);
      await waitForDm(world, people.alice.slackId, /denied/);
    } finally {
      await bot.stop();
    }
    const rows = await auditRows(world);
    approvedSeq = rows.find((row) => row.action === "approved")?.seq ?? 0;
    lastSeq = rows.at(-1)?.seq ?? 0;
    assert.equal(approvedSeq, 2);
  });

  after(async () => {
    await Promise.all(copies.splice(0).map((copy) => copy.drop()));
    await world.close();
  });

  it("are signed at the bot's shutdown, covering every record", async () => {
    const seqs = await checkpointSeqs(world);
    assert.equal(seqs[0], 1);
    assert.equal(seqs.at(-1), lastSeq, "the shutdown checkpoint covers the last record");
    const ran = await verify();
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, new RegExp(`^The audit trail is intact: ${lastSeq} records, #1 to #${lastSeq}; last hash [0-9a-f]{64}$`, "m"));
    assert.match(
      ran.stdout,
      new RegExp(
        `Checkpoints: ${seqs.length} genuine of ${seqs.length} found \\(key ed25519:[0-9a-f]{16} \\(.*audit-signing\\.pub\\.pem\\)\\); the newest covers #${lastSeq}`,
      ),
    );
    assert.doesNotMatch(ran.stdout, /Not yet covered/);
  });

  it("say plainly which records no checkpoint covers yet", async () => {
    const copy = await tampered("appended", {
      sql: `INSERT INTO audit_events (seq, at, action, actor_id, grant_id, account_id, permission_set, detail, prev_hash, hash)
            VALUES (${lastSeq + 1}, 0, 'drift_detected', 'system', '', '1', 'p', '{}', '', '')`,
      rehash: true,
    });
    const ran = await verify(copy);
    assert.equal(ran.code, 0, ran.stdout);
    assert.match(
      ran.stdout,
      new RegExp(
        `Not yet covered by any checkpoint: record #${lastSeq + 1} \\(1 record\\); whoever can write the database could still change it unseen`,
      ),
    );
  });

  it("catch a record whose approver and justification were rewritten and the whole chain re-hashed", async () => {
    const copy = await tampered("rewritten", {
      sql: `UPDATE audit_events SET actor_id = 'U0MALLORY', detail = replace(detail, '${JUSTIFICATION}', 'routine check') WHERE seq = ${approvedSeq}`,
      rehash: true,
    });
    const chainOnly = await jitAdmin(["audit", "verify", ...copy.args], world.env(copy.env), world.dir);
    assert.equal(chainOnly.code, 0, "the re-hashed chain holds by itself: only a checkpoint can tell");
    assert.match(chainOnly.stdout, /NOT checked: give the public key/);

    const ran = await verify(copy);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      new RegExp(
        `^The audit trail was tampered with at records #${approvedSeq}–#\\d+: the trail at #\\d+ does not match the checkpoint signed \\S+ \\(the database\\): one of records #${approvedSeq}–#\\d+ was changed, removed or inserted since it was signed\\.$`,
        "m",
      ),
    );
  });

  it("catch a tail cut off with the counters reset", async () => {
    const copy = await tampered("cut", { sql: `DELETE FROM audit_events WHERE seq > ${lastSeq - 2}`, rehash: true });
    const ran = await verify(copy);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      new RegExp(
        `tampered with at records #${lastSeq - 1}–#${lastSeq}: records #${lastSeq - 1}–#${lastSeq} are missing: the trail ends at #${lastSeq - 2}, but the checkpoint signed \\S+ \\(the database\\) vouches for records up to #${lastSeq} \\(cut off\\)`,
      ),
    );
  });

  it("catch a record deleted from the middle, the rest renumbered and re-hashed", async () => {
    const copy = await tampered("middle", {
      sql: `DELETE FROM audit_events WHERE seq = ${approvedSeq};
            UPDATE audit_events SET seq = seq + 1000000 WHERE seq > ${approvedSeq};
            UPDATE audit_events SET seq = seq - 1000001 WHERE seq > 1000000;`,
      rehash: true,
    });
    const ran = await verify(copy);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(ran.stdout, new RegExp(`^The audit trail was tampered with at records #${approvedSeq}–#\\d+: `, "m"));
    assert.match(
      ran.stdout,
      new RegExp(
        `the trail ends at #${lastSeq - 1}, but the checkpoint signed \\S+ \\(the database\\) vouches for records up to #${lastSeq} \\(cut off\\)`,
      ),
    );
  });

  it("catch a checkpoint forged without the key, over a rewritten trail whose genuine checkpoints were deleted", async () => {
    const forger = fileSigner(generateKeyPairSync("ed25519").privateKey);
    const rewrite = `UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = ${approvedSeq}; DELETE FROM audit_checkpoints WHERE seq >= ${approvedSeq};`;
    const rows = await auditRows(world);
    const honestKey = (await withWorldStore(world, (opened) => opened.checkpoints.latest()))?.keyId ?? "";
    // A checkpoint over the re-hashed head, claiming the bot's key but signed with another.
    const copy = await tampered("forged", { sql: rewrite, rehash: true });
    const head = await copy.head();
    const statement = { seq: head.seq, hash: head.hash, at: Date.now(), keyId: honestKey };
    const ownSignature = (await forger.sign(statementBytes(statement))).toString("base64");
    await copy.sql(
      `INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (${head.seq}, '${head.hash}', ${statement.at}, '${honestKey}', '${ownSignature}')`,
    );
    const ran = await verify(copy);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      new RegExp(`the checkpoint for #${head.seq} in the database is not genuine: its signature does not verify with key ${honestKey}`),
    );
    assert.match(ran.stdout, new RegExp(`Not yet covered by any checkpoint: records #${approvedSeq}–#${rows.length}`));
  });

  describe("with the anchor file's copy (--anchors file)", () => {
    it("holds every record and checkpoint as JSON lines, readable by its owner only", async () => {
      assert.equal(statSync(anchorFile).mode & 0o777, 0o600);
      const lines = readFileSync(anchorFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { type: string; seq: number });
      assert.deepEqual(
        lines.filter((line) => line.type === "record").map((line) => line.seq),
        Array.from({ length: lastSeq }, (_, i) => i + 1),
      );
      assert.deepEqual(
        lines.filter((line) => line.type === "checkpoint").map((line) => line.seq),
        await checkpointSeqs(world),
      );
      const botEnv = world.env({ JIT_AUDIT_SIGNING_KEY_FILE: keys.privateFile, JIT_AUDIT_ANCHOR_FILE: anchorFile });
      const ran = await jitAdmin(["audit", "verify", "--anchors", "file"], botEnv, world.dir);
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      assert.match(
        ran.stdout,
        /key ed25519:[0-9a-f]{16} \(JIT_AUDIT_SIGNING_KEY_FILE\)/,
        "where the bot runs, its own key's public half is used",
      );
      assert.match(ran.stdout, new RegExp(`^Copy in the anchor file .*audit-anchor\\.jsonl: ${lastSeq} records`, "m"));
    });

    it("names the record deleted from the middle, and takes a copy of the file handed over with --anchor-file", async () => {
      const copy = await tampered("middle-file", {
        sql: `DELETE FROM audit_events WHERE seq = ${approvedSeq};
              UPDATE audit_events SET seq = seq + 1000000 WHERE seq > ${approvedSeq};
              UPDATE audit_events SET seq = seq - 1000001 WHERE seq > 1000000;
              DELETE FROM audit_checkpoints;`,
        rehash: true,
      });
      const handedOver = join(world.dir, "anchor-copy.jsonl");
      copyFileSync(anchorFile, handedOver);
      const ran = await jitAdmin(
        ["audit", "verify", "--public-key", keys.publicFile, "--anchor-file", handedOver, ...copy.args],
        world.env(copy.env),
        world.dir,
      );
      assert.equal(ran.code, 1, ran.stdout + ran.stderr);
      assert.match(
        ran.stdout,
        new RegExp(
          `^The audit trail was tampered with at record #${approvedSeq}: record #${approvedSeq} differs from the copy in the anchor file .*anchor-copy\\.jsonl\\.$`,
          "m",
        ),
      );
      assert.match(
        ran.stdout,
        new RegExp(
          `record #${lastSeq} is missing: the trail ends at #${lastSeq - 1}, but the anchor file .* vouches for records up to #${lastSeq} \\(cut off\\)`,
        ),
      );
    });
  });

  describe("with the audit channel's copy (--anchors slack)", () => {
    it("agrees with the database, record by record and checkpoint by checkpoint", async () => {
      const ran = await verify(undefined, "--anchors", "slack");
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      const posted = (await checkpointSeqs(world)).length;
      assert.match(ran.stdout, new RegExp(`^Copy in the audit channel: ${lastSeq} records, ${posted} checkpoints\\.$`, "m"));
      assert.match(
        ran.stdout,
        new RegExp(`Checkpoints: ${2 * posted} genuine of ${2 * posted} found`),
        "each checkpoint is in the database and in the channel",
      );
    });

    it("names the very record that was rewritten and re-hashed", async () => {
      const copy = await tampered("rewritten-channel", {
        sql: `UPDATE audit_events SET actor_id = 'U0MALLORY', detail = replace(detail, '${JUSTIFICATION}', 'routine check') WHERE seq = ${approvedSeq}`,
        rehash: true,
      });
      const ran = await verify(copy, "--anchors", "slack");
      assert.equal(ran.code, 1, ran.stdout);
      assert.match(
        ran.stdout,
        new RegExp(
          `^The audit trail was tampered with at record #${approvedSeq}: record #${approvedSeq} differs from the copy in the audit channel\\.$`,
          "m",
        ),
      );
    });

    it("catches a rewrite and a cut-off tail with every checkpoint deleted from the database", async () => {
      const copy = await tampered("no-checkpoints", {
        sql: `UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = ${approvedSeq};
              DELETE FROM audit_events WHERE seq > ${lastSeq - 1};
              DELETE FROM audit_checkpoints;`,
        rehash: true,
      });
      const ran = await verify(copy, "--anchors", "slack");
      assert.equal(ran.code, 1, ran.stdout);
      assert.match(ran.stdout, new RegExp(`^The audit trail was tampered with at record #${approvedSeq}: `, "m"));
      assert.match(
        ran.stdout,
        new RegExp(
          `record #${lastSeq} is missing: the trail ends at #${lastSeq - 1}, but the audit channel vouches for records up to #${lastSeq} \\(cut off\\)`,
        ),
      );
      assert.match(
        ran.stdout,
        /the trail at #\d+ does not match the checkpoint signed \S+ \(the audit channel\)/,
        "the channel's checkpoints, genuine, hold against the database too",
      );
    });

    it("fails when an audit post was edited with the bot's token", async () => {
      const post = world.slack
        .messagesIn(AUDIT)
        .find((message) => (message.blocks ?? []).length > 0 && !JSON.stringify(message.blocks).includes("audit-checkpoint"));
      assert.ok(post);
      const client = new WebClient(world.slack.botToken, { slackApiUrl: world.slack.apiUrl });
      await client.chat.update({ channel: AUDIT, ts: post.ts, text: "nothing to see", blocks: post.blocks as never });
      const ran = await verify(undefined, "--anchors", "slack");
      assert.equal(ran.code, 1, "the bot never edits an audit post, so an edited one fails verification even when its hashes still match");
      assert.match(
        ran.stdout,
        /^The audit trail agrees with what vouches for it, but the copy in the audit channel was changed: the post of #1/m,
      );
      assert.match(
        ran.stdout,
        new RegExp(
          `TAMPERED: the post of #1.* \\(ts ${post.ts.replace(".", "\\.")}\\) was edited at ts \\S+: its copy may not be what was first posted`,
        ),
      );
    });
  });
});

describe("a crash between a record and its checkpoint", () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world.close();
  });

  it("loses neither: the next start signs what the dead bot left uncovered", async () => {
    const keys = await keygen(world);
    const env = { JIT_AUDIT_SIGNING_KEY_FILE: keys.privateFile, ...ONLY_WHEN_ASKED };
    const first = await startChildBot(world, env);
    const requested = await request(first, world, people.alice.slackId, `prod ReadOnlyAccess 1h ${JUSTIFICATION}`);
    await first.kill("SIGKILL");
    assert.deepEqual(await checkpointSeqs(world), [], "the bot died before any checkpoint");
    await deadBotLeasesRunOut(world);

    const second = await startChildBot(world, env);
    try {
      const covered = await eventually(async () => (await checkpointSeqs(world)).at(-1), 10_000, "a start-up checkpoint");
      const rows = await auditRows(world);
      assert.equal(covered, rows.at(-1)?.seq);
      assert.ok(
        rows.some((row) => row.grantId === requested.grantId && row.action === "requested"),
        "the record is still there",
      );
    } finally {
      await second.kill("SIGTERM");
    }
    const ran = await jitAdmin(["audit", "verify", "--public-key", keys.publicFile], world.env(), world.dir);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.doesNotMatch(ran.stdout, /Not yet covered/);
  });

  it("nor between a checkpoint and its copy: the next start copies what the anchor file missed", async () => {
    const keys = await keygen(world, "second-key");
    // The file's directory is not there yet: the checkpoint is stored, its copy fails.
    const anchorFile = join(world.dir, "later", "anchor.jsonl");
    const env = { JIT_AUDIT_SIGNING_KEY_FILE: keys.privateFile, JIT_AUDIT_ANCHOR_FILE: anchorFile, JIT_AUDIT_CHECKPOINT_RECORDS: "1" };
    const first = await startChildBot(world, env);
    await request(first, world, people.alice.slackId, `prod ReadOnlyAccess 1h ${JUSTIFICATION}`);
    const head = await eventually(async () => (await auditRows(world)).at(-1)?.seq, 5000, "a record");
    await eventually(async () => (await checkpointSeqs(world)).includes(head), 10_000, "a checkpoint of it");
    await first.kill("SIGKILL");
    assert.match(first.stdout(), /copying the audit trail to a sink failed; will retry/);
    await deadBotLeasesRunOut(world);

    mkdirSync(join(world.dir, "later"));
    const second = await startChildBot(world, env);
    try {
      const copied = await eventually(
        async () => {
          const lines = (() => {
            try {
              return readFileSync(anchorFile, "utf8").trim().split("\n");
            } catch {
              return [];
            }
          })();
          return lines.some((line) => line.includes('"type":"checkpoint"')) && lines;
        },
        10_000,
        "the anchor file filled",
      );
      const seqs = copied
        .map((line) => JSON.parse(line) as { type: string; seq: number })
        .filter((line) => line.type === "record")
        .map((line) => line.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
      );
      assert.ok(seqs.includes(head), "the record the dead bot signed is in the file");
    } finally {
      await second.kill("SIGTERM");
    }
  });
});
