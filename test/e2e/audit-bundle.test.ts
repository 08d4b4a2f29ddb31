// Evidence for an audit period: `jit-admin audit export --bundle` writes the period's records, the
// checkpoints that cover them, the public key and a manifest; `jit-admin audit verify --bundle`
// checks it on another machine, with no database and no configuration, and catches a bundle whose
// records were changed, however carefully the changer re-hashed and re-signed.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sha256 } from "../../src/audit/bundle.js";
import { statementBytes } from "../../src/audit/checkpoint.js";
import { fileSigner, generateSigningKey, type CheckpointSigner } from "../../src/audit/signing-key.js";
import { auditRows, click, request, waitForDm } from "../support/flows.js";
import { startTestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { rehashRows } from "../support/tamper.js";
import type { AuditRow } from "../../src/store/audit-rows.js";
import { people, startWorld, type World } from "../support/world.js";

const HOUR_MS = 3_600_000;

describe("an evidence bundle for an audit period", () => {
  let world: World;
  let publicKey: string;
  /** Another machine: no .env, no database, nothing but the bundle and the public key. */
  let elsewhere: string;
  let until: string;
  let periodLast: number;
  let lastSeq: number;

  before(async () => {
    world = await startWorld();
    elsewhere = mkdtempSync(join(tmpdir(), "jit-auditor-"));
    const privateKey = join(world.dir, "audit-signing.pem");
    publicKey = join(elsewhere, "audit-signing.pub.pem");
    generateSigningKey(privateKey, publicKey);
    const bot = await startTestBot(world, {
      JIT_AUDIT_SIGNING_KEY_FILE: privateKey,
      JIT_AUDIT_CHECKPOINT_RECORDS: "100000",
      JIT_AUDIT_CHECKPOINT_MINUTES: "1440",
    });
    try {
      const first = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h INC-11 bundle");
      await click(bot, people.bob.slackId, "jit_approve", first);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      periodLast = (await auditRows(world)).at(-1)?.seq ?? 0;
      // The period ends in an hour; the day between checkpoints by age never passes, so the one
      // checkpoint is shutdown's, covering the records after the period too.
      until = new Date(Date.now() + HOUR_MS).toISOString();
      // Two hours on: after the period.
      bot.clock.advance(2 * HOUR_MS);
      await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 30m after the period");
    } finally {
      await bot.stop();
    }
    lastSeq = (await auditRows(world)).at(-1)?.seq ?? 0;
    assert.ok(lastSeq > periodLast);
  });

  after(async () => {
    await world.close();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const exportBundle = (target: string) =>
    jitAdmin(
      ["audit", "export", "--from", "2020-01-01", "--to", until, "--bundle", target, "--public-key", publicKey],
      world.env(),
      world.dir,
    );
  const verifyBundle = (target: string, ...extra: string[]) => jitAdmin(["audit", "verify", "--bundle", target, ...extra], {}, elsewhere);

  it("holds the period's records and those up to the checkpoint that covers them, and verifies with no database", async () => {
    const target = join(elsewhere, "q1");
    const exported = await exportBundle(target);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(
      exported.stderr,
      new RegExp(
        `Wrote a bundle to .*q1: records #1–#${periodLast} of the period, and #${periodLast + 1}–#${lastSeq} up to the checkpoint that covers them, 1 checkpoint, key ed25519:[0-9a-f]{16}\\.`,
      ),
    );
    const manifest = JSON.parse(readFileSync(join(target, "manifest.json"), "utf8")) as {
      periodRecords: unknown;
      sha256: { records: string };
    };
    assert.deepEqual(manifest.periodRecords, { first: 1, last: periodLast, count: periodLast });
    assert.equal(manifest.sha256.records, sha256(readFileSync(join(target, "records.jsonl"), "utf8")));

    const ran = await verifyBundle(target, "--public-key", publicKey);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(
      ran.stdout,
      new RegExp(`^Bundle: records #1–#${periodLast} of 2020-01-01T00:00:00.000Z to ${until}, exported \\S+ from `, "m"),
    );
    assert.match(ran.stdout, new RegExp(`^The audit trail is intact: ${lastSeq} records, #1 to #${lastSeq}`, "m"));
    assert.doesNotMatch(ran.stdout, /Not yet covered/);
  });

  it("comes as one file too, checked with the key inside it when none is given, naming that key", async () => {
    const target = join(elsewhere, "q1.jsonl");
    assert.equal((await exportBundle(target)).code, 0);
    const ran = await verifyBundle(target);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(
      ran.stdout,
      /^Checked with the public key inside the bundle \(ed25519:[0-9a-f]{16}\): compare with the key you were given/m,
    );
  });

  it("is refused when a record was changed and the manifest not", async () => {
    const target = join(elsewhere, "edited");
    await exportBundle(target);
    const file = join(target, "records.jsonl");
    writeFileSync(file, readFileSync(file, "utf8").replace('"actorId":"U0BOB"', '"actorId":"U0MALLORY"'));
    const ran = await verifyBundle(target, "--public-key", publicKey);
    assert.equal(ran.code, 1);
    assert.match(ran.stdout, /cannot be trusted as it is: its records do not match the manifest's SHA-256/);
  });

  it("catches a record rewritten with the chain re-hashed and the manifest redone", async () => {
    const target = join(elsewhere, "rehashed");
    await exportBundle(target);
    await rewriteBundle(target);
    const ran = await verifyBundle(target, "--public-key", publicKey);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      new RegExp(
        `tampered with at records #1–#${lastSeq}: the trail at #${lastSeq} does not match the checkpoint signed \\S+ \\(the bundle\\)`,
      ),
    );
  });

  it("catches a bundle re-signed with another key, given the key the auditor holds", async () => {
    const target = join(elsewhere, "resigned");
    await exportBundle(target);
    const forger = fileSigner(generateKeyPairSync("ed25519").privateKey);
    await rewriteBundle(target, forger);
    const ran = await verifyBundle(target, "--public-key", publicKey);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      new RegExp(
        `the checkpoint for #${lastSeq} in the bundle is not genuine: it names key ${forger.keyId}, which is not among the public keys given`,
      ),
    );
  });
});

/**
 * What someone holding a directory bundle can do: change the approver, re-hash the chain, and
 * (with a key of their own) re-sign the checkpoint and put their public key in; then redo the
 * manifest's hashes.
 */
async function rewriteBundle(dir: string, forger?: CheckpointSigner): Promise<void> {
  const recordsFile = join(dir, "records.jsonl");
  const rows = readFileSync(recordsFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const changed = rows.find((row) => row.actorId === "U0BOB");
  assert.ok(changed, "an approval to rewrite");
  changed.actorId = "U0MALLORY";
  const asStored = rows.map(
    (row) =>
      ({
        seq: row.seq,
        at: row.at,
        action: row.action,
        actor_id: row.actorId,
        grant_id: row.grantId,
        account_id: row.accountId,
        permission_set: row.permissionSet,
        detail: JSON.stringify(row.detail),
      }) as unknown as AuditRow,
  );
  // The bundle starts at record #1, so re-hashing from the genesis hash is the whole chain.
  const links = rehashRows(asStored);
  rows.forEach((row, i) => Object.assign(row, { prevHash: links[i]?.prevHash, hash: links[i]?.hash }));
  const recordsText = rows.map((row) => `${JSON.stringify(row)}\n`).join("");
  writeFileSync(recordsFile, recordsText);
  const manifestFile = join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { sha256: Record<string, string> };
  manifest.sha256.records = sha256(recordsText);
  if (forger) {
    const statement = { seq: Number(rows.at(-1)?.seq), hash: links.at(-1)?.hash ?? "", at: Date.now(), keyId: forger.keyId };
    const signature = (await forger.sign(statementBytes(statement))).toString("base64");
    const checkpointsText = `${JSON.stringify({ type: "checkpoint", ...statement, signature })}\n`;
    const pem = forger.publicKey.export({ type: "spki", format: "pem" }).toString();
    writeFileSync(join(dir, "checkpoints.jsonl"), checkpointsText);
    writeFileSync(join(dir, "public-keys.pem"), pem);
    manifest.sha256.checkpoints = sha256(checkpointsText);
    manifest.sha256.keys = sha256(pem);
  }
  writeFileSync(manifestFile, JSON.stringify(manifest));
}
