// Signed checkpoints: the statement (a storage format), signatures that only the key can make, the
// key file kept private, and the checkpointer that signs the chain's head on its cadence.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { checkSignature, keyring, parseCheckpoint, publicKeyFrom, statementBytes, type Checkpoint } from "../../src/audit/checkpoint.js";
import { Checkpointer } from "../../src/audit/checkpointer.js";
import { fileSigner, generateSigningKey, loadSigningKey, type CheckpointSigner } from "../../src/audit/signing-key.js";
import type { AuditSink } from "../../src/audit/sinks.js";
import type { StoredAuditRecord } from "../../src/domain/audit-event.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/sqlite/database.js";
import { SqliteCheckpoints } from "../../src/store/sqlite/checkpoints.js";
import { SqliteStore } from "../../src/store/sqlite/grant-store.js";
import { RecordingLogger } from "../support/in-process-bot.js";
import { FakeClock } from "../support/store-fixtures.js";
import { rehashSqlite } from "../support/tamper.js";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const dir = mkdtempSync(join(tmpdir(), "jit-checkpoint-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const signer = fileSigner(generateKeyPairSync("ed25519").privateKey);
const keys = keyring([signer]);

async function signed(seq: number, hash = "a".repeat(64), with_: CheckpointSigner = signer): Promise<Checkpoint> {
  const statement = { seq, hash, at: T0, keyId: with_.keyId };
  return { ...statement, signature: (await with_.sign(statementBytes(statement))).toString("base64") };
}

describe("the checkpoint statement", () => {
  it("is fixed text, one field a line, that any tool can rebuild", () => {
    assert.equal(
      statementBytes({ seq: 42, hash: "b".repeat(64), at: T0, keyId: "ed25519:0123456789abcdef" }).toString("utf8"),
      `jit-slack audit checkpoint v1\nseq 42\nhash ${"b".repeat(64)}\nat ${T0}\nkey ed25519:0123456789abcdef\n`,
    );
  });

  it("names its key by the public key's fingerprint, so the public key alone finds it", () => {
    assert.match(signer.keyId, /^ed25519:[0-9a-f]{16}$/);
    const pem = signer.publicKey.export({ type: "spki", format: "pem" }).toString();
    assert.ok(keyring([{ keyId: signer.keyId, publicKey: publicKeyFrom(pem) }]).has(signer.keyId));
  });
});

describe("checkpoint signatures", () => {
  it("verify with the public key", async () => {
    assert.deepEqual(checkSignature(await signed(7), keys), { ok: true });
  });

  it("fail when the seq, the hash or the time was changed after signing", async () => {
    const checkpoint = await signed(7);
    for (const forged of [
      { ...checkpoint, seq: 8 },
      { ...checkpoint, hash: "c".repeat(64) },
      { ...checkpoint, at: T0 + 1 },
    ]) {
      const check = checkSignature(forged, keys);
      assert.equal(check.ok, false);
      assert.match(check.ok ? "" : check.problem, /signature does not verify with key ed25519:/);
    }
  });

  it("fail for a checkpoint signed with another key that claims this key's id", async () => {
    const other = fileSigner(generateKeyPairSync("ed25519").privateKey);
    const forged = { ...(await signed(7, "a".repeat(64), other)), keyId: signer.keyId };
    assert.equal(checkSignature(forged, keys).ok, false);
  });

  it("fail for a key that was not given, and for a signature that is not one", async () => {
    const other = fileSigner(generateKeyPairSync("ed25519").privateKey);
    const byOther = checkSignature(await signed(7, "a".repeat(64), other), keys);
    assert.match(byOther.ok ? "" : byOther.problem, /not among the public keys given/);
    assert.equal(checkSignature({ ...(await signed(7)), signature: "AAAA" }, keys).ok, false);
  });

  it("round-trip through the JSON copies hold", async () => {
    const checkpoint = await signed(3);
    assert.deepEqual(parseCheckpoint(JSON.parse(JSON.stringify(checkpoint))), checkpoint);
    assert.equal(parseCheckpoint({ ...checkpoint, hash: "short" }), undefined);
  });
});

describe("the signing key file", () => {
  it("is written 0600 by keygen, with the public key beside it, and never over an existing key", () => {
    const privateFile = join(dir, "keygen.pem");
    const publicFile = join(dir, "keygen.pub.pem");
    const generated = generateSigningKey(privateFile, publicFile);
    assert.equal(statSync(privateFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(publicFile, "utf8"), generated.publicKeyPem);
    assert.equal(loadSigningKey(privateFile, "KEY").keyId, generated.keyId);
    assert.throws(() => generateSigningKey(privateFile, undefined), /EEXIST/);
  });

  it("is refused when others may read it, naming the file and the fix", () => {
    const file = join(dir, "open.pem");
    generateSigningKey(file, undefined);
    chmodSync(file, 0o644);
    assert.throws(
      () => loadSigningKey(file, "JIT_AUDIT_SIGNING_KEY_FILE"),
      new RegExp(`JIT_AUDIT_SIGNING_KEY_FILE=${file} may be read or written by others \\(mode 644\\); run chmod 600`),
    );
    chmodSync(file, 0o640);
    assert.throws(() => loadSigningKey(file, "KEY"), /mode 640/);
  });

  it("is refused when it holds another kind of key", () => {
    const file = join(dir, "rsa.pem");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    assert.throws(() => loadSigningKey(file, "KEY"), /is a rsa key; checkpoints are signed with Ed25519/);
  });
});

/** A sink that keeps what it is given, and fails while `failing` is set. */
class MemorySink implements AuditSink {
  readonly name = "memory";
  readonly keepsRecords = true;
  readonly records: StoredAuditRecord[] = [];
  readonly checkpoints: Checkpoint[] = [];
  failing = false;
  async writeRecords(records: readonly StoredAuditRecord[]): Promise<void> {
    if (this.failing) throw new Error("sink unavailable");
    this.records.push(...records);
  }
  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    if (this.failing) throw new Error("sink unavailable");
    this.checkpoints.push(checkpoint);
  }
}

describe("the checkpointer", () => {
  let db: SqliteDatabase;
  let clock: FakeClock;
  let store: SqliteStore;
  let stored: SqliteCheckpoints;
  let logger: RecordingLogger;
  let sink: MemorySink;
  const cadence = { records: 5, intervalMs: 5 * MINUTE };
  const checkpointer = () => new Checkpointer(store.audit, stored, signer, [sink], cadence, logger, () => clock.now());
  const append = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      await store.noteUnattached(
        { accountId: "111122223333", permissionSet: "ReadOnlyAccess" },
        { action: "drift_detected", actorId: "system", detail: { i } },
      );
    }
  };

  beforeEach(() => {
    db = openDatabase(":memory:");
    clock = new FakeClock(T0);
    store = new SqliteStore(db, clock);
    stored = new SqliteCheckpoints(db);
    logger = new RecordingLogger();
    sink = new MemorySink();
  });

  it("signs nothing for an empty trail", async () => {
    assert.equal(await checkpointer().run("start"), undefined);
    assert.deepEqual(await stored.all(), []);
  });

  it("signs the head at start, then on a tick only once enough records are uncovered", async () => {
    const signing = checkpointer();
    await append(2);
    const first = await signing.run("start");
    assert.equal(first?.seq, 2);
    assert.deepEqual(checkSignature(first!, keys), { ok: true });
    await append(4);
    assert.equal(await signing.run("tick"), undefined, "4 uncovered records, under the 5 that make one due");
    await append(1);
    assert.equal((await signing.run("tick"))?.seq, 7);
    assert.deepEqual(
      (await stored.all()).map((c) => c.seq),
      [2, 7],
    );
    assert.equal((await store.audit.head())?.hash, (await stored.latest())?.hash);
  });

  it("signs on a tick once the oldest uncovered record has waited long enough", async () => {
    const signing = checkpointer();
    await append(1);
    await signing.run("start");
    clock.time += 10 * MINUTE;
    assert.equal(await signing.run("tick"), undefined, "nothing new to cover");
    await append(1);
    clock.time += 4 * MINUTE;
    assert.equal(await signing.run("tick"), undefined);
    clock.time += MINUTE;
    assert.equal((await signing.run("tick"))?.seq, 2);
  });

  it("covers records a crashed process appended but did not sign, from the checkpoint it left", async () => {
    await append(3);
    await checkpointer().run("start");
    await append(2);
    // The process dies here; a new one starts on the same database.
    const next = await checkpointer().run("start");
    assert.equal(next?.seq, 5);
    assert.deepEqual(
      sink.records.map((r) => r.seq),
      [1, 2, 3, 4, 5],
    );
  });

  it("gives the sinks the records and the checkpoint, and catches a sink up after it failed", async () => {
    const signing = checkpointer();
    await append(3);
    sink.failing = true;
    await signing.run("start");
    assert.ok(logger.lines.some((line) => line.level === "warn" && /copying the audit trail to a sink failed/.test(line.message)));
    sink.failing = false;
    await append(2);
    await signing.run("shutdown");
    assert.deepEqual(
      sink.records.map((r) => r.seq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      sink.checkpoints.map((c) => c.seq),
      [5],
      "the newest checkpoint covers the one the sink missed",
    );
    assert.equal(sink.records[4]?.hash, (await store.audit.head())?.hash);
  });

  it("refuses to sign a trail rewritten since its last checkpoint, and says so once", async () => {
    await append(3);
    await checkpointer().run("start");
    await append(1);
    db.exec("DROP TRIGGER audit_events_no_update");
    // Rewritten, and every hash recomputed, as an attacker with the file would.
    db.exec("UPDATE audit_events SET detail = '{\"i\":99}' WHERE seq = 2");
    rehashSqlite(db);
    const signing = checkpointer();
    assert.equal(await signing.run("asked"), undefined);
    assert.equal(await signing.run("asked"), undefined);
    const refusals = logger.errors().filter((line) => /does not hold since the last checkpoint; not signing/.test(line.message));
    assert.equal(refusals.length, 1);
    assert.match(
      String((refusals[0]?.context as { problem: string } | undefined)?.problem),
      /^record #4: its prev_hash is not the hash of record #3/,
    );
    assert.deepEqual(
      (await stored.all()).map((c) => c.seq),
      [3],
    );
  });
});
