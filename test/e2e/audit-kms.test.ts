// Checkpoints signed with an AWS KMS key (ECC_NIST_EDWARDS25519), so the private key never leaves
// KMS: the bot signs through the fake KMS with the real SDK, and `jit-admin audit verify --kms-key`
// checks the signatures with the key's public half, catching a re-hashed rewrite as with a key file.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { keyIdOf } from "../../src/audit/checkpoint.js";
import type { FakeKmsKey } from "../../src/simulators/fake-aws-kms.js";
import { click, request, waitForDm } from "../support/flows.js";
import { startTestBot } from "../support/in-process-bot.js";
import { jitAdmin } from "../support/jit-admin.js";
import { tamperedCopy, type TamperedCopy } from "../support/tamper.js";
import { people, startWorld, type World } from "../support/world.js";
import { withWorldStore } from "../support/world-store.js";

describe("checkpoints signed with a KMS key", () => {
  let world: World;
  let key: FakeKmsKey;
  const copies: TamperedCopy[] = [];

  before(async () => {
    world = await startWorld();
    key = world.aws.addKmsKey();
    const bot = await startTestBot(world, { JIT_AUDIT_KMS_KEY_ID: key.arn });
    try {
      const first = await request(bot, world, people.alice.slackId, "prod AdministratorAccess 1h INC-12 kms");
      await click(bot, people.bob.slackId, "jit_approve", first);
      await waitForDm(world, people.alice.slackId, /Access granted/);
    } finally {
      await bot.stop();
    }
  });

  after(async () => {
    await Promise.all(copies.splice(0).map((copy) => copy.drop()));
    await world.close();
  });

  it("are signed by KMS Sign (ED25519_SHA_512 over the raw statement) and named by the key's public half", async () => {
    const signs = world.aws.callsOf("Sign");
    assert.ok(signs.length >= 1);
    assert.ok(
      signs.every(
        (call) => call.input.KeyId === key.arn && call.input.SigningAlgorithm === "ED25519_SHA_512" && call.input.MessageType === "RAW",
      ),
    );
    const checkpoints = await withWorldStore(world, (opened) => opened.checkpoints.all());
    assert.ok(checkpoints.length >= 1);
    assert.ok(checkpoints.every((checkpoint) => checkpoint.keyId === keyIdOf(key.publicKey)));
  });

  it("verify with --kms-key, or where the bot runs with its JIT_AUDIT_KMS_KEY_ID", async () => {
    for (const [args, from] of [
      [["--kms-key", key.arn], `KMS ${key.arn}`],
      [[], "JIT_AUDIT_KMS_KEY_ID"],
    ] as const) {
      const ran = await jitAdmin(["audit", "verify", ...args], world.env({ JIT_AUDIT_KMS_KEY_ID: key.arn }), world.dir);
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      assert.match(
        ran.stdout,
        new RegExp(`Checkpoints: \\d+ genuine of \\d+ found \\(key ${keyIdOf(key.publicKey)} \\(${from.replace(/[/:]/g, ".")}\\)\\)`),
      );
    }
  });

  it("catch a record rewritten and the chain re-hashed", async () => {
    const copy = await tamperedCopy(world, "kms-rewritten", {
      sql: "UPDATE audit_events SET actor_id = 'U0MALLORY' WHERE action = 'approved'",
      rehash: true,
    });
    copies.push(copy);
    const ran = await jitAdmin(["audit", "verify", "--kms-key", key.arn, ...copy.args], world.env(copy.env), world.dir);
    assert.equal(ran.code, 1, ran.stdout);
    assert.match(
      ran.stdout,
      /^The audit trail was tampered with at records #1–#\d+: the trail at #\d+ does not match the checkpoint signed /m,
    );
  });

  it("refuse a KMS key that cannot sign, naming it", async () => {
    const encryption = world.aws.addKmsKey("ENCRYPT_DECRYPT");
    await assert.rejects(
      startTestBot(world, { JIT_AUDIT_KMS_KEY_ID: encryption.arn }),
      new RegExp(
        `JIT_AUDIT_KMS_KEY_ID=${encryption.arn} is a ECC_NIST_EDWARDS25519 key for ENCRYPT_DECRYPT; checkpoints need an ECC_NIST_EDWARDS25519 key with usage SIGN_VERIFY`,
      ),
    );
  });
});
