// The fake S3 behaves as S3 does where the audit copy relies on it: versions, Object Lock in both
// modes, delete markers, conditional writes, and the requests S3 refuses.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startFakeS3, type FakeS3 } from "../../src/simulators/fake-s3.js";

const DAY_MS = 86_400_000;

describe("the fake S3", () => {
  let s3: FakeS3;
  let client: S3Client;
  const locked = (mode: "GOVERNANCE" | "COMPLIANCE", key: string) =>
    client.send(
      new PutObjectCommand({
        Bucket: "locked",
        Key: key,
        Body: Buffer.from(key),
        ObjectLockMode: mode,
        ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS),
      }),
    );

  before(async () => {
    s3 = await startFakeS3();
    s3.createBucket("locked");
    s3.createBucket("plain", { objectLock: false });
    client = new S3Client({ endpoint: s3.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  });
  after(async () => {
    client.destroy();
    await s3.close();
  });

  it("refuses to delete a version locked in compliance mode, even bypassing governance", async () => {
    const { VersionId } = await locked("COMPLIANCE", "c");
    await assert.rejects(client.send(new DeleteObjectCommand({ Bucket: "locked", Key: "c", VersionId, BypassGovernanceRetention: true })), {
      name: "AccessDenied",
    });
  });

  it("refuses to delete a version locked in governance mode unless the request bypasses governance", async () => {
    const { VersionId } = await locked("GOVERNANCE", "g");
    await assert.rejects(client.send(new DeleteObjectCommand({ Bucket: "locked", Key: "g", VersionId })), { name: "AccessDenied" });
    await client.send(new DeleteObjectCommand({ Bucket: "locked", Key: "g", VersionId, BypassGovernanceRetention: true }));
    assert.equal(s3.versions("locked", "g").length, 0);
  });

  it("adds a delete marker and a new version on top of a locked one, which stays readable by its version id", async () => {
    const { VersionId } = await locked("COMPLIANCE", "kept");
    await client.send(new PutObjectCommand({ Bucket: "locked", Key: "kept", Body: "rewritten" }));
    await client.send(new DeleteObjectCommand({ Bucket: "locked", Key: "kept" }));
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: "locked", Key: "kept" })));
    const first = await client.send(new GetObjectCommand({ Bucket: "locked", Key: "kept", VersionId }));
    assert.equal(await first.Body?.transformToString(), "kept");
    assert.deepEqual(
      s3.versions("locked", "kept").map((v) => v.deleteMarker),
      [false, false, true],
    );
  });

  it("refuses a conditional write over an existing key, and lock headers on a bucket without Object Lock or with a past date", async () => {
    await locked("COMPLIANCE", "once");
    await assert.rejects(client.send(new PutObjectCommand({ Bucket: "locked", Key: "once", Body: "again", IfNoneMatch: "*" })), {
      name: "PreconditionFailed",
    });
    await assert.rejects(
      client.send(
        new PutObjectCommand({
          Bucket: "plain",
          Key: "x",
          Body: "x",
          ObjectLockMode: "COMPLIANCE",
          ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS),
        }),
      ),
      (error: Error) => error.name === "InvalidRequest" && /missing Object Lock Configuration/.test(error.message),
    );
    await assert.rejects(
      client.send(
        new PutObjectCommand({
          Bucket: "locked",
          Key: "past",
          Body: "x",
          ObjectLockMode: "COMPLIANCE",
          ObjectLockRetainUntilDate: new Date(Date.now() - DAY_MS),
        }),
      ),
      { name: "InvalidArgument" },
    );
  });
});
