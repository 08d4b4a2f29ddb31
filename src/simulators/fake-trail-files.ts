// An organization trail's log files, as CloudTrail writes them to its bucket, for the fake S3:
// <prefix>/AWSLogs/<org id>/<account>/CloudTrail/<region>/YYYY/MM/DD/
// <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16 characters>.json.gz, gzip JSON {"Records": […]},
// the date and time being the file's delivery, in UTC (CloudTrail user guide, "Finding your
// CloudTrail log files" and "CloudTrail log file examples").
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { JsonObject } from "./fake-aws-protocol.js";
import type { FakeS3 } from "./fake-s3.js";

export interface FakeTrail {
  readonly bucket: string;
  /** The trail's S3 key prefix without a trailing slash, or "". */
  readonly prefix: string;
  readonly organizationId: string;
}

export interface FakeTrailFile {
  readonly accountId: string;
  readonly region: string;
  /** When CloudTrail delivered the file, epoch ms. */
  readonly deliveredAt: number;
  readonly records: readonly JsonObject[];
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function trailFileKey(trail: FakeTrail, file: Omit<FakeTrailFile, "records">): string {
  const at = new Date(file.deliveredAt).toISOString();
  const [date = "", time = ""] = at.split("T");
  const [year, month, day] = date.split("-");
  const stamp = `${year}${month}${day}T${time.slice(0, 2)}${time.slice(3, 5)}Z`;
  const unique = Array.from(randomBytes(16), (byte) => ALNUM[byte % ALNUM.length]).join("");
  const root = trail.prefix ? `${trail.prefix}/` : "";
  return `${root}AWSLogs/${trail.organizationId}/${file.accountId}/CloudTrail/${file.region}/${year}/${month}/${day}/${file.accountId}_CloudTrail_${file.region}_${stamp}_${unique}.json.gz`;
}

export function trailFileBody(records: readonly JsonObject[]): Buffer {
  return gzipSync(JSON.stringify({ Records: records }));
}

/** Writes the file into the fake bucket and returns its key. */
export function writeTrailFile(s3: FakeS3, trail: FakeTrail, file: FakeTrailFile): string {
  const key = trailFileKey(trail, file);
  s3.putObject(trail.bucket, key, trailFileBody(file.records), new Date(file.deliveredAt));
  return key;
}
