// Reads what a grant's role sessions did from an organization trail's log files in S3, instead of
// CloudTrail event history: for each configured region and each day folder the window touches,
// ListObjectsV2 (paginated) under the account's prefix, the files whose delivery time can hold the
// window's events (trail-layout.ts), each gunzipped and parsed as {"Records": […]}, keeping the
// records of the user's sessions under the permission set's role (trail-records.ts) within the
// window, once per eventID. Whatever cannot be read is a gap of its region, never passed over.
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { gapOf, type ActivityEvent, type ActivityLookup, type CoverageGap, type GapReason } from "../domain/activity-event.js";
import { errorText } from "../domain/errors.js";
import type { ActivityQuery, ActivitySource } from "../services/ports.js";
import { AssumeRoleFailed } from "./assumed-role.js";
import { toProviderError } from "./errors.js";
import type { UserNames } from "./identity-store-users.js";
import { RateLimiter } from "./limiter.js";
import { retryingCall, type RetryPolicy } from "./retrying-call.js";
import { dayPrefixes, mayHoldWindow, type TrailLocation } from "./trail-layout.js";
import { activityEventOf, asRecord, eventTimeOf, isGrantSession, type GrantSessions } from "./trail-records.js";

export interface TrailReaderSettings {
  readonly trail: TrailLocation;
  readonly regions: readonly string[];
  /** Attempts per S3 call, the first included, and the first backoff (doubled per attempt). */
  readonly retries: number;
  readonly backoffMs: { readonly base: number; readonly cap: number };
  /** Log files read per lookup at most, over all regions; past it a region has a too-many-files gap. */
  readonly maxFiles?: number;
}

export const MAX_FILES_PER_LOOKUP = 2_000;
/** Decompressed size a log file may have; CloudTrail's are far smaller, so past it the file is not one. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
// S3 takes thousands of requests per second per prefix; this keeps one digest from being a burst.
const S3_CALLS_PER_SECOND = 25;
const FILES_AT_ONCE = 8;

const THROTTLED = new Set(["SlowDown", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "ServiceUnavailable"]);
// The bucket refused the reader (a KMS key it may not use included: S3 answers AccessDenied) or is not there.
const UNREADABLE = new Set(["AccessDenied", "NoSuchBucket", "AllAccessDisabled", "InvalidAccessKeyId", "AccountProblem"]);

const gunzipAsync = promisify(gunzip);

/** A log file that is not gzip JSON CloudTrail records. */
class CorruptTrailFile extends Error {}

/** Files still to be read in this lookup, shared by its regions. */
interface FileBudget {
  left: number;
  readonly max: number;
}

export class S3TrailActivity implements ActivitySource {
  private readonly limiter = new RateLimiter(S3_CALLS_PER_SECOND);

  constructor(
    private readonly settings: TrailReaderSettings,
    private readonly s3: S3Client,
    private readonly userNames: UserNames,
  ) {}

  async lookup(query: ActivityQuery): Promise<ActivityLookup> {
    let userName: string;
    try {
      userName = await this.userNames.of(query.principalId);
    } catch (error) {
      return { events: [], gaps: this.settings.regions.map((region) => gapOf(region, "error", error)) };
    }
    const sessions: GrantSessions = { accountId: query.accountId, permissionSetName: query.permissionSetName, userName };
    const max = this.settings.maxFiles ?? MAX_FILES_PER_LOOKUP;
    const budget: FileBudget = { left: max, max };
    const results = await Promise.all(this.settings.regions.map((region) => this.inRegion(region, query, sessions, budget)));
    const events = new Map<string, ActivityEvent>();
    const unnamed: ActivityEvent[] = [];
    for (const event of results.flatMap((result) => result.events)) {
      // CloudTrail may deliver an event more than once; an event without an id cannot be told from another.
      if (event.eventId === "") unnamed.push(event);
      else if (!events.has(event.eventId)) events.set(event.eventId, event);
    }
    return { events: [...events.values(), ...unnamed], gaps: results.flatMap((result) => result.gaps) };
  }

  private get policy(): RetryPolicy {
    return { limiter: this.limiter, priority: "normal", retries: this.settings.retries, backoffMs: this.settings.backoffMs };
  }

  private async inRegion(region: string, query: ActivityQuery, sessions: GrantSessions, budget: FileBudget): Promise<ActivityLookup> {
    let keys: string[];
    try {
      keys = await this.filesOf(region, query, budget.max + 1);
    } catch (error) {
      return { events: [], gaps: [gapOf(region, reasonOf(error), error)] };
    }
    const allowed = Math.min(keys.length, budget.left);
    budget.left -= allowed;
    const events: ActivityEvent[] = [];
    const failures: unknown[] = [];
    const toRead = keys.slice(0, allowed);
    for (let at = 0; at < toRead.length; at += FILES_AT_ONCE) {
      await Promise.all(
        toRead.slice(at, at + FILES_AT_ONCE).map(async (key) => {
          try {
            events.push(...(await this.eventsIn(key, region, query, sessions)));
          } catch (error) {
            failures.push(error);
          }
        }),
      );
    }
    const gaps: CoverageGap[] = [];
    const [first] = failures;
    if (first !== undefined) {
      gaps.push({
        region,
        reason: reasonOf(first),
        message: `${failures.length} of ${toRead.length} trail log files could not be read; ${errorText(first)}`.slice(0, 300),
      });
    }
    if (allowed < keys.length) {
      const listed = keys.length > budget.max ? `more than ${budget.max}` : String(keys.length);
      gaps.push({
        region,
        reason: "too-many-files",
        message: `${listed} trail log files in the window, ${allowed} read (at most ${budget.max} per digest)`,
      });
    }
    return { events, gaps };
  }

  /** The keys of the region's files that can hold the window's events, listing no more than `limit`. */
  private async filesOf(region: string, query: ActivityQuery, limit: number): Promise<string[]> {
    const keys: string[] = [];
    for (const prefix of dayPrefixes(this.settings.trail, query.accountId, region, query.from, query.until)) {
      let token: string | undefined;
      do {
        const continuation = token;
        const page = await retryingCall(this.policy, "S3 ListObjectsV2", () =>
          this.s3.send(new ListObjectsV2Command({ Bucket: this.settings.trail.bucket, Prefix: prefix, ContinuationToken: continuation })),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key && mayHoldWindow(object.Key, query.from, query.until)) keys.push(object.Key);
        }
        if (keys.length >= limit) return keys;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return keys;
  }

  private async eventsIn(key: string, region: string, query: ActivityQuery, sessions: GrantSessions): Promise<ActivityEvent[]> {
    const body = await retryingCall(this.policy, "S3 GetObject", async () => {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.settings.trail.bucket, Key: key }));
      return object.Body ? object.Body.transformToByteArray() : new Uint8Array();
    });
    const records = await recordsOf(key, body);
    const events: ActivityEvent[] = [];
    for (const value of records) {
      const record = asRecord(value);
      if (!record) throw new CorruptTrailFile(`${key}: a record is not a JSON object`);
      if (!isGrantSession(record, sessions)) continue;
      const at = eventTimeOf(record);
      if (at === undefined) throw new CorruptTrailFile(`${key}: a record of the session has no eventTime`);
      // eventTime is to the second: an event of the window's first second may read as before it.
      if (at >= query.from - (query.from % 1000) && at <= query.until) events.push(activityEventOf(record, region));
    }
    return events;
  }
}

/** The Records of a gzip JSON log file. */
async function recordsOf(key: string, body: Uint8Array): Promise<readonly unknown[]> {
  let text: string;
  try {
    text = (await gunzipAsync(body, { maxOutputLength: MAX_FILE_BYTES })).toString("utf8");
  } catch (error) {
    throw new CorruptTrailFile(`${key} is not gzip: ${errorText(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptTrailFile(`${key} is not JSON: ${errorText(error)}`);
  }
  const records = asRecord(parsed)?.Records;
  if (!Array.isArray(records)) throw new CorruptTrailFile(`${key} has no Records array`);
  return records;
}

function reasonOf(error: unknown): GapReason {
  if (error instanceof CorruptTrailFile) return "corrupt-file";
  if (error instanceof AssumeRoleFailed) return "no-role";
  const failure = toProviderError(error, "S3");
  if (THROTTLED.has(failure.code)) return "throttled";
  if (UNREADABLE.has(failure.code)) return "trail-unreadable";
  return "error";
}
