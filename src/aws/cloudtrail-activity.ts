// Reads what a grant's role sessions did from CloudTrail event history: LookupEvents in each
// configured region of the target account, under a read-only role the bot assumes there, filtered
// by the Identity Center user's name, paginated, at most two calls per second per account and region
// ("The rate of lookup requests is limited to two per second, per account, per Region. If this limit
// is exceeded, a throttling error occurs": CloudTrail API Reference, LookupEvents).
//
// Identity Center records the user's user name as the session's Username (see trail-records.ts), so
// Lookup filters by Username; the session's role and account then keep the events of this grant only.
import { CloudTrailClient, LookupEventsCommand, type Event } from "@aws-sdk/client-cloudtrail";
import type { STSClient } from "@aws-sdk/client-sts";
import { gapOf as gap, type ActivityEvent, type ActivityLookup, type GapReason } from "../domain/activity-event.js";
import type { ActivityQuery, ActivitySource } from "../services/ports.js";
import { AssumeRoleFailed, assumedRoleCredentials } from "./assumed-role.js";
import type { CredentialProvider } from "./clients.js";
import { toProviderError } from "./errors.js";
import type { UserNames } from "./identity-store-users.js";
import { RateLimiter } from "./limiter.js";
import { retryingCall } from "./retrying-call.js";
import { activityEventOf, isGrantSession, objectAt, parseRecord, type GrantSessions } from "./trail-records.js";

export interface ActivityReaderSettings {
  /** The read-only role in every target account (JIT_ACTIVITY_ROLE_NAME). */
  readonly roleName: string;
  readonly regions: readonly string[];
  /** The partition of the Identity Center instance: aws, aws-us-gov, aws-cn. */
  readonly partition: string;
  /** Attempts per LookupEvents page, the first included, and the first backoff (doubled per attempt). */
  readonly retries: number;
  readonly backoffMs: { readonly base: number; readonly cap: number };
}

const LOOKUP_CALLS_PER_SECOND = 2;
/** "You can look up events that occurred in a Region within the last 90 days" (CloudTrail API Reference, LookupEvents). */
const HISTORY_MS = 90 * 24 * 60 * 60_000;
// What STS or CloudTrail answer where the region is not enabled for the account (an opt-in region)
// or does not know the credentials' session: the region cannot be read, rather than failing.
const REGION_UNAVAILABLE = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired", "ENOTFOUND"]);

export class CloudTrailActivity implements ActivitySource {
  private readonly credentials = new Map<string, CredentialProvider>();
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly clients = new Map<string, CloudTrailClient>();

  constructor(
    private readonly settings: ActivityReaderSettings,
    private readonly sts: STSClient,
    private readonly userNames: UserNames,
  ) {}

  async lookup(query: ActivityQuery): Promise<ActivityLookup> {
    const expired =
      query.from < Date.now() - HISTORY_MS
        ? this.settings.regions.map((region) => gap(region, "history-expired", "events older than 90 days are not in event history"))
        : [];
    const found = await this.lookupAll(query);
    return { events: found.events, gaps: [...expired, ...found.gaps] };
  }

  private async lookupAll(query: ActivityQuery): Promise<ActivityLookup> {
    let userName: string;
    try {
      userName = await this.userNames.of(query.principalId);
    } catch (error) {
      return { events: [], gaps: this.settings.regions.map((region) => gap(region, "error", error)) };
    }
    const results = await Promise.all(this.settings.regions.map((region) => this.inRegion(region, query, userName)));
    return { events: results.flatMap((result) => result.events), gaps: results.flatMap((result) => result.gaps) };
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
  }

  private async inRegion(region: string, query: ActivityQuery, userName: string): Promise<ActivityLookup> {
    const client = this.clientFor(query.accountId, region);
    const limiter = this.limiterFor(query.accountId, region);
    const policy = { limiter, priority: "normal" as const, retries: this.settings.retries, backoffMs: this.settings.backoffMs };
    const events: ActivityEvent[] = [];
    const sessions: GrantSessions = { accountId: query.accountId, permissionSetName: query.permissionSetName, userName };
    let nextToken: string | undefined;
    try {
      do {
        const token = nextToken;
        const page = await retryingCall(policy, "CloudTrail LookupEvents", () =>
          client.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: "Username", AttributeValue: userName }],
              StartTime: new Date(query.from),
              EndTime: new Date(query.until),
              MaxResults: 50,
              NextToken: token,
            }),
          ),
        );
        for (const event of page.Events ?? []) {
          const parsed = lookedUpEvent(event, region, sessions);
          if (parsed) events.push(parsed);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return { events, gaps: [] };
    } catch (error) {
      return { events, gaps: [gap(region, reasonOf(error), error)] };
    }
  }

  private clientFor(accountId: string, region: string): CloudTrailClient {
    const key = `${accountId}/${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new CloudTrailClient({
        region,
        credentials: this.credentialsFor(accountId),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private credentialsFor(accountId: string): CredentialProvider {
    let provider = this.credentials.get(accountId);
    if (!provider) {
      const roleArn = `arn:${this.settings.partition}:iam::${accountId}:role/${this.settings.roleName}`;
      provider = assumedRoleCredentials(this.sts, roleArn, "jit-slack-activity");
      this.credentials.set(accountId, provider);
    }
    return provider;
  }

  private limiterFor(accountId: string, region: string): RateLimiter {
    const key = `${accountId}/${region}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      // A burst of one: calls start at most every half second, so no second holds more than two.
      limiter = new RateLimiter(LOOKUP_CALLS_PER_SECOND, 1);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

function reasonOf(error: unknown): GapReason {
  if (error instanceof AssumeRoleFailed) return REGION_UNAVAILABLE.has(error.code) ? "region-unavailable" : "no-role";
  const code = toProviderError(error, "CloudTrail LookupEvents").code;
  if (code === "ThrottlingException") return "throttled";
  return REGION_UNAVAILABLE.has(code) ? "region-unavailable" : "error";
}

/**
 * The event, when its session is the user's under this permission set's role in the account;
 * undefined for the user's sessions under other permission sets. An event whose record cannot be
 * read is kept with what LookupEvents says of it, rather than dropped.
 */
function lookedUpEvent(event: Event, region: string, sessions: GrantSessions): ActivityEvent | undefined {
  const record = parseRecord(event.CloudTrailEvent);
  if (record && objectAt(record, "userIdentity") && !isGrantSession(record, sessions)) return undefined;
  return activityEventOf(record, region, {
    eventId: event.EventId,
    eventSource: event.EventSource,
    eventName: event.EventName,
    eventTime: event.EventTime?.getTime(),
    readOnly: event.ReadOnly === undefined ? undefined : event.ReadOnly === "true",
    resources: (event.Resources ?? []).flatMap((resource) => (resource.ResourceName ? [resource.ResourceName] : [])),
  });
}
