// The audit trail's copy in S3 with Object Lock: the bot writes each checkpoint and each batch of
// records once, locked, through the real SDK pointed at the fake S3 by AWS_ENDPOINT_URL_S3; its own
// credentials cannot delete them; and `jit-admin audit verify --anchors s3` names the record a
// re-hashed database changed, trusting each object's first version over any written on top.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { generateSigningKey } from "../../src/audit/signing-key.js";
import { startFakeS3, type FakeS3 } from "../../src/simulators/fake-s3.js";
import { auditRows, click, request, waitForDm } from "../support/flows.js";
import { startTestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { tamperedCopy, type TamperedCopy } from "../support/tamper.js";
import { people, startWorld, type World } from "../support/world.js";

const BUCKET = "acme-jit-audit";
const PREFIX = "jit-slack-audit/";
const DAY_MS = 86_400_000;

describe("the audit trail's copy in S3 with Object Lock", () => {
  let world: World;
  let s3: FakeS3;
  let publicKey: string;
  let approvedSeq: number;
  let lastSeq: number;
  let client: S3Client;
  const copies: TamperedCopy[] = [];
  const s3Env = () => ({ AWS_ENDPOINT_URL_S3: s3.url, JIT_AUDIT_S3_BUCKET: BUCKET });
  const verify = (copy?: TamperedCopy) =>
    jitAdmin(
      ["audit", "verify", "--public-key", publicKey, "--anchors", "s3", ...(copy?.args ?? [])],
      world.env({ ...s3Env(), ...copy?.env }),
      world.dir,
    );

  before(async () => {
    world = await startWorld();
    s3 = await startFakeS3();
    s3.createBucket(BUCKET);
    const privateKey = join(world.dir, "audit-signing.pem");
    publicKey = join(world.dir, "audit-signing.pub.pem");
    generateSigningKey(privateKey, publicKey);
    const bot = await startTestBot(world, {
      ...s3Env(),
      JIT_AUDIT_SIGNING_KEY_FILE: privateKey,
      JIT_AUDIT_CHECKPOINT_RECORDS: "100000",
      JIT_AUDIT_CHECKPOINT_MINUTES: "1440",
    });
    try {
      const first = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h INC-9 object lock");
      await click(bot, people.bob.slackId, "jit_approve", first);
      await waitForDm(world, people.alice.slackId, /Access granted/);
      // S3 is unavailable for the first checkpoint (the SDK's four attempts all fail): the copy waits for the next one.
      s3.failNext(4);
      assert.ok(await bot.bot.checkpoint(), "the checkpoint is signed and stored whatever S3 does");
      assert.ok(bot.logger.lines.some((line) => line.level === "warn" && /copying the audit trail to a sink failed/.test(line.message)));
      await request(bot, world, people.alice.slackId, "sandbox ReadOnlyAccess 30m look at logs");
    } finally {
      await bot.stop();
    }
    const rows = await auditRows(world);
    approvedSeq = rows.find((row) => row.action === "approved")?.seq ?? 0;
    lastSeq = rows.at(-1)?.seq ?? 0;
    client = new S3Client({ endpoint: s3.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  });

  after(async () => {
    client?.destroy();
    await Promise.all(copies.splice(0).map((copy) => copy.drop()));
    await s3?.close();
    await world?.close();
  });

  it("holds every record and the checkpoints, each object written once and locked in compliance mode for the retention", () => {
    const versions = s3.versions(BUCKET, PREFIX);
    const records = versions.filter((v) => v.key.startsWith(`${PREFIX}records/`));
    const checkpoints = versions.filter((v) => v.key.startsWith(`${PREFIX}checkpoints/`));
    assert.ok(
      checkpoints.some((v) => v.key === `${PREFIX}checkpoints/${String(lastSeq).padStart(20, "0")}.json`),
      "the shutdown checkpoint",
    );
    const seqs = records.flatMap((v) =>
      v.body
        .toString("utf8")
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { seq: number }).seq),
    );
    assert.deepEqual(
      seqs,
      Array.from({ length: lastSeq }, (_, i) => i + 1),
    );
    for (const version of versions) {
      assert.equal(version.lockMode, "COMPLIANCE", version.key);
      const days = ((version.retainUntil?.getTime() ?? 0) - Date.now()) / DAY_MS;
      assert.ok(days > 364 && days <= 365, `${version.key} is locked for 365 days, not ${days}`);
    }
    assert.equal(new Set(versions.map((v) => v.key)).size, versions.length, "one version per key");
    const puts = s3.calls.filter((call) => call.method === "PUT");
    assert.ok(puts.every((call) => call.headers["if-none-match"] === "*" && call.headers["x-amz-checksum-crc32"] !== undefined));
  });

  it("cannot be deleted before its retention ends, not even with the bot's credentials", async () => {
    const [locked] = s3.versions(BUCKET, `${PREFIX}checkpoints/`);
    assert.ok(locked);
    await assert.rejects(
      client.send(
        new DeleteObjectCommand({ Bucket: BUCKET, Key: locked.key, VersionId: locked.versionId, BypassGovernanceRetention: true }),
      ),
      (error: Error) => error.name === "AccessDenied",
    );
    await assert.rejects(
      client.send(new PutObjectCommand({ Bucket: BUCKET, Key: locked.key, Body: "{}", IfNoneMatch: "*" })),
      (error: Error) => error.name === "PreconditionFailed",
    );
    assert.ok(s3.versions(BUCKET).some((v) => v.versionId === locked.versionId));
  });

  it("is refused without a signing key, since copies are made at each checkpoint", async () => {
    await assert.rejects(
      startTestBot(world, s3Env()),
      /^Error: JIT_AUDIT_S3_BUCKET is set without JIT_AUDIT_SIGNING_KEY_FILE: copies of the audit trail are made at each checkpoint, so set the signing key \(or JIT_AUDIT_KMS_KEY_ID\) too\.$/,
    );
  });

  it("agrees with the database", async () => {
    const ran = await verify();
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, new RegExp(`^Copy in s3://${BUCKET}/${PREFIX}: ${lastSeq} records, \\d+ checkpoints?\\.$`, "m"));
  });

  it("names the record a re-hashed database changed, though new versions were written over the copy and its checkpoints hidden", async () => {
    const copy = await tamperedCopy(world, "s3-rewritten", {
      sql: `UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE seq = ${approvedSeq}; DELETE FROM audit_checkpoints;`,
      rehash: true,
    });
    copies.push(copy);
    // With the bot's own S3 credentials: a new version of each records object, delete markers on the checkpoints.
    const recordObjects = s3.versions(BUCKET, `${PREFIX}records/`);
    for (const object of recordObjects) {
      await client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: object.key,
          Body: object.body.toString("utf8").replace(/"actorId":"U0BOB"/g, '"actorId":"U0MALLORY"'),
        }),
      );
    }
    for (const object of s3.versions(BUCKET, `${PREFIX}checkpoints/`))
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: object.key }));

    const ran = await verify(copy);
    assert.equal(ran.code, 1, ran.stdout + ran.stderr);
    assert.match(
      ran.stdout,
      new RegExp(
        `^The audit trail was tampered with at record #${approvedSeq}: record #${approvedSeq} differs from the copy in s3://${BUCKET}/${PREFIX}\\.$`,
        "m",
      ),
    );
    assert.match(
      ran.stdout,
      new RegExp(
        `TAMPERED: s3://${BUCKET}/${PREFIX}records/\\S+ was written again after it was first written \\(2 versions; the oldest is used\\)`,
      ),
    );
    assert.match(
      ran.stdout,
      new RegExp(
        `TAMPERED: s3://${BUCKET}/${PREFIX}checkpoints/\\S+ was deleted \\(a delete marker hides it; its first version is used\\)`,
      ),
    );
    assert.match(ran.stdout, /Checkpoints: \d+ genuine of \d+ found/, "the hidden checkpoints still count");
  });
});
