// The audit trail's copy in an S3 bucket with Object Lock: each checkpoint, and each batch of
// records, is one object written once, locked in COMPLIANCE or GOVERNANCE mode until its
// retain-until date, so not even the bot's own credentials can delete it before then.
//
// S3 Object Lock protects an object *version*: a PUT to the same key adds a version on top and a
// DELETE without a version id adds a delete marker, neither touching the locked version
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). So the bot writes each
// key once (If-None-Match: *), and verification reads every version: it trusts the oldest, and
// raises an alarm for any later version or delete marker, which the bot never makes.
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import type { Checkpoint } from "../audit/checkpoint.js";
import { checkpointLine, copyOfLines, recordLine, type AuditSink, type SinkCopy } from "../audit/sinks.js";
import type { S3Anchor } from "../config/env.js";
import type { StoredAuditRecord } from "../domain/audit-event.js";
import { errorText } from "../domain/errors.js";

const DAY_MS = 86_400_000;
/** Seqs in keys are zero-padded, so keys sort as the seqs do. */
const SEQ_DIGITS = 20;

const padded = (seq: number) => String(seq).padStart(SEQ_DIGITS, "0");

export class S3Sink implements AuditSink {
  readonly name = "s3";
  readonly keepsRecords: boolean;

  constructor(
    private readonly s3: S3Client,
    private readonly anchor: S3Anchor,
    private readonly now: () => number,
  ) {
    this.keepsRecords = anchor.records;
  }

  async writeRecords(records: readonly StoredAuditRecord[]): Promise<void> {
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last) return;
    await this.putOnce(
      `${this.anchor.prefix}records/${padded(first.seq)}-${padded(last.seq)}.jsonl`,
      records.map(recordLine).join(""),
      "application/x-ndjson",
    );
  }

  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.putOnce(`${this.anchor.prefix}checkpoints/${padded(checkpoint.seq)}.json`, checkpointLine(checkpoint), "application/json");
  }

  /** Writes the object, locked, unless the key exists: a batch written before a crash stays as it was. */
  private async putOnce(key: string, body: string, contentType: string): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.anchor.bucket,
          Key: key,
          Body: Buffer.from(body, "utf8"),
          ContentType: contentType,
          IfNoneMatch: "*",
          ObjectLockMode: this.anchor.lockMode,
          ObjectLockRetainUntilDate: new Date(this.now() + this.anchor.retentionDays * DAY_MS),
          // Object Lock needs an integrity header (Content-MD5 or a checksum); the SDK sends CRC32.
          ChecksumAlgorithm: "CRC32",
        }),
      );
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return;
      const code = error instanceof S3ServiceException ? error.name : errorText(error);
      throw new Error(`S3 PutObject s3://${this.anchor.bucket}/${key} failed: ${code}`, { cause: error });
    }
  }
}

interface Listed {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
}

/** What the bucket holds under the prefix: the oldest version of each object, and alarms for any other. */
export async function readS3Copy(s3: S3Client, bucket: string, prefix: string): Promise<SinkCopy> {
  const listed = await listVersions(s3, bucket, prefix);
  const byKey = new Map<string, Listed[]>();
  for (const entry of listed) byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
  const lines: string[] = [];
  const alarms: string[] = [];
  for (const [key, entries] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // S3 lists a key's versions newest first; the oldest is the one the bot wrote.
    entries.reverse();
    const versions = entries.filter((entry) => !entry.deleteMarker);
    const markers = entries.length - versions.length;
    const where = `s3://${bucket}/${key}`;
    if (versions.length > 1)
      alarms.push(`${where} was written again after it was first written (${versions.length} versions; the oldest is used)`);
    if (markers > 0)
      alarms.push(
        `${where} was deleted (${markers === 1 ? "a delete marker hides it" : `${markers} delete markers hide it`}; its first version is used)`,
      );
    const oldest = versions[0];
    if (!oldest) continue;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: oldest.versionId }));
    lines.push(...((await object.Body?.transformToString("utf8")) ?? "").split("\n"));
  }
  const copy = copyOfLines(lines, `s3://${bucket}/${prefix}`);
  return { ...copy, alarms: [...alarms, ...copy.alarms] };
}

async function listVersions(s3: S3Client, bucket: string, prefix: string): Promise<Listed[]> {
  const listed: Listed[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    for (const version of page.Versions ?? []) {
      if (version.Key && version.VersionId) listed.push({ key: version.Key, versionId: version.VersionId, deleteMarker: false });
    }
    for (const marker of page.DeleteMarkers ?? []) {
      if (marker.Key && marker.VersionId) listed.push({ key: marker.Key, versionId: marker.VersionId, deleteMarker: true });
    }
    if (!page.IsTruncated) return listed;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}
